package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/village-social/village/models"
)

// reportsSite is a site with a group, its moderator, members and posts,
// for the report form and the queues.
type reportsSite struct {
	*manageSite
	mona, nina, olga, ada, ivan *models.Account // moderator of park, member, moderator of elsewhere, admin, instance moderator
	park                        *models.Group
	ninaPost, monaPost          *models.Post
	rex                         *models.Actor
	remotePost                  *models.Post
}

func newReportsSite(t *testing.T) *reportsSite {
	t.Helper()
	s := &reportsSite{manageSite: newManageSite(t, models.SignupOpen)}
	ctx := context.Background()
	s.mona, s.nina = s.user("mona", "", false), s.user("nina", "", false)
	s.olga, s.ada, s.ivan = s.user("olga", "", false), s.user("ada", "", true), s.user("ivan", "", false)
	if _, err := s.db.Exec(ctx, `UPDATE accounts SET is_moderator = true WHERE id = $1`, s.ivan.ID); err != nil {
		t.Fatal(err)
	}
	s.park = s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "mona")
	s.group(models.NewGroup{Name: "elsewhere", Title: "Elsewhere"}, "olga")
	if _, err := models.PutFollow(ctx, s.db, s.nina.Actor.ID, s.park.Actor.ID, s.urls.NewActivityID(), models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	s.ninaPost = s.post(s.nina.Actor, s.park, "my kid bit another kid, help")
	s.monaPost = s.post(s.mona.Actor, nil, "hello from mona")
	s.rex = s.remote("rex", "")
	s.remotePost = &models.Post{URI: "https://social.example/users/rex/statuses/1", AuthorID: s.rex.ID, GroupID: &s.park.Actor.ID,
		Type: "Note", Content: `<p>all of you are <script>alert(1)</script>awful</p>`, Visibility: models.VisibilityPublicPost}
	if _, err := models.InsertPost(ctx, s.db, s.remotePost); err != nil {
		t.Fatal(err)
	}
	return s
}

// report files a report through the web form as acc: about a post, or
// (post nil) about a person.
func (s *reportsSite) report(acc *models.Account, post *models.Post, person *models.Actor, form url.Values) *httptest.ResponseRecorder {
	s.t.Helper()
	b := s.signedIn(acc)
	page := "/report?post="
	if post != nil {
		page += strconv.FormatInt(post.ID, 10)
		form.Set("post", strconv.FormatInt(post.ID, 10))
	} else {
		uri := s.urls.Actor(person)
		page = "/report?actor=" + url.QueryEscape(uri)
		form.Set("actor", uri)
	}
	return b.submit(page, "/report", form)
}

// reports lists every stored report, oldest first.
func (s *reportsSite) reports() []*models.Report {
	s.t.Helper()
	var out []*models.Report
	for _, g := range []*int64{nil, &s.park.Actor.ID} {
		list, _, err := models.Reports(context.Background(), s.db, models.ReportFilter{GroupID: g})
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, list...)
	}
	return out
}

