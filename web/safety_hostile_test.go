package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Hostile inputs to the safety features (issue #6): who may act, how long
// a text may be, what a page shows of remote or typed text, the CSRF
// check of every new form, and malformed API bodies. Each refusal must
// leave the database as it was: safetyState says what "as it was" is.

// hostileSite is the reports site with a ban in park (rex), a report in
// park's queue and one in the instance's, and a filter of mona's.
type hostileSite struct {
	*reportsSite
	groupReport, instanceReport *models.Report
	monaFilter                  *models.Filter
	joinRequest                 *models.Follow // a pending request to join park
}

func newHostileSite(t *testing.T) *hostileSite {
	t.Helper()
	s := &hostileSite{reportsSite: newReportsSite(t)}
	mona := s.signedIn(s.mona)
	wantStatus(t, "mona bans rex", mona.submit("/groups/park/manage", "/groups/park/bans",
		url.Values{"handle": {"@rex@social.example"}, "reason": {"spam"}}), http.StatusSeeOther)
	wantStatus(t, "nina reports rex's post", s.report(s.nina, s.remotePost, nil, url.Values{"comment": {"group matter"}}), http.StatusSeeOther)
	wantStatus(t, "nina reports mona", s.report(s.nina, nil, s.mona.Actor, url.Values{"comment": {"instance matter"}}), http.StatusSeeOther)
	for _, r := range s.reports() {
		if r.GroupID != nil {
			s.groupReport = r
		} else {
			s.instanceReport = r
		}
	}
	if s.groupReport == nil || s.instanceReport == nil {
		t.Fatal("the reports did not land in both queues")
	}
	s.monaFilter = &models.Filter{AccountID: s.mona.Actor.ID, Title: "mona's", Contexts: []string{models.FilterHome},
		Keywords: []models.FilterKeyword{{Keyword: "secret", WholeWord: true}}}
	if err := models.CreateFilter(context.Background(), s.db, s.monaFilter); err != nil {
		t.Fatal(err)
	}
	s.joinRequest = s.request(s.remote("wanda", ""), s.park, "I live by the park")
	return s
}

// safetyState sums up everything a safety action may write, so that a
// refused request can be shown to have written nothing.
func (s *hostileSite) safetyState() string {
	s.t.Helper()
	var out string
	err := s.db.QueryRow(context.Background(), `SELECT concat_ws(' ',
		'log', (SELECT count(*) FROM moderation_log),
		'bans', (SELECT md5(coalesce(string_agg(b.group_id || ':' || b.actor_id || ':' || b.reason, ',' ORDER BY b.actor_id), '')) FROM group_bans b),
		'reports', (SELECT md5(coalesce(string_agg(r.id || ':' || r.state || ':' || r.comment, ',' ORDER BY r.id), '')) FROM reports r),
		'domains', (SELECT count(*) FROM domain_blocks),
		'suspended', (SELECT count(*) FROM accounts WHERE suspended_at IS NOT NULL),
		'remote suspended', (SELECT count(*) FROM remote_suspensions),
		'deleted', (SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL),
		'locked', (SELECT count(*) FROM posts WHERE locked_at IS NOT NULL),
		'mods', (SELECT count(*) FROM group_moderators),
		'pins', (SELECT count(*) FROM pins),
		'speaking', (SELECT md5(coalesce(string_agg(g::text, ','), '')) FROM group_speaking g),
		'blocks', (SELECT count(*) FROM blocks), 'mutes', (SELECT count(*) FROM mutes),
		'filters', (SELECT md5(coalesce(string_agg(f.id || ':' || f.title, ',' ORDER BY f.id), '')) FROM filters f),
		'keywords', (SELECT md5(coalesce(string_agg(k.id || ':' || k.keyword, ',' ORDER BY k.id), '')) FROM filter_keywords k),
		'activities', (SELECT count(*) FROM activities),
		'follows', (SELECT md5(string_agg(f.id || ':' || f.state, ',' ORDER BY f.id)) FROM follows f))`).Scan(&out)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func idOf(id int64) string { return strconv.FormatInt(id, 10) }

// hostileForm is a POST to one of the safety forms.
type hostileForm struct {
	name, path string
	form       url.Values
}

// everySafetyForm lists every POST form route of issue #6 (web.go's
// "Safety:" blocks, pins and join requests of the manage page), each with
// a form that would change something if it were let through.
func (s *hostileSite) everySafetyForm() []hostileForm {
	post, report, inst := idOf(s.ninaPost.ID), idOf(s.groupReport.ID), idOf(s.instanceReport.ID)
	return []hostileForm{
		{"remove a post", "/groups/park/remove", url.Values{"post": {post}, "reason": {"x"}}},
		{"restore a post", "/groups/park/restore", url.Values{"post": {post}}},
		{"lock a thread", "/groups/park/lock", url.Values{"post": {post}}},
		{"unlock a thread", "/groups/park/unlock", url.Values{"post": {post}}},
		{"pin a post", "/groups/park/pins", url.Values{"post": {post}}},
		{"unpin a post", "/groups/park/unpin", url.Values{"post": {post}}},
		{"ban", "/groups/park/bans", url.Values{"handle": {"nina"}, "reason": {"x"}}},
		{"unban", "/groups/park/unban", url.Values{"actor": {idOf(s.rex.ID)}}},
		{"name a moderator", "/groups/park/moderators", url.Values{"handle": {"nina"}}},
		{"remove a moderator", "/groups/park/moderators/remove", url.Values{"actor": {idOf(s.mona.Actor.ID)}}},
		{"approve a join request", "/groups/park/requests/" + idOf(s.joinRequest.ID) + "/approve", url.Values{}},
		{"reject a join request", "/groups/park/requests/" + idOf(s.joinRequest.ID) + "/reject", url.Values{}},
		{"resolve a group report", "/groups/park/reports/" + report + "/resolve", url.Values{}},
		{"dismiss a group report", "/groups/park/reports/" + report + "/dismiss", url.Values{}},
		{"resolve an instance report", "/admin/reports/" + inst + "/resolve", url.Values{}},
		{"dismiss an instance report", "/admin/reports/" + inst + "/dismiss", url.Values{}},
		{"speaking settings", "/groups/park/settings/speaking", url.Values{"topics": {"loss: miscarriage"}, "allow_anonymous": {"1"}}},
		{"suspend", "/admin/users/nina/suspend", url.Values{"reason": {"x"}}},
		{"unsuspend", "/admin/users/nina/unsuspend", url.Values{}},
		{"block a domain", "/admin/domain_blocks", url.Values{"domain": {"bad.example"}, "severity": {"suspend"}}},
		{"unblock a domain", "/admin/domain_blocks/social.example/delete", url.Values{}},
		{"suspend a remote account", "/admin/remote_suspensions", url.Values{"handle": {"@rex@social.example"}, "reason": {"x"}}},
		{"lift a remote suspension", "/admin/remote_suspensions/" + idOf(s.rex.ID) + "/delete", url.Values{}},
		{"block from a profile", "/accounts/" + idOf(s.rex.ID) + "/block", url.Values{}},
		{"unblock from a profile", "/accounts/" + idOf(s.rex.ID) + "/unblock", url.Values{}},
		{"mute from a profile", "/accounts/" + idOf(s.rex.ID) + "/mute", url.Values{}},
		{"unmute from a profile", "/accounts/" + idOf(s.rex.ID) + "/unmute", url.Values{}},
		{"report", "/report", url.Values{"post": {idOf(s.monaPost.ID)}, "comment": {"x"}}},
		{"add a filter", "/settings/filters", url.Values{"title": {"t"}, "keywords": {"k"}, "context": {"home"}}},
		{"delete a filter", "/settings/filters/" + idOf(s.monaFilter.ID) + "/delete", url.Values{}},
	}
}

func TestEverySafetyFormRefusesAMissingOrWrongCSRFToken(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	// The admin, who may do everything, and mona for her own filter: the
	// handler would act if the check let the request through.
	ada, mona := s.signedIn(s.ada), s.signedIn(s.mona)
	good := ada.csrf("/settings/filters")
	before := s.safetyState()
	for _, f := range s.everySafetyForm() {
		b := ada
		if strings.HasPrefix(f.path, "/settings/filters/") {
			b = mona
		}
		for _, attempt := range []struct {
			name   string
			token  string
			origin string
		}{
			{"no token", "", siteBase},
			{"a wrong token", "forged" + good[6:], siteBase},
			{"another session's token", mona.csrf("/settings/filters"), siteBase},
			{"the right token from another site", good, "https://evil.example"},
		} {
			if b == mona && attempt.name == "another session's token" {
				attempt.token = good
			}
			t.Run(f.name+"/"+attempt.name, func(t *testing.T) {
				form := url.Values{}
				for k, v := range f.form {
					form[k] = v
				}
				if attempt.token != "" {
					form.Set("csrf", attempt.token)
				}
				req := httptest.NewRequest(http.MethodPost, f.path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", attempt.origin)
				rec := b.do(req)
				if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "This form has expired") {
					t.Errorf("status %d, want 403 and the expired-form page\n%.300s", rec.Code, rec.Body)
				}
			})
		}
	}
	if after := s.safetyState(); after != before {
		t.Errorf("refused forms changed the database:\n before %s\n after  %s", before, after)
	}
}

func TestSafetyFormsRefuseWhoeverDoesNotModerate(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	before := s.safetyState()
	moderatorOnly := map[string]bool{"report": true, "add a filter": true, "delete a filter": true,
		"block from a profile": true, "unblock from a profile": true, "mute from a profile": true, "unmute from a profile": true}
	for _, who := range []struct {
		name string
		acc  *models.Account
	}{
		{"a member of the group", s.nina},
		{"a moderator of another group", s.olga},
	} {
		b := s.signedIn(who.acc)
		for _, f := range s.everySafetyForm() {
			if moderatorOnly[f.name] {
				continue
			}
			t.Run(who.name+"/"+f.name, func(t *testing.T) {
				rec := b.submit("/settings/filters", f.path, f.form)
				if rec.Code != http.StatusForbidden && rec.Code != http.StatusNotFound {
					t.Errorf("status %d, want 403 or 404\n%.300s", rec.Code, rec.Body)
				}
				if strings.Contains(rec.Body.String(), "group matter") || strings.Contains(rec.Body.String(), "instance matter") {
					t.Errorf("the refusal shows a report")
				}
			})
		}
	}
	// Instance moderators work the instance's queue and the moderation
	// page, but not a group's own forms, nor the admins' settings.
	ivan := s.signedIn(s.ivan)
	for _, f := range []hostileForm{
		{"remove in a group", "/groups/park/remove", url.Values{"post": {idOf(s.ninaPost.ID)}}},
		{"a group's report", "/groups/park/reports/" + idOf(s.groupReport.ID) + "/resolve", url.Values{}},
		{"instance settings", "/admin/settings", adminSettingsForm("name", "Taken over")},
		{"suspend an admin", "/admin/users/ada/suspend", url.Values{}},
	} {
		if rec := ivan.submit("/settings/filters", f.path, f.form); rec.Code != http.StatusForbidden && rec.Code != http.StatusNotFound {
			t.Errorf("instance moderator, %s: status %d, want 403 or 404", f.name, rec.Code)
		}
	}
	if after := s.safetyState(); after != before {
		t.Errorf("refused forms changed the database:\n before %s\n after  %s", before, after)
	}
	var name string
	if err := s.db.QueryRow(context.Background(), `SELECT coalesce(string_agg(value::text, ','), '') FROM instance_settings`).Scan(&name); err != nil || strings.Contains(name, "Taken over") {
		t.Errorf("an instance moderator changed the admins' settings: %q %v", name, err)
	}

	// A moderator of elsewhere, in her own group's routes, naming park's
	// report, post and member: nothing of park changes.
	olga := s.signedIn(s.olga)
	for _, f := range []hostileForm{
		{"resolve park's report through elsewhere", "/groups/elsewhere/reports/" + idOf(s.groupReport.ID) + "/resolve", url.Values{}},
		{"dismiss park's report through elsewhere", "/groups/elsewhere/reports/" + idOf(s.groupReport.ID) + "/dismiss", url.Values{}},
		{"remove park's post through elsewhere", "/groups/elsewhere/remove", url.Values{"post": {idOf(s.ninaPost.ID)}}},
		{"lock park's post through elsewhere", "/groups/elsewhere/lock", url.Values{"post": {idOf(s.ninaPost.ID)}}},
		{"pin park's post through elsewhere", "/groups/elsewhere/pins", url.Values{"post": {idOf(s.ninaPost.ID)}}},
		{"approve park's join request through elsewhere", "/groups/elsewhere/requests/" + idOf(s.joinRequest.ID) + "/approve", url.Values{}},
		{"reject park's join request through elsewhere", "/groups/elsewhere/requests/" + idOf(s.joinRequest.ID) + "/reject", url.Values{}},
		{"unban park's ban through elsewhere", "/groups/elsewhere/unban", url.Values{"actor": {idOf(s.rex.ID)}}},
	} {
		rec := olga.submit("/groups/elsewhere/manage", f.path, f.form)
		if rec.Code >= 500 {
			t.Errorf("%s: status %d", f.name, rec.Code)
		}
	}
	// Park's moderator names the instance's report through park's queue.
	monaB := s.signedIn(s.mona)
	for _, action := range []string{"resolve", "dismiss"} {
		rec := monaB.submit("/groups/park/manage", "/groups/park/reports/"+idOf(s.instanceReport.ID)+"/"+action, url.Values{})
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=gone") {
			t.Errorf("park's moderator %ss the instance's report: %d %q, want it gone from her queue", action, rec.Code, loc)
		}
	}
	got := s.safetyState()
	if got != before {
		t.Errorf("elsewhere's moderator changed park:\n before %s\n after  %s", before, got)
	}
	if r, _ := models.ReportByID(context.Background(), s.db, s.groupReport.ID); r.State != models.ReportOpen {
		t.Errorf("park's report is %s after elsewhere's moderator named it", r.State)
	}
}

func TestSafetyFormsRefuseOverlongAndMalformedInputAndWriteNothing(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	mona, ada := s.signedIn(s.mona), s.signedIn(s.ada)
	long := func(n int) string { return strings.Repeat("é", n) }
	post := idOf(s.ninaPost.ID)
	elsewherePost := s.post(s.olga.Actor, s.loadGroup("elsewhere"), "in elsewhere")
	cases := []struct {
		name string
		as   *browser
		page string
		form hostileForm
		says string
	}{
		{"a ban of -1 days", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {"nina"}, "days": {"-1"}}}, "between 1 and"},
		{"a ban of a huge number of days", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {"nina"}, "days": {"99999999999999999999"}}}, "between 1 and"},
		{"a ban of 3651 days", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {"nina"}, "days": {"3651"}}}, "between 1 and"},
		{"a ban of words for days", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {"nina"}, "days": {"a week"}}}, "between 1 and"},
		{"a ban of 1e3 days", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {"nina"}, "days": {"1e3"}}}, "between 1 and"},
		{"a ban with an overlong reason", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {"nina"}, "reason": {long(models.MaxModerationReason + 1)}}}, "at most"},
		{"a removal with an overlong reason", mona, "/groups/park/manage", hostileForm{"", "/groups/park/remove", url.Values{"post": {post}, "reason": {long(models.MaxModerationReason + 1)}}}, "at most"},
		{"a lock with an overlong reason", mona, "/groups/park/manage", hostileForm{"", "/groups/park/lock", url.Values{"post": {post}, "reason": {long(models.MaxModerationReason + 1)}}}, "at most"},
		{"a removal of a non-numeric post", mona, "/groups/park/manage", hostileForm{"", "/groups/park/remove", url.Values{"post": {"1 OR 1=1"}}}, "not in this group"},
		{"a removal of a post id past int64", mona, "/groups/park/manage", hostileForm{"", "/groups/park/remove", url.Values{"post": {"99999999999999999999"}}}, "not in this group"},
		{"a pin of a non-numeric post", mona, "/groups/park/manage", hostileForm{"", "/groups/park/pins", url.Values{"post": {"abc"}}}, ""},
		{"a pin of an unknown post", mona, "/groups/park/manage", hostileForm{"", "/groups/park/pins", url.Values{"post": {"99999999"}}}, ""},
		{"a pin of another group's post", mona, "/groups/park/manage", hostileForm{"", "/groups/park/pins", url.Values{"post": {idOf(elsewherePost.ID)}}}, ""},
		{"a restore of another group's post", mona, "/groups/park/manage", hostileForm{"", "/groups/park/restore", url.Values{"post": {idOf(elsewherePost.ID)}}}, "not in this group"},
		{"an unban of nobody", mona, "/groups/park/manage", hostileForm{"", "/groups/park/unban", url.Values{"actor": {"abc"}}}, "Nobody by that name"},
		{"an unban of an unknown id", mona, "/groups/park/manage", hostileForm{"", "/groups/park/unban", url.Values{"actor": {"99999999"}}}, "Nobody by that name"},
		{"a moderator removal of a negative id", ada, "/groups/park/manage", hostileForm{"", "/groups/park/moderators/remove", url.Values{"actor": {"-3"}}}, "Nobody by that name"},
		{"a moderator handle of 10,000 characters", mona, "/groups/park/manage", hostileForm{"", "/groups/park/bans", url.Values{"handle": {strings.Repeat("a", 10000)}}}, ""},
		{"a suspension with an overlong reason", ada, "/admin/moderation", hostileForm{"", "/admin/users/nina/suspend", url.Values{"reason": {long(models.MaxModerationReason + 1)}}}, "at most"},
		{"a domain block with an overlong reason", ada, "/admin/moderation", hostileForm{"", "/admin/domain_blocks", url.Values{"domain": {"bad.example"}, "severity": {"suspend"}, "reason": {long(models.MaxModerationReason + 1)}}}, "at most"},
		{"a remote suspension with an overlong reason", ada, "/admin/moderation", hostileForm{"", "/admin/remote_suspensions", url.Values{"handle": {"@rex@social.example"}, "reason": {long(models.MaxModerationReason + 1)}}}, "at most"},
		{"a remote suspension of a handle of 10,000 characters", ada, "/admin/moderation", hostileForm{"", "/admin/remote_suspensions", url.Values{"handle": {strings.Repeat("a", 10000)}}}, "can be found"},
		{"a remote suspension of a local account", ada, "/admin/moderation", hostileForm{"", "/admin/remote_suspensions", url.Values{"handle": {"nina"}}}, "on this server"},
		{"a remote suspension of a script", ada, "/admin/moderation", hostileForm{"", "/admin/remote_suspensions", url.Values{"handle": {"<script>alert(1)</script>"}}}, "can be found"},
		{"a lift of an account never suspended", ada, "/admin/moderation", hostileForm{"", "/admin/remote_suspensions/" + idOf(s.rex.ID) + "/delete", url.Values{}}, ""},
		{"a lift of a non-numeric id", ada, "/admin/moderation", hostileForm{"", "/admin/remote_suspensions/abc/delete", url.Values{}}, ""},
		{"a report comment over the limit", s.signedIn(s.nina), "/report?post=" + idOf(s.monaPost.ID), hostileForm{"", "/report", url.Values{"post": {idOf(s.monaPost.ID)}, "comment": {long(models.MaxReportComment + 1)}}}, ""},
		{"21 content-warning topics", mona, "/groups/park/settings/speaking", hostileForm{"", "/groups/park/settings/speaking", url.Values{"topics": {strings.Repeat("loss: grief\n", models.MaxSensitiveTopics+1)}}}, ""},
		{"a content-warning keyword too long", mona, "/groups/park/settings/speaking", hostileForm{"", "/groups/park/settings/speaking", url.Values{"topics": {"loss: " + long(models.MaxKeywordLength+1)}}}, ""},
		{"a filter title too long", mona, "/settings/filters", hostileForm{"", "/settings/filters", url.Values{"title": {long(models.MaxFilterTitle + 1)}, "keywords": {"k"}, "context": {"home"}}}, ""},
		{"a filter keyword too long", mona, "/settings/filters", hostileForm{"", "/settings/filters", url.Values{"title": {"t"}, "keywords": {long(models.MaxKeywordLength + 1)}, "context": {"home"}}}, ""},
		{"a filter with too many keywords", mona, "/settings/filters", hostileForm{"", "/settings/filters", url.Values{"title": {"t"}, "keywords": {strings.Repeat("k,", models.MaxFilterKeywords+1)}, "context": {"home"}}}, ""},
		{"a filter in an unknown context", mona, "/settings/filters", hostileForm{"", "/settings/filters", url.Values{"title": {"t"}, "keywords": {"k"}, "context": {"<script>"}}}, ""},
	}
	for _, domain := range []string{"", "not a domain", "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`,
		"bad.example:99999", "bad.example:port", "alice@bad.example", "*.", "bad..example", "[::1]:80", "javascript:alert(1)",
		strings.Repeat("a.", 200) + "example"} {
		cases = append(cases, struct {
			name string
			as   *browser
			page string
			form hostileForm
			says string
		}{"a domain block of " + strconv.Quote(domain), ada, "/admin/moderation",
			hostileForm{"", "/admin/domain_blocks", url.Values{"domain": {domain}, "severity": {"suspend"}}}, "such as bad.example"})
	}
	cases = append(cases, struct {
		name string
		as   *browser
		page string
		form hostileForm
		says string
	}{"a domain block of an unknown severity", ada, "/admin/moderation",
		hostileForm{"", "/admin/domain_blocks", url.Values{"domain": {"bad.example"}, "severity": {"nuke"}}}, "suspend or silence"})

	before := s.safetyState()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := c.as.submit(c.page, c.form.path, c.form.form)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("status %d, want a 4xx\n%.400s", rec.Code, rec.Body)
			}
			if c.says != "" && !strings.Contains(rec.Body.String(), c.says) {
				t.Errorf("the page does not say %q\n%.400s", c.says, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "<script>alert") || strings.Contains(rec.Body.String(), "<img src=x") {
				t.Errorf("the refusal shows the input as HTML")
			}
		})
	}
	if after := s.safetyState(); after != before {
		t.Errorf("refused forms changed the database:\n before %s\n after  %s", before, after)
	}

	// What moderators paste is taken as the host it names: an
	// international name as its punycode (actors' domains are written so).
	for in, want := range map[string]string{"*.Bücher.example": "xn--bcher-kva.example", "https://evil.example:8443/@x": "evil.example:8443", "203.0.113.9": "203.0.113.9"} {
		wantStatus(t, "block "+in, ada.submit("/admin/moderation", "/admin/domain_blocks", url.Values{"domain": {in}, "severity": {"silence"}}), http.StatusSeeOther)
		if sev, err := models.DomainBlockSeverity(context.Background(), s.db, want); err != nil || sev != models.BlockSilence {
			t.Errorf("block of %q: %q is %q, %v", in, want, sev, err)
		}
	}
	// An actor whose URL spells the name in Unicode is covered as well.
	for _, domain := range []string{"bücher.example", "social.bücher.example:8443", "XN--BCHER-KVA.example"} {
		if sev, err := models.DomainBlockSeverity(context.Background(), s.db, domain); err != nil || sev != models.BlockSilence {
			t.Errorf("an actor on %q: severity %q, %v; want silence", domain, sev, err)
		}
	}
}

