package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// Reports end to end: remote Flags into a Village's queues, members'
// reports forwarded anonymously, remote moderators told, the client API,
// and the hourly limit. Instances listen on 127.0.0.40–49.

// storeOf opens an instance's database, to check what was (not) stored.
func storeOf(t *testing.T, v *testenv.Village) *pgxpool.Pool {
	t.Helper()
	pool, err := models.Open(context.Background(), v.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// allReports lists an instance's reports, oldest first.
func allReports(t *testing.T, db *pgxpool.Pool) []*models.Report {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT id FROM reports ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []*models.Report
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		r, err := models.ReportByID(context.Background(), db, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// remoteGroupPost has a remote member post into a local group and returns
// the post's id there (for the API and the web app) and its URI.
func remoteGroupPost(t *testing.T, v *testenv.Village, r *testenv.Remote, reader *testenv.Client, group string, n int, content string) (id, uri string) {
	t.Helper()
	groupURL := v.BaseURL + "/groups/" + group
	uri = fmt.Sprintf("%s/statuses/%d", r.ActorID, n)
	note := map[string]any{"id": uri, "type": "Note", "attributedTo": r.ActorID, "content": content,
		"to": []any{"https://www.w3.org/ns/activitystreams#Public", groupURL}, "cc": r.ActorID + "/followers",
		"published": time.Now().UTC().Format(time.RFC3339),
		"tag":       []any{map[string]any{"type": "Mention", "href": groupURL, "name": "@" + group + "@" + v.Addr}}}
	body := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": uri + "/activity", "type": "Create", "actor": r.ActorID, "to": note["to"], "cc": note["cc"], "object": note})
	if code := r.Post(v.BaseURL+"/inbox", body, time.Now()); code != http.StatusAccepted {
		t.Fatalf("%s posts into %s: %d", r.Username, group, code)
	}
	var found []testenv.Status
	reader.Get("/api/v1/accounts/"+testenv.Lookup(t, reader, group).ID+"/statuses", &found)
	for _, s := range found {
		if s.Reblog != nil {
			s = *s.Reblog
		}
		if s.URI == uri {
			return s.ID, uri
		}
	}
	t.Fatalf("%s's post %s not among the group's posts", r.Username, uri)
	return "", ""
}

// flagBody is a Flag from a remote actor.
func flagBody(t *testing.T, r *testenv.Remote, n int, to []string, objects []string, content string) []byte {
	t.Helper()
	m := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": fmt.Sprintf("%s/flags/%d", r.ActorID, n),
		"type": "Flag", "actor": r.ActorID, "object": objects, "content": content}
	if len(to) > 0 {
		m["to"] = to
	}
	return testenv.Activity(t, m)
}

func TestARemoteFlagLandsInTheGroupsQueue(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.40:0"})
	db := storeOf(t, v)
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	maria := v.User("maria")
	v.Admin("admin", "group", "moderator", "add", "moms", "maria")
	alice := v.User("alice")
	testenv.JoinLocalGroup(t, alice, "moms")
	alicePost := testenv.PostStatus(t, alice, url.Values{"status": {"@moms who knows a good pediatrician?"}})
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	testenv.JoinGroup(t, v, mia, "moms")
	_, miaNote := remoteGroupPost(t, v, mia, alice, "moms", 1, `<p>you are all <script>alert(1)</script>terrible parents</p>`)
	rita := testenv.NewRemote(t, "rita") // a server whose person reports mia

	groupURL := v.BaseURL + "/groups/moms"
	flag := flagBody(t, rita, 1, []string{groupURL}, []string{mia.ActorID, miaNote}, "<b>mean</b> to a new mom")
	for i := 0; i < 2; i++ { // the second is a replay
		if code := rita.Post(groupURL+"/inbox", flag, time.Now()); code != http.StatusAccepted {
			t.Fatalf("Flag %d to the group's inbox: %d", i, code)
		}
	}
	reports := allReports(t, db)
	if len(reports) != 1 {
		t.Fatalf("%d reports after a Flag and its replay, want 1", len(reports))
	}
	r := reports[0]
	var momsID, miaID int64
	if err := db.QueryRow(context.Background(), `SELECT (SELECT id FROM actors WHERE username = 'moms' AND domain IS NULL),
		(SELECT id FROM actors WHERE uri = $1)`, mia.ActorID).Scan(&momsID, &miaID); err != nil {
		t.Fatal(err)
	}
	if r.GroupID == nil || *r.GroupID != momsID || r.TargetID != miaID || r.FlagURI != rita.ActorID+"/flags/1" ||
		len(r.PostIDs) != 1 || r.State != models.ReportOpen || r.Comment != "mean to a new mom" {
		t.Errorf("stored report %+v, want an open report of mia's post for moms with the comment as plain text", r)
	}

	// Flags about what is not ours are refused and leave nothing.
	before := stored(t, v)
	notOurs := map[string][]string{
		"an unknown post and person": {"https://elsewhere.example/users/x", "https://elsewhere.example/notes/1"},
		"the reporter itself":        {rita.ActorID},
		"only our instance actor":    {v.BaseURL + "/actor"},
	}
	n := 10
	for name, objects := range notOurs {
		n++
		if code := rita.Post(v.BaseURL+"/inbox", flagBody(t, rita, n, nil, objects, "spam"), time.Now()); code != http.StatusBadRequest {
			t.Errorf("Flag about %s: %d, want 400", name, code)
		}
	}
	if after := stored(t, v); after != before || len(allReports(t, db)) != 1 {
		t.Errorf("refused Flags left something: %s, then %s; %d reports", before, after, len(allReports(t, db)))
	}

	// At the shared inbox, a Flag about a local post is for the instance.
	if code := rita.Post(v.BaseURL+"/inbox", flagBody(t, rita, 2, nil,
		[]string{v.BaseURL + "/users/alice", alicePost.URI}, "off topic"), time.Now()); code != http.StatusAccepted {
		t.Fatalf("Flag about alice: %d", code)
	}
	reports = allReports(t, db)
	if len(reports) != 2 || reports[1].GroupID != nil || len(reports[1].PostIDs) != 1 {
		t.Fatalf("after a Flag about alice's post at the shared inbox: %+v, want an instance report", reports)
	}

	// The group's moderator sees it, and was told; the remote reporter shows as its server.
	var ns []notification
	maria.Get("/api/v1/notifications", &ns)
	if !hasNotification(ns, "admin.report", "rita@"+strings.TrimPrefix(rita.Server.URL, "http://")) {
		t.Errorf("maria's notifications %+v have no admin.report from rita", ns)
	}
	mod := v.SignIn("maria")
	code, page := mod.Get("/groups/moms/reports")
	if code != http.StatusOK {
		t.Fatalf("the group's queue for its moderator: %d", code)
	}
	for _, want := range []string{"mean to a new mom", "terrible parents", "someone on " + strings.TrimPrefix(rita.Server.URL, "http://"),
		"/groups/moms/reports/" + strconv.FormatInt(r.ID, 10) + "/resolve"} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<b>mean", "off topic"} {
		if strings.Contains(page, bad) {
			t.Errorf("the group's queue shows %q", bad)
		}
	}
	if code, _ := mod.Get("/admin/reports"); code != http.StatusNotFound {
		t.Errorf("a group moderator on the instance's queue: %d, want 404", code)
	}
	member := v.SignIn("alice")
	for _, path := range []string{"/groups/moms/reports", "/admin/reports"} {
		if code, _ := member.Get(path); code != http.StatusNotFound {
			t.Errorf("a member on %s: %d, want 404", path, code)
		}
	}

	// Resolving closes it, in the audit log.
	if code, _ := mod.SubmitFrom("/groups/moms/reports", "/groups/moms/reports/"+strconv.FormatInt(r.ID, 10)+"/resolve", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("resolve: %d", code)
	}
	got, err := models.ReportByID(context.Background(), db, r.ID)
	if err != nil || got.State != models.ReportResolved || got.ActionedAt == nil {
		t.Errorf("after resolve: %+v %v", got, err)
	}
	log, err := models.ModerationLog(context.Background(), db, &momsID, models.Page{Limit: 10})
	// (Naming the moderator, by the command line, is logged before it.)
	if err != nil || len(log) == 0 || log[0].Action != models.ModResolveReport || (len(log) > 1 && log[1].Action == models.ModResolveReport) {
		t.Errorf("the group's audit log: %+v %v, want one resolve_report", log, err)
	}
	if _, page := mod.Get("/groups/moms/reports"); strings.Contains(page, "mean to a new mom") {
		t.Errorf("a resolved report is still in the queue")
	}
}

// flagsTo lists the Flags a peer received.
func flagsTo(r *testenv.Remote) []map[string]any { return testenv.ReceivedOfType(r, "Flag") }

// objectsOf are the ids a Flag names.
func objectsOf(flag map[string]any) []string {
	var out []string
	switch o := flag["object"].(type) {
	case string:
		out = append(out, o)
	case []any:
		for _, x := range o {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mentions reports whether any JSON text of a document contains s.
func mentions(t *testing.T, doc map[string]any, s string) bool {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), s)
}

func TestAMembersReportOfARemotePostIsForwardedByTheInstanceActor(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.41:0"})
	db := storeOf(t, v)
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	v.User("maria")
	v.Admin("admin", "group", "moderator", "add", "moms", "maria")
	alice := v.User("alice")
	testenv.JoinLocalGroup(t, alice, "moms")
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	testenv.JoinGroup(t, v, mia, "moms")
	noteID, noteURI := remoteGroupPost(t, v, mia, alice, "moms", 1, "<p>nobody here can raise a child</p>")

	// The web form offers to tell mia's server, on by default.
	web := v.SignIn("alice")
	code, form := web.Get("/report?post=" + noteID)
	miaHost := strings.TrimPrefix(mia.Server.URL, "http://")
	if code != http.StatusOK || !strings.Contains(form, "Also send the report to "+miaHost) || !strings.Contains(form, `value="on" checked`) ||
		!strings.Contains(form, "moderators of Moms") {
		t.Fatalf("the report form: %d\n%s", code, form)
	}
	comment := "this hurt a lot of us"
	code, _ = web.SubmitFrom("/report?post="+noteID, "/report", url.Values{"post": {noteID}, "comment": {comment},
		"category": {"violation"}, "forward": {"on"}})
	if code != http.StatusSeeOther {
		t.Fatalf("sending the report: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the Flag at mia's server", func() bool { return len(flagsTo(mia)) == 1 })
	flag := flagsTo(mia)[0]
	if flag["actor"] != v.BaseURL+"/actor" {
		t.Errorf("the Flag's actor is %v, want the instance actor", flag["actor"])
	}
	if objects := objectsOf(flag); !has(objects, mia.ActorID) || !has(objects, noteURI) {
		t.Errorf("the Flag names %v, want mia and her post", objects)
	}
	if flag["content"] != comment {
		t.Errorf("the Flag's content is %v, want the comment", flag["content"])
	}
	for _, who := range []string{v.BaseURL + "/users/alice", "alice"} {
		if mentions(t, flag, who) {
			t.Errorf("the Flag names the reporter (%q): %v", who, flag)
		}
	}
	reports := allReports(t, db)
	if len(reports) != 1 || !reports[0].Forwarded || reports[0].GroupID == nil || reports[0].Category != models.ReportViolation {
		t.Fatalf("stored reports: %+v, want one forwarded report for the group", reports)
	}

	// Not forwarded when the member says no.
	var out map[string]any
	if code := alice.Do(http.MethodPost, "/api/v1/reports", url.Values{"account_id": {testenv.Lookup(t, alice, "mia@"+miaHost).ID},
		"status_ids[]": {noteID}, "forward": {"false"}}, &out); code != http.StatusOK || out["forwarded"] != false {
		t.Fatalf("an unforwarded report: %d %v", code, out)
	}
	time.Sleep(time.Second)
	if n := len(flagsTo(mia)); n != 1 {
		t.Errorf("mia's server got %d Flags, want 1 (the second report was not to be forwarded)", n)
	}
}

func TestReportsReachRemoteModerators(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.42:0"})
	db := storeOf(t, v)
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	ron := testenv.NewRemote(t, "ron") // a moderator of moms on another server
	testenv.JoinGroup(t, v, ron, "moms")
	if _, err := db.Exec(context.Background(), `INSERT INTO group_moderators (group_id, actor_id)
		SELECT g.id, r.id FROM actors g, actors r WHERE g.username = 'moms' AND g.domain IS NULL AND r.uri = $1`, ron.ActorID); err != nil {
		t.Fatal(err)
	}
	alice, bob := v.User("alice"), v.User("bob")
	testenv.JoinLocalGroup(t, alice, "moms")
	testenv.JoinLocalGroup(t, bob, "moms")
	bobs := testenv.PostStatus(t, bob, url.Values{"status": {"@moms selling my old stroller, DM me"}})

	var out struct {
		ID string `json:"id"`
	}
	alice.Post("/api/v1/reports", url.Values{"account_id": {testenv.Lookup(t, alice, "bob").ID}, "status_ids[]": {bobs.ID},
		"comment": {"spam again"}, "forward": {"true"}}, &out)
	testenv.Eventually(t, 30*time.Second, "the Flag at ron's server", func() bool { return len(flagsTo(ron)) == 1 })
	flag := flagsTo(ron)[0]
	groupURL := v.BaseURL + "/groups/moms"
	if flag["actor"] != v.BaseURL+"/actor" || !has(objectsOf(flag), v.BaseURL+"/users/bob") || !has(objectsOf(flag), bobs.URI) ||
		!mentions(t, flag, groupURL) || flag["content"] != "spam again" {
		t.Errorf("ron got %v, want Flag{bob, his post} to the group from the instance actor", flag)
	}
	if mentions(t, flag, "alice") {
		t.Errorf("the Flag to a remote moderator names the reporter: %v", flag)
	}

	// A remote Flag into the group's queue reaches ron too.
	rita := testenv.NewRemote(t, "rita")
	if code := rita.Post(groupURL+"/inbox", flagBody(t, rita, 1, nil, []string{bobs.URI}, "still spam"), time.Now()); code != http.StatusAccepted {
		t.Fatalf("rita's Flag: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the second Flag at ron's server", func() bool { return len(flagsTo(ron)) == 2 })
	if second := flagsTo(ron)[1]; mentions(t, second, rita.ActorID) {
		t.Errorf("the Flag passed on to ron names rita: %v", second)
	}
	if reports := allReports(t, db); len(reports) != 2 || reports[1].GroupID == nil {
		t.Errorf("reports: %+v, want both in the group's queue", reports)
	}
}

func TestReportsAPIAnswersWithTheReportOrSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.43:0"})
	db := storeOf(t, v)
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice, bob, carol := v.User("alice"), v.User("bob"), v.User("carol")
	testenv.JoinLocalGroup(t, bob, "moms")
	bobs := testenv.PostStatus(t, bob, url.Values{"status": {"@moms buy my crypto course"}})
	carols := testenv.PostStatus(t, carol, url.Values{"status": {"lovely day at the park"}})
	bobID, carolID := testenv.Lookup(t, alice, "bob").ID, testenv.Lookup(t, alice, "carol").ID

	var rep struct {
		ID            string          `json:"id"`
		ActionTaken   bool            `json:"action_taken"`
		Category      string          `json:"category"`
		Comment       string          `json:"comment"`
		Forwarded     bool            `json:"forwarded"`
		CreatedAt     string          `json:"created_at"`
		StatusIDs     []string        `json:"status_ids"`
		TargetAccount testenv.Account `json:"target_account"`
	}
	alice.Post("/api/v1/reports", url.Values{"account_id": {bobID}, "status_ids[]": {bobs.ID}, "comment": {"a scam"},
		"category": {"spam"}}, &rep)
	if rep.ID == "" || rep.ActionTaken || rep.Category != "spam" || rep.Comment != "a scam" || rep.Forwarded || rep.CreatedAt == "" ||
		len(rep.StatusIDs) != 1 || rep.StatusIDs[0] != bobs.ID || rep.TargetAccount.ID != bobID {
		t.Errorf("the Report: %+v", rep)
	}
	// JSON bodies work as well as forms.
	req, _ := http.NewRequest(http.MethodPost, v.BaseURL+"/api/v1/reports",
		strings.NewReader(`{"account_id":`+carolID+`,"status_ids":["`+carols.ID+`"],"comment":"rude to me","forward":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bob.Token)
	if code := testenv.Send(t, req); code != http.StatusOK {
		t.Errorf("a JSON report: %d", code)
	}
	if n := len(allReports(t, db)); n != 2 {
		t.Fatalf("%d reports stored, want 2", n)
	}

	bad := []struct {
		name string
		form url.Values
	}{
		{"no account", url.Values{"comment": {"x"}}},
		{"an unknown account", url.Values{"account_id": {"987654"}}},
		{"an unknown post", url.Values{"account_id": {bobID}, "status_ids[]": {"987654"}}},
		{"a post by someone else", url.Values{"account_id": {bobID}, "status_ids[]": {carols.ID}}},
		{"a comment over 1000 characters", url.Values{"account_id": {bobID}, "comment": {strings.Repeat("é", 1001)}}},
		{"an unknown category", url.Values{"account_id": {bobID}, "category": {"rudeness"}}},
		{"oneself", url.Values{"account_id": {testenv.Lookup(t, alice, "alice").ID}}},
		{"the instance actor", url.Values{"account_id": {instanceActorID(t, db)}}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			var e struct {
				Error string `json:"error"`
			}
			if code := alice.Do(http.MethodPost, "/api/v1/reports", c.form, &e); code != http.StatusUnprocessableEntity || e.Error == "" {
				t.Errorf("%d %q, want 422 with a reason", code, e.Error)
			}
		})
	}
	if n := len(allReports(t, db)); n != 2 {
		t.Errorf("%d reports stored after refusals, want 2", n)
	}
	anon, _ := http.NewRequest(http.MethodPost, v.BaseURL+"/api/v1/reports", strings.NewReader("account_id="+bobID))
	anon.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code := testenv.Send(t, anon); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", code)
	}
}

// instanceActorID is the row id of the instance actor.
func instanceActorID(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	a, err := models.InstanceActor(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(a.ID, 10)
}

func TestReportsAreLimitedPerReporterPerHour(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.44:0"})
	db := storeOf(t, v)
	alice, bob := v.User("alice"), v.User("bob")
	v.User("carol")
	carolID := testenv.Lookup(t, alice, "carol").ID
	for i := 0; i < models.LocalReportsPerHour; i++ {
		alice.Post("/api/v1/reports", url.Values{"account_id": {carolID}, "comment": {fmt.Sprintf("report %d", i)}}, nil)
	}
	var e struct {
		Error string `json:"error"`
	}
	if code := alice.Do(http.MethodPost, "/api/v1/reports", url.Values{"account_id": {carolID}}, &e); code != http.StatusTooManyRequests || e.Error == "" {
		t.Errorf("report %d within the hour: %d %q, want 429 with a reason", models.LocalReportsPerHour+1, code, e.Error)
	}
	web := v.SignIn("alice")
	code, page := web.SubmitFrom("/report?actor="+url.QueryEscape(v.BaseURL+"/users/carol"), "/report",
		url.Values{"actor": {v.BaseURL + "/users/carol"}, "comment": {"once more"}})
	if code != http.StatusTooManyRequests || !strings.Contains(page, "many reports in the last hour") || !strings.Contains(page, "once more") {
		t.Errorf("the web form past the limit: %d, want 429 with the form and a reason", code)
	}
	if n := len(allReports(t, db)); n != models.LocalReportsPerHour {
		t.Errorf("%d reports stored, want %d", n, models.LocalReportsPerHour)
	}
	// Another member is not held back by alice's reports; an hour later, alice is not either.
	bob.Post("/api/v1/reports", url.Values{"account_id": {carolID}}, nil)
	if _, err := db.Exec(context.Background(), `UPDATE reports SET created_at = created_at - interval '61 minutes'`); err != nil {
		t.Fatal(err)
	}
	alice.Post("/api/v1/reports", url.Values{"account_id": {carolID}}, nil)
}

// TestAFedifyPeerVerifiesTheFlagOfAReportAboutItsMember: the Fedify peer,
// code that is not ours, posts into a Village group; a local member
// reports the post and asks to tell its server; Fedify's inbox accepts the
// Flag after verifying the instance actor's signature, and nothing in it
// names the reporter.
func TestAFedifyPeerVerifiesTheFlagOfAReportAboutItsMember(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.46:0"})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents")
	alice := v.User("alice")
	testenv.JoinLocalGroup(t, alice, "park_slope")
	f := testenv.StartFedify(t, "127.0.0.47:0", "fedi")
	groupHandle := "@park_slope@" + v.Addr
	f.Follow(groupHandle)
	testenv.Eventually(t, 15*time.Second, "the group's Accept at the Fedify peer", func() bool { return len(f.ReceivedOfType("Accept")) > 0 })
	noteID := f.Note(testenv.FedifyNote{To: []string{groupHandle}, Content: "moms who work are bad moms"})
	var reported *testenv.Status
	testenv.Eventually(t, 15*time.Second, "Fedify's post in the group", func() bool {
		reported, _ = find(timeline(t, alice, "/api/v1/accounts/"+testenv.Lookup(t, alice, "park_slope").ID+"/statuses"), "bad moms")
		return reported != nil
	})

	var rep struct {
		Forwarded bool `json:"forwarded"`
	}
	alice.Post("/api/v1/reports", url.Values{"account_id": {reported.Account.ID}, "status_ids[]": {reported.ID},
		"comment": {"shaming"}, "category": {"violation"}, "forward": {"true"}}, &rep)
	if !rep.Forwarded {
		t.Errorf("the report of a Fedify member's post was not forwarded")
	}
	var flag map[string]any
	testenv.Eventually(t, 15*time.Second, "the Flag accepted by the Fedify peer", func() bool {
		if flags := f.ReceivedOfType("Flag"); len(flags) > 0 {
			flag = flags[0]
			return true
		}
		return false
	})
	if flag["actor"] != v.BaseURL+"/actor" || !has(objectsOf(flag), f.ActorURL()) || !has(objectsOf(flag), noteID) {
		t.Errorf("Fedify accepted %v, want Flag{fedi, the note} from the instance actor", flag)
	}
	if mentions(t, flag, "alice") {
		t.Errorf("the Flag names the reporter: %v", flag)
	}
	for _, r := range f.Refused() {
		t.Errorf("the Fedify peer refused %v", r)
	}
}

// TestFlagsInTheShapesMastodonAndLemmySend: Mastodon sends a report to the
// reported person's own inbox, from its instance actor, with the comment
// in content and [account, statuses] as object; Lemmy sends one object,
// the reason in summary, addressed to the community. Each lands in the
// right queue with its comment.
func TestFlagsInTheShapesMastodonAndLemmySend(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.48:0"})
	db := storeOf(t, v)
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	testenv.JoinLocalGroup(t, alice, "moms")
	mine := testenv.PostStatus(t, alice, url.Values{"status": {"@moms free stroller, pick up today"}})
	groupURL := v.BaseURL + "/groups/moms"
	masto := testenv.NewRemote(t, "masto.example") // stands for a Mastodon server's instance actor
	lemmy := testenv.NewRemote(t, "lena")

	cases := []struct {
		name    string
		from    *testenv.Remote
		inbox   string
		flag    map[string]any
		group   bool
		comment string
	}{
		{"Mastodon, to the person's inbox", masto, v.BaseURL + "/users/alice/inbox", map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": masto.Server.URL + "/0b6e5b0a-flag", "type": "Flag",
			"actor": masto.ActorID, "content": "Spam, posted in many places",
			"object": []any{v.BaseURL + "/users/alice", mine.URI}}, false, "Spam, posted in many places"},
		{"Lemmy, to the community", lemmy, v.BaseURL + "/inbox", map[string]any{
			"@context": []any{"https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"},
			"id":       lemmy.Server.URL + "/activities/flag/7c1d", "type": "Flag", "actor": lemmy.ActorID,
			"to": []any{groupURL}, "audience": groupURL, "object": mine.URI, "summary": "selling is not allowed here"},
			true, "selling is not allowed here"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code := c.from.Post(c.inbox, testenv.Activity(t, c.flag), time.Now()); code != http.StatusAccepted {
				t.Fatalf("Flag: %d", code)
			}
			reports := allReports(t, db)
			if len(reports) != i+1 {
				t.Fatalf("%d reports, want %d", len(reports), i+1)
			}
			r := reports[i]
			if (r.GroupID != nil) != c.group || r.Comment != c.comment || len(r.PostIDs) != 1 || r.FlagURI != c.flag["id"] {
				t.Errorf("stored %+v; want group %v, comment %q, one post", r, c.group, c.comment)
			}
		})
	}
}