func TestTheReportFormSendsToTheGroupOrTheInstanceAndTellsTheModerators(t *testing.T) {
	t.Parallel()
	s := newReportsSite(t)
	ctx := context.Background()

	// Others' posts offer a Report link; one's own do not.
	thread := s.signedIn(s.mona).get("/posts/" + strconv.FormatInt(s.ninaPost.ID, 10)).Body.String()
	if !strings.Contains(thread, `href="/report?post=`+strconv.FormatInt(s.ninaPost.ID, 10)+`"`) {
		t.Errorf("the thread page has no Report link for nina's post")
	}
	own := s.signedIn(s.nina).get("/posts/" + strconv.FormatInt(s.ninaPost.ID, 10)).Body.String()
	if strings.Contains(own, "/report?post=") {
		t.Errorf("nina is offered to report her own post")
	}
	profile := s.signedIn(s.nina).get("/users/mona").Body.String()
	link := regexp.MustCompile(`href="(/report\?actor=[^"]+)"`).FindStringSubmatch(profile)
	if link == nil {
		t.Fatalf("a profile has no Report link for a signed-in member")
	}
	if rec := s.signedIn(s.nina).get(html.UnescapeString(link[1])); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "You are reporting Mona") {
		t.Errorf("the profile's Report link: %d", rec.Code)
	}

	// A post in a group: for the group's moderators, who are told.
	rec := s.report(s.mona, s.ninaPost, nil, url.Values{"comment": {"please check <b>this</b>"}, "category": {"violation"}})
	wantStatus(t, "report of nina's post", rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/report/sent?group=park" {
		t.Errorf("after the report: %q", loc)
	}
	list := s.reports()
	if len(list) != 1 || list[0].GroupID == nil || *list[0].GroupID != s.park.Actor.ID || list[0].TargetID != s.nina.Actor.ID ||
		list[0].Comment != "please check <b>this</b>" || list[0].Category != models.ReportViolation || len(list[0].PostIDs) != 1 {
		t.Fatalf("stored: %+v", list)
	}
	// Every moderator of the group hears of a report, the admin too once she moderates it.
	if err := models.AddModerator(ctx, s.db, "park", "ada"); err != nil {
		t.Fatal(err)
	}
	s.report(s.nina, s.remotePost, nil, url.Values{"comment": {"rex again"}, "forward": {"on"}})
	ns, err := models.Notifications(ctx, s.db, s.ada.Actor.ID, []string{models.NotifyAdminReport}, models.Page{})
	if err != nil || len(ns) != 1 || ns[0].GroupID == nil || *ns[0].GroupID != s.park.Actor.ID {
		t.Errorf("ada's report notifications: %+v %v", ns, err)
	}
	notices := s.signedIn(s.ada).get("/notifications").Body.String()
	if !strings.Contains(notices, "sent a report in") || !strings.Contains(notices, `href="/groups/park/reports"`) {
		t.Errorf("the notifications page does not point at the queue")
	}
	if !s.delivered("Flag", s.rex.InboxURL) {
		t.Errorf("no Flag queued for rex's server")
	}

	// A post in a remote group: its server is told too, when asked.
	community, err := models.UpsertRemoteActor(ctx, s.db, &models.Actor{Type: models.ActorGroup, Username: "parents",
		Domain: "lemmy.example", URI: "https://lemmy.example/c/parents", InboxURL: "https://lemmy.example/c/parents/inbox", PublicKeyPEM: "k"})
	if err != nil {
		t.Fatal(err)
	}
	there := s.post(s.mona.Actor, nil, "cross-posted to lemmy")
	if _, err := s.db.Exec(ctx, `UPDATE posts SET group_id = $1 WHERE id = $2`, community.ID, there.ID); err != nil {
		t.Fatal(err)
	}
	if form := s.signedIn(s.nina).get("/report?post=" + strconv.FormatInt(there.ID, 10)).Body.String(); !strings.Contains(form, "Also send the report to lemmy.example") {
		t.Errorf("the form for a post in a remote group does not offer to tell its server")
	}
	s.report(s.nina, there, nil, url.Values{"forward": {"on"}})
	if !s.delivered("Flag", community.InboxURL) {
		t.Errorf("no Flag queued for the remote group's server")
	}

	// A person: for the instance's moderators (the admin and ivan).
	rec = s.report(s.nina, nil, s.mona.Actor, url.Values{"comment": {"rude in DMs"}})
	if loc := rec.Header().Get("Location"); loc != "/report/sent" {
		t.Errorf("after a report of a person: %q", loc)
	}
	if n, err := models.CountOpenReports(ctx, s.db, nil); err != nil || n != 2 { // with the one about the remote group's post
		t.Errorf("instance reports: %d %v", n, err)
	}
	for _, acc := range []*models.Account{s.ada, s.ivan} {
		ns, err := models.Notifications(ctx, s.db, acc.Actor.ID, []string{models.NotifyAdminReport}, models.Page{})
		if err != nil || len(ns) == 0 || ns[0].GroupID != nil {
			t.Errorf("%s not told of the instance report: %+v %v", acc.Actor.Username, ns, err)
		}
	}
}

func TestTheReportFormSaysWhatIsWrongAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newReportsSite(t)
	cases := []struct {
		name   string
		by     *models.Account
		post   *models.Post
		person *models.Actor
		form   url.Values
		says   string
	}{
		{"a long comment", s.nina, s.monaPost, nil, url.Values{"comment": {strings.Repeat("a", models.MaxReportComment+1)}}, "under 1000 characters"},
		{"an unknown category", s.nina, s.monaPost, nil, url.Values{"category": {"bad"}}, "choose one of the kinds"},
		{"oneself", s.nina, nil, s.nina.Actor, url.Values{}, "cannot report yourself"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := s.report(c.by, c.post, c.person, c.form)
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), c.says) {
				t.Errorf("%d, want 422 saying %q", rec.Code, c.says)
			}
		})
	}
	noToken := s.signedIn(s.nina).post("/report", url.Values{"post": {strconv.FormatInt(s.monaPost.ID, 10)}})
	wantStatus(t, "a report without the form token", noToken, http.StatusForbidden)
	if list := s.reports(); len(list) != 0 {
		t.Errorf("refused reports stored: %+v", list)
	}
	// A forwarded report of a local person is not forwarded: there is no other server.
	s.report(s.nina, s.monaPost, nil, url.Values{"forward": {"on"}})
	if list := s.reports(); len(list) != 1 || list[0].Forwarded {
		t.Errorf("a report of a local post: %+v", list)
	}
}