func TestSafetyPagesEscapeRemoteAndTypedText(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	const xss = `<script>alert(1)</script>"><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>`
	ctx := context.Background()
	mona, ada := s.signedIn(s.mona), s.signedIn(s.ada)
	// A remote person whose name is a script, banned with a script for a
	// reason; a report whose comment is one; a filter titled with one; a
	// topic named with one; a domain block whose reason is one.
	evil, err := models.UpsertRemoteActor(ctx, s.db, &models.Actor{Type: models.ActorPerson, Username: "evil", Domain: "social.example",
		URI: "https://social.example/users/evil", URL: "https://social.example/@evil", DisplayName: xss, Summary: xss,
		InboxURL: "https://social.example/users/evil/inbox", PublicKeyPEM: "k"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "ban evil", mona.submit("/groups/park/manage", "/groups/park/bans", url.Values{"handle": {"@evil@social.example"}, "reason": {xss}}), http.StatusSeeOther)
	wantStatus(t, "report", s.report(s.nina, nil, evil, url.Values{"comment": {xss}}), http.StatusSeeOther)
	wantStatus(t, "report in park", s.report(s.nina, s.remotePost, nil, url.Values{"comment": {xss}}), http.StatusSeeOther)
	wantStatus(t, "filter", mona.submit("/settings/filters", "/settings/filters", url.Values{"title": {xss}, "keywords": {"k"}, "context": {"home"}}), http.StatusSeeOther)
	wantStatus(t, "topics", mona.submit("/groups/park/settings/speaking", "/groups/park/settings/speaking", url.Values{"topics": {`<script>alert(1)</script>: grief`}}), http.StatusSeeOther)
	wantStatus(t, "domain block", ada.submit("/admin/moderation", "/admin/domain_blocks", url.Values{"domain": {"bad.example"}, "severity": {"suspend"}, "reason": {xss}}), http.StatusSeeOther)
	wantStatus(t, "suspension", ada.submit("/admin/moderation", "/admin/users/olga/suspend", url.Values{"reason": {xss}}), http.StatusSeeOther)

	for _, page := range []struct {
		as   *browser
		path string
	}{
		{mona, "/groups/park/manage"}, {mona, "/groups/park/log"}, {mona, "/groups/park/reports"},
		{mona, "/settings/filters"}, {mona, "/groups/park/settings/speaking"},
		{ada, "/admin/moderation"}, {ada, "/admin/reports"}, {ada, "/groups/park/reports"},
		{mona, "/users/evil@social.example"}, {mona, "/notifications"},
		{mona, "/groups/park"}, {s.browser(), "/groups/park"}, {s.signedIn(s.nina), "/groups/park"},
	} {
		rec := page.as.get(page.path)
		if rec.Code >= 500 {
			t.Errorf("%s: %d", page.path, rec.Code)
			continue
		}
		body := rec.Body.String()
		if page.path == "/groups/park" && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("the group page does not show its topic as text")
		}
		for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, "onerror=alert(2)>"} {
			if strings.Contains(body, bad) {
				i := strings.Index(body, bad)
				t.Errorf("%s shows %q unescaped: …%s…", page.path, bad, body[max(0, i-120):min(len(body), i+80)])
			}
		}
	}
}

// apiCall sends a body to the client API with acc's token.
func (s *hostileSite) apiCall(acc *models.Account, method, path, contentType, body string) *httptest.ResponseRecorder {
	s.t.Helper()
	token, err := models.CreateToken(context.Background(), s.db, acc.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

func TestSafetyAPIAnswersMalformedBodiesWith4xxAndAReason(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	const form, js = "application/x-www-form-urlencoded", "application/json"
	monaKeyword := idOf(s.monaFilter.Keywords[0].ID)
	monaFilter := idOf(s.monaFilter.ID)
	manyIDs := url.Values{"account_id": {idOf(s.mona.Actor.ID)}}
	for i := 0; i < 10000; i++ {
		manyIDs.Add("status_ids[]", strconv.Itoa(i+1))
	}
	ninaFilter := &models.Filter{AccountID: s.nina.Actor.ID, Title: "nina's", Contexts: []string{models.FilterHome},
		Keywords: []models.FilterKeyword{{Keyword: "hers", WholeWord: true}}}
	if err := models.CreateFilter(context.Background(), s.db, ninaFilter); err != nil {
		t.Fatal(err)
	}
	own := idOf(ninaFilter.ID)
	manyJSON, _ := json.Marshal(map[string]any{"account_id": idOf(s.mona.Actor.ID), "status_ids": strings.Split(strings.Repeat("1,", 9999)+"1", ",")})
	cases := []struct {
		name, method, path, contentType, body string
	}{
		{"a report that is not JSON", "POST", "/api/v1/reports", js, `{"account_id":`},
		{"a report of JSON null", "POST", "/api/v1/reports", js, `null`},
		{"a report of a JSON array", "POST", "/api/v1/reports", js, `[1,2]`},
		{"a report with an object for the account", "POST", "/api/v1/reports", js, `{"account_id":{"id":1}}`},
		{"a report of nobody", "POST", "/api/v1/reports", form, ``},
		{"a report of a non-numeric account", "POST", "/api/v1/reports", form, `account_id=abc`},
		{"a report of a negative account", "POST", "/api/v1/reports", form, `account_id=-5`},
		{"a report of an account past int64", "POST", "/api/v1/reports", form, `account_id=99999999999999999999`},
		{"a report of non-numeric posts", "POST", "/api/v1/reports", form, `account_id=` + idOf(s.mona.Actor.ID) + `&status_ids[]=x`},
		{"a report of posts as a JSON string", "POST", "/api/v1/reports", js, `{"account_id":"1","status_ids":"5"}`},
		{"a report of 10,000 posts (form)", "POST", "/api/v1/reports", form, manyIDs.Encode()},
		{"a report of 10,000 posts (JSON)", "POST", "/api/v1/reports", js, string(manyJSON)},
		{"a report with a comment over the limit", "POST", "/api/v1/reports", form, `account_id=` + idOf(s.mona.Actor.ID) + `&comment=` + strings.Repeat("x", models.MaxReportComment+1)},
		{"a report of an unknown category", "POST", "/api/v1/reports", form, `account_id=` + idOf(s.mona.Actor.ID) + `&category=<script>`},
		{"a report of oneself", "POST", "/api/v1/reports", form, `account_id=` + idOf(s.nina.Actor.ID)},
		{"a filter that is not JSON", "POST", "/api/v2/filters", js, `{"title":`},
		{"a filter with a numeric title", "POST", "/api/v2/filters", js, `{"title":5,"context":["home"]}`},
		{"a filter with context a string", "POST", "/api/v2/filters", js, `{"title":"t","context":"home"}`},
		{"a filter without a title", "POST", "/api/v2/filters", form, `context[]=home`},
		{"a filter with an unknown context", "POST", "/api/v2/filters", form, `title=t&context[]=everywhere`},
		{"a filter with an unknown action", "POST", "/api/v2/filters", form, `title=t&context[]=home&filter_action=nuke`},
		{"a filter expiring in the past", "POST", "/api/v2/filters", form, `title=t&context[]=home&expires_in=-5`},
		{"a filter expiring in words", "POST", "/api/v2/filters", form, `title=t&context[]=home&expires_in=soon`},
		{"a filter expiring as an object", "POST", "/api/v2/filters", js, `{"title":"t","context":["home"],"expires_in":{"a":1}}`},
		{"a filter expiring in a thousand years", "POST", "/api/v2/filters", form, `title=t&context[]=home&expires_in=99999999999`},
		{"a filter title over the limit", "POST", "/api/v2/filters", form, `title=` + strings.Repeat("t", models.MaxFilterTitle+1) + `&context[]=home`},
		{"a filter with an empty keyword", "POST", "/api/v2/filters", form, `title=t&context[]=home&keywords_attributes[][keyword]=`},
		{"a filter keyword over the limit", "POST", "/api/v2/filters", form, `title=t&context[]=home&keywords_attributes[][keyword]=` + strings.Repeat("k", models.MaxKeywordLength+1)},
		{"a filter with too many keywords", "POST", "/api/v2/filters", form, `title=t&context[]=home` + strings.Repeat("&keywords_attributes[][keyword]=k", models.MaxFilterKeywords+1)},
		{"keywords as a JSON object", "POST", "/api/v2/filters", js, `{"title":"t","context":["home"],"keywords_attributes":{"keyword":"k"}}`},
		{"another's filter", "GET", "/api/v2/filters/" + monaFilter, "", ""},
		{"another's filter, changed", "PUT", "/api/v2/filters/" + monaFilter, form, `title=mine`},
		{"another's filter, deleted", "DELETE", "/api/v2/filters/" + monaFilter, "", ""},
		{"another's filter's keywords", "GET", "/api/v2/filters/" + monaFilter + "/keywords", "", ""},
		{"a keyword added to another's filter", "POST", "/api/v2/filters/" + monaFilter + "/keywords", form, `keyword=k`},
		{"another's keyword", "GET", "/api/v2/filter_keywords/" + monaKeyword, "", ""},
		{"another's keyword, changed", "PUT", "/api/v2/filter_keywords/" + monaKeyword, form, `keyword=mine`},
		{"another's keyword, deleted", "DELETE", "/api/v2/filter_keywords/" + monaKeyword, "", ""},
		{"another's keyword destroyed through one's own filter", "PUT", "/api/v2/filters/" + own, form,
			`keywords_attributes[0][id]=` + monaKeyword + `&keywords_attributes[0][_destroy]=1`},
		{"another's keyword renamed through one's own filter", "PUT", "/api/v2/filters/" + own, js,
			`{"keywords_attributes":[{"id":"` + monaKeyword + `","keyword":"stolen"}]}`},
		{"20,000 keywords added to one's own filter", "PUT", "/api/v2/filters/" + own, js,
			`{"keywords_attributes":[` + strings.TrimSuffix(strings.Repeat(`{"keyword":"k"},`, 20000), ",") + `]}`},
		{"a keyword id that is no number in one's own filter", "PUT", "/api/v2/filters/" + own, form,
			`keywords_attributes[0][id]=abc&keywords_attributes[0][keyword]=x`},
		{"a filter of a non-numeric id", "GET", "/api/v2/filters/abc", "", ""},
		{"a filter of an id past int64", "DELETE", "/api/v2/filters/99999999999999999999", "", ""},
		{"a keyword of a non-numeric id", "PUT", "/api/v2/filter_keywords/1%20OR%201=1", form, `keyword=x`},
		{"a block of a non-numeric id", "POST", "/api/v1/accounts/abc/block", "", ""},
		{"a block of an unknown id", "POST", "/api/v1/accounts/999999999/block", "", ""},
		{"a block of an id past int64", "POST", "/api/v1/accounts/99999999999999999999/block", "", ""},
		{"a block of oneself", "POST", "/api/v1/accounts/" + idOf(s.nina.Actor.ID) + "/block", "", ""},
		{"a mute of a negative id", "POST", "/api/v1/accounts/-1/mute", "", ""},
		{"an unmute of nobody", "POST", "/api/v1/accounts/0/unmute", "", ""},
		{"a mute of oneself", "POST", "/api/v1/accounts/" + idOf(s.nina.Actor.ID) + "/mute", "", ""},
		{"an anonymous post into a group that does not take them", "POST", "/api/v1/statuses", form, `status=@park hello&anonymous=true`},
		{"an anonymous post into no group", "POST", "/api/v1/statuses", form, `status=hello&anonymous=true`},
	}
	before := s.safetyState()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := s.apiCall(s.nina, c.method, c.path, c.contentType, c.body)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("status %d, want a 4xx\n%.400s", rec.Code, rec.Body)
			}
			var got struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Error == "" || got.Error == "internal server error" {
				t.Errorf("no reason given: %.300s", rec.Body)
			}
		})
	}
	if after := s.safetyState(); after != before {
		t.Errorf("refused API calls changed the database:\n before %s\n after  %s", before, after)
	}
	// The anonymous post of a stranger to the group, when it does take them.
	if err := models.SetSpeaking(context.Background(), s.db, s.park.Actor.ID, models.Speaking{AllowAnonymous: true}); err != nil {
		t.Fatal(err)
	}
	before = s.safetyState()
	if rec := s.apiCall(s.olga, "POST", "/api/v1/statuses", form, `status=@park hello&anonymous=true`); rec.Code < 400 || rec.Code >= 500 {
		t.Errorf("an anonymous post by someone not in the group: %d %s", rec.Code, rec.Body)
	}
	if after := s.safetyState(); after != before {
		t.Errorf("the refused anonymous post changed the database:\n before %s\n after  %s", before, after)
	}
}