func TestReportQueuesAreOnlyForTheirModerators(t *testing.T) {
	t.Parallel()
	s := newReportsSite(t)
	s.report(s.nina, s.remotePost, nil, url.Values{"comment": {"group matter"}})
	s.report(s.nina, nil, s.mona.Actor, url.Values{"comment": {"instance matter"}})
	cases := []struct {
		who           *models.Account
		group, admins int
	}{
		{s.nina, http.StatusNotFound, http.StatusNotFound},
		{s.olga, http.StatusNotFound, http.StatusNotFound},
		{s.mona, http.StatusOK, http.StatusNotFound},
		{s.ivan, http.StatusNotFound, http.StatusOK},
		{s.ada, http.StatusOK, http.StatusOK},
	}
	for _, c := range cases {
		b := s.signedIn(c.who)
		group, admin := b.get("/groups/park/reports"), b.get("/admin/reports")
		if group.Code != c.group || admin.Code != c.admins {
			t.Errorf("%s: group queue %d, instance queue %d; want %d, %d", c.who.Actor.Username, group.Code, admin.Code, c.group, c.admins)
		}
		if group.Code == http.StatusOK {
			body := group.Body.String()
			if !strings.Contains(body, "group matter") || strings.Contains(body, "instance matter") ||
				!strings.Contains(body, "awful") || strings.Contains(body, "<script") || !strings.Contains(body, ">Nina</a>") {
				t.Errorf("%s's group queue:\n%s", c.who.Actor.Username, body)
			}
		}
		if admin.Code == http.StatusOK && !strings.Contains(admin.Body.String(), "instance matter") {
			t.Errorf("%s's instance queue lacks its report", c.who.Actor.Username)
		}
		if group.Code == http.StatusNotFound && strings.Contains(group.Body.String(), "group matter") {
			t.Errorf("the 404 shows the report")
		}
	}
	rec := s.browser().get("/groups/park/reports")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("signed out: %d %q, want the log-in form", rec.Code, rec.Header().Get("Location"))
	}
	if manage := s.signedIn(s.mona).get("/groups/park/manage").Body.String(); !strings.Contains(manage, `href="/groups/park/reports"`) {
		t.Errorf("the manage page does not link the reports")
	}
}

func TestResolvingAndDismissingChangeTheStateAndAreLogged(t *testing.T) {
	t.Parallel()
	s := newReportsSite(t)
	ctx := context.Background()
	s.report(s.nina, s.remotePost, nil, url.Values{})
	s.report(s.mona, s.ninaPost, nil, url.Values{})
	s.report(s.nina, nil, s.mona.Actor, url.Values{})
	list := s.reports()
	if len(list) != 3 {
		t.Fatalf("%d reports", len(list))
	}
	instance, first, second := list[0], list[1], list[2]
	path := func(base string, r *models.Report, action string) string {
		return base + "/" + strconv.FormatInt(r.ID, 10) + "/" + action
	}
	state := func(r *models.Report) string {
		got, err := models.ReportByID(ctx, s.db, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}

	// Refused: without the form token, by another group's moderator, in the wrong queue.
	mona := s.signedIn(s.mona)
	wantStatus(t, "no token", mona.post(path("/groups/park/reports", first, "resolve"), url.Values{}), http.StatusForbidden)
	olga := s.signedIn(s.olga)
	wantStatus(t, "olga", olga.post(path("/groups/park/reports", first, "resolve"), url.Values{"csrf": {olga.csrf("/settings")}}), http.StatusNotFound)
	rec := mona.submit("/groups/park/reports", path("/groups/park/reports", instance, "resolve"), url.Values{})
	if rec.Header().Get("Location") != "/groups/park/reports?done=gone" || state(instance) != models.ReportOpen {
		t.Errorf("an instance report through a group's queue: %q, %s", rec.Header().Get("Location"), state(instance))
	}
	if state(first) != models.ReportOpen {
		t.Fatalf("a refused action changed the report")
	}

	rec = mona.submit("/groups/park/reports", path("/groups/park/reports", first, "resolve"), url.Values{})
	wantStatus(t, "resolve", rec, http.StatusSeeOther)
	mona.submit("/groups/park/reports", path("/groups/park/reports", second, "dismiss"), url.Values{})
	mona.submit("/groups/park/reports", path("/groups/park/reports", second, "resolve"), url.Values{}) // already closed
	s.signedIn(s.ivan).submit("/admin/reports", path("/admin/reports", instance, "dismiss"), url.Values{})
	if state(first) != models.ReportResolved || state(second) != models.ReportDismissed || state(instance) != models.ReportDismissed {
		t.Errorf("states: %s %s %s", state(first), state(second), state(instance))
	}
	groupLog, err := models.ModerationLog(ctx, s.db, &s.park.Actor.ID, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(groupLog) != 2 || groupLog[0].Action != models.ModDismissReport || groupLog[1].Action != models.ModResolveReport ||
		*groupLog[1].ModeratorID != s.mona.Actor.ID || *groupLog[1].TargetActorID != s.rex.ID {
		t.Errorf("the group's audit log: %+v", groupLog)
	}
	instanceLog, err := models.ModerationLog(ctx, s.db, nil, models.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(instanceLog) != 1 || instanceLog[0].Action != models.ModDismissReport || *instanceLog[0].ModeratorID != s.ivan.Actor.ID {
		t.Errorf("the instance's audit log: %+v", instanceLog)
	}
	if body := mona.get("/groups/park/reports").Body.String(); !strings.Contains(body, "No open reports") {
		t.Errorf("closed reports still listed")
	}
}