// TestDeletingAnothersFilterFromTheWebDoesNothing: guessed ids in the web
// form reach only the member's own filters.
func TestDeletingAnothersFilterFromTheWebDoesNothing(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	nina := s.signedIn(s.nina)
	before := s.safetyState()
	for _, id := range []string{idOf(s.monaFilter.ID), "abc", "-1", "99999999999999999999"} {
		if rec := nina.submit("/settings/filters", "/settings/filters/"+id+"/delete", url.Values{}); rec.Code >= 500 {
			t.Errorf("delete filter %s: %d", id, rec.Code)
		}
	}
	if after := s.safetyState(); after != before {
		t.Errorf("nina's deletes changed mona's filters:\n before %s\n after  %s", before, after)
	}
	if body := nina.get("/settings/filters").Body.String(); strings.Contains(body, "mona&#39;s") || strings.Contains(body, "secret") {
		t.Error("nina's filters page shows mona's filter")
	}
}

func TestSafetyPagesAnswerBadQueriesWithout5xxOrEcho(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	mona, nina, ada := s.signedIn(s.mona), s.signedIn(s.nina), s.signedIn(s.ada)
	script := url.QueryEscape(`<script>alert(1)</script>`)
	for _, c := range []struct {
		as   *browser
		path string
		want int // 0: any status below 500
	}{
		{nina, "/report?post=abc", http.StatusNotFound},
		{nina, "/report?post=-1", http.StatusNotFound},
		{nina, "/report?post=99999999999999999999", http.StatusNotFound},
		{nina, "/report?actor=" + url.QueryEscape("javascript:alert(1)"), http.StatusNotFound},
		{nina, "/report?actor=" + strings.Repeat("a", 5000), http.StatusNotFound},
		{nina, "/report?actor=" + url.QueryEscape(siteBase+"/actor"), http.StatusNotFound},
		{nina, "/groups/park/reports?done=" + script, http.StatusNotFound},
		{nina, "/groups/park/log", http.StatusNotFound},
		{mona, "/groups/park/reports?done=" + script, http.StatusOK},
		{mona, "/groups/park/log?max_id=abc&limit=-5", 0},
		{mona, "/groups/nowhere/reports", http.StatusNotFound},
		{mona, "/groups/park/manage?done=" + script, http.StatusOK},
		{mona, "/settings/filters?done=" + script, http.StatusOK},
		{ada, "/admin/moderation?done=" + script, http.StatusOK},
		{ada, "/admin/reports?done=" + script, http.StatusOK},
	} {
		rec := c.as.get(c.path)
		if rec.Code >= 500 || (c.want != 0 && rec.Code != c.want) {
			t.Errorf("GET %.80s: %d, want %d", c.path, rec.Code, c.want)
		}
		if strings.Contains(rec.Body.String(), "<script>alert") || strings.Contains(rec.Body.String(), "group matter") && c.as == nina {
			t.Errorf("GET %.80s shows what it must not", c.path)
		}
	}
}

func TestAnAnonymousPostsWriterShowsOnNoSafetyRouteToNonModerators(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	ctx := context.Background()
	if err := models.SetSpeaking(ctx, s.db, s.park.Actor.ID, models.Speaking{AllowAnonymous: true}); err != nil {
		t.Fatal(err)
	}
	zed := s.user("zedwriter", "", false)
	if err := models.UpdateProfile(ctx, s.db, zed.Actor.ID, models.ProfileEdit{DisplayName: "Zedonia Quill"}); err != nil {
		t.Fatal(err)
	}
	for _, acc := range []*models.Account{zed, s.olga} {
		if _, err := models.PutFollow(ctx, s.db, acc.Actor.ID, s.park.Actor.ID, s.urls.NewActivityID(), models.FollowAccepted); err != nil {
			t.Fatal(err)
		}
	}
	id := s.signedIn(zed).writePost("/groups/park", url.Values{"text": {"I cannot say this under my name: pumpkinseed"},
		"group": {"@park@127.0.0.2:8080"}, "anonymous": {"1"}})
	anon := idOf(id)
	// The writer's id counts as a leak only where an id is written (JSON ids,
	// account links): a bare number also matches attributes like maxlength="10".
	zedID := idOf(zed.Actor.ID)
	secrets := []string{"zedwriter", "Zedonia", "Quill", `"id":"` + zedID + `"`, `"account_id":"` + zedID + `"`,
		"/accounts/" + zedID + `"`, "/accounts/" + zedID + "/", "actor=" + zedID + `"`}
	leaks := func(where, body string) {
		t.Helper()
		for _, secret := range secrets {
			if strings.Contains(body, secret) {
				t.Errorf("%s reveals the writer (%q)", where, secret)
			}
		}
	}
	olga := s.signedIn(s.olga)
	for _, path := range []string{"/posts/" + anon, "/report?post=" + anon, "/groups/park", "/groups/park/reports",
		"/groups/park/log", "/groups/park/settings/speaking", "/notifications"} {
		rec := olga.get(path)
		if rec.Code >= 500 {
			t.Errorf("olga GET %s: %d", path, rec.Code)
		}
		leaks("olga's "+path, rec.Body.String())
	}
	for _, c := range []struct{ method, path, contentType, body string }{
		{"GET", "/api/v1/statuses/" + anon, "", ""},
		{"GET", "/api/v1/statuses/" + anon + "/context", "", ""},
		{"GET", "/api/v1/accounts/" + idOf(s.park.Actor.ID) + "/statuses", "", ""},
		{"GET", "/api/v2/search?q=pumpkinseed&type=statuses", "", ""},
		{"PUT", "/api/v1/statuses/" + anon, "application/x-www-form-urlencoded", "status=mine now"},
		{"DELETE", "/api/v1/statuses/" + anon, "", ""},
		{"POST", "/api/v1/reports", "application/x-www-form-urlencoded", "account_id=" + idOf(zed.Actor.ID) + "&status_ids[]=" + anon},
		{"POST", "/api/v1/reports", "application/x-www-form-urlencoded", "account_id=" + idOf(s.park.Actor.ID) + "&status_ids[]=" + anon + "&comment=who wrote this"},
	} {
		rec := s.apiCall(s.olga, c.method, c.path, c.contentType, c.body)
		if rec.Code >= 500 {
			t.Errorf("olga %s %s: %d", c.method, c.path, rec.Code)
		}
		leaks("olga's "+c.method+" "+c.path, rec.Body.String())
	}
	// The writer's own statuses list nothing of it, to anyone else.
	if rec := s.apiCall(s.olga, "GET", "/api/v1/accounts/"+idOf(zed.Actor.ID)+"/statuses", "", ""); strings.Contains(rec.Body.String(), "pumpkinseed") {
		t.Error("the writer's statuses list the anonymous post")
	}
	if p, _ := models.PostByID(ctx, s.db, id); p.RealAuthorID == nil || *p.RealAuthorID != zed.Actor.ID || p.AuthorID != s.park.Actor.ID {
		t.Fatalf("the post is not anonymous: %+v", p)
	}
	if p, _ := models.PostByID(ctx, s.db, id); p.DeletedAt != nil || strings.Contains(p.Content, "mine now") {
		t.Error("another member changed the anonymous post")
	}
	// The group's moderators do see who wrote it, in the queue too.
	if body := s.signedIn(s.mona).get("/groups/park/settings/speaking").Body.String(); !strings.Contains(body, "zedwriter") {
		t.Error("the moderators' page does not name the writer")
	}
}

func TestFiltersStopAtTheLimitPerMember(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	ctx := context.Background()
	for i := 0; i < models.MaxFiltersPerUser; i++ {
		f := &models.Filter{AccountID: s.nina.Actor.ID, Title: "f" + strconv.Itoa(i), Contexts: []string{models.FilterHome},
			Keywords: []models.FilterKeyword{{Keyword: "k", WholeWord: true}}}
		if err := models.CreateFilter(ctx, s.db, f); err != nil {
			t.Fatalf("filter %d: %v", i, err)
		}
	}
	before := s.safetyState()
	rec := s.apiCall(s.nina, "POST", "/api/v2/filters", "application/x-www-form-urlencoded", "title=one+more&context[]=home&keywords_attributes[][keyword]=x")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "at most") {
		t.Errorf("the API's filter past the limit: %d %s", rec.Code, rec.Body)
	}
	web := s.signedIn(s.nina).submit("/settings/filters", "/settings/filters", url.Values{"title": {"one more"}, "keywords": {"x"}, "context": {"home"}})
	if web.Code != http.StatusUnprocessableEntity {
		t.Errorf("the web form's filter past the limit: %d", web.Code)
	}
	if after := s.safetyState(); after != before {
		t.Errorf("filters past the limit were stored:\n before %s\n after  %s", before, after)
	}
}

// TestEveryFormRouteRefusesARequestWithoutItsToken walks every POST route
// the app serves (but the inboxes, the bearer-token API and OAuth's token
// and revocation endpoints, which apps call with their client secret and
// no cookie), so that a form added later without the check fails here.
func TestEveryFormRouteRefusesARequestWithoutItsToken(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	ada := s.signedIn(s.ada)
	params := strings.NewReplacer(":name", "park", ":id", "1", ":domain", "bad.example", ":code", "abc")
	before := s.safetyState()
	n := 0
	for _, r := range s.e.Routes() {
		if r.Method != http.MethodPost || strings.HasPrefix(r.Path, "/api/") || strings.HasSuffix(r.Path, "/inbox") || r.Path == "/inbox" ||
			r.Path == "/oauth/token" || r.Path == "/oauth/revoke" {
			continue
		}
		n++
		path := params.Replace(r.Path)
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("post=1&handle=nina&domain=bad.example&severity=suspend"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", siteBase)
		if rec := ada.do(req); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "This form has expired") {
			t.Errorf("POST %s without a token: %d, want 403 and the expired-form page", r.Path, rec.Code)
		}
	}
	t.Logf("%d form routes", n)
	if n < 40 {
		t.Errorf("only %d form routes found", n)
	}
	if after := s.safetyState(); after != before {
		t.Errorf("requests without a token changed the database:\n before %s\n after  %s", before, after)
	}
}

func TestProfileBlockAndMuteFormsRefuseBadIDs(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	instance, err := models.InstanceActor(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	nina := s.signedIn(s.nina)
	before := s.safetyState()
	for _, id := range []string{"abc", "-1", "0", "99999999", "99999999999999999999", idOf(instance.ID), idOf(s.nina.Actor.ID)} {
		for _, action := range []string{"block", "mute", "unblock", "unmute"} {
			rec := nina.submit("/settings/filters", "/accounts/"+id+"/"+action, url.Values{"next": {"javascript:alert(1)"}})
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("%s of %s: %d, want a 4xx", action, id, rec.Code)
			}
		}
	}
	if after := s.safetyState(); after != before {
		t.Errorf("refused blocks and mutes changed the database:\n before %s\n after  %s", before, after)
	}
	// A good one goes back only to a page of ours, whatever next says.
	for _, next := range []string{"javascript:alert(1)", "https://evil.example/", "//evil.example/x"} {
		rec := nina.submit("/settings/filters", "/accounts/"+idOf(s.rex.ID)+"/mute", url.Values{"next": {next}})
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || strings.Contains(loc, "evil.example") || strings.HasPrefix(loc, "javascript:") {
			t.Errorf("mute with next=%q: %d to %q", next, rec.Code, loc)
		}
	}
}

// TestAnAnonymousPostsWriterEditsItAndItStaysAnonymous: the writer of an
// anonymous post edits it from the web form and from the API; it keeps the
// group's mark, names her nowhere, and the group, its author, stores the
// Update it sends to the members' servers (issue 11: edits reach every
// member, anonymous posts included).
func TestAnAnonymousPostsWriterEditsItAndItStaysAnonymous(t *testing.T) {
	t.Parallel()
	s := newHostileSite(t)
	ctx := context.Background()
	if err := models.SetSpeaking(ctx, s.db, s.park.Actor.ID, models.Speaking{AllowAnonymous: true}); err != nil {
		t.Fatal(err)
	}
	zed := s.user("zedwriter", "", false)
	if _, err := models.PutFollow(ctx, s.db, zed.Actor.ID, s.park.Actor.ID, s.urls.NewActivityID(), models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	writer := s.signedIn(zed)
	id := writer.writePost("/groups/park", url.Values{"text": {"Hard week: sunflower"},
		"group": {"@park@127.0.0.2:8080"}, "anonymous": {"1"}})
	anon := idOf(id)
	updates := func() int {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM activities WHERE actor_id = $1 AND type = 'Update' AND object_uri = (SELECT uri FROM posts WHERE id = $2)`,
			s.park.Actor.ID, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name  string
		edit  func() int
		words string
	}{
		{"from the web form", func() int {
			return writer.submit("/posts/"+anon+"/edit", "/posts/"+anon+"/edit", url.Values{"text": {"Hard week: marigold"}}).Code
		}, "marigold"},
		{"from the API", func() int {
			return s.apiCall(zed, "PUT", "/api/v1/statuses/"+anon, "application/x-www-form-urlencoded", "status=Hard+week%3A+daisy").Code
		}, "daisy"},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if code := st.edit(); code != http.StatusSeeOther && code != http.StatusOK {
				t.Fatalf("edit: %d", code)
			}
			p, err := models.PostByID(ctx, s.db, id)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p.Content, st.words) || !strings.HasPrefix(p.Content, outbox.AnonymousMarker) ||
				p.AuthorID != s.park.Actor.ID || p.RealAuthorID == nil || *p.RealAuthorID != zed.Actor.ID {
				t.Errorf("after the edit: author %d, writer %v, content %q", p.AuthorID, p.RealAuthorID, p.Content)
			}
			if n := updates(); n != i+1 {
				t.Errorf("the group stored %d Updates of the post, want %d", n, i+1)
			}
			var leaked int
			if err := s.db.QueryRow(ctx, `SELECT count(*) FROM activities WHERE object_uri = (SELECT uri FROM posts WHERE id = $1) AND body::text LIKE '%zedwriter%'`, id).Scan(&leaked); err != nil || leaked != 0 {
				t.Errorf("%d activities about the post name its writer (%v)", leaked, err)
			}
		})
	}
}
