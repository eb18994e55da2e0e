package web_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// meetupFormSite is a web app with photos on, a small body limit (so that
// only upload routes take a picture), an outbox whose deliveries are
// recorded, the public group "parents" (alice and bea are members, carol
// is not, mo moderates it) and the members-only group "circle" (alice).
type meetupFormSite struct {
	*site
	parents, circle *models.Group
	// aliceFollower is the inbox of alice's follower on another server.
	aliceFollower string

	mu         sync.Mutex
	deliveries []manageDelivery
}

func newMeetupFormSite(t *testing.T) *meetupFormSite {
	t.Helper()
	ctx := context.Background()
	pool := testenv.DB(t)
	s := &meetupFormSite{}
	urls := federation.NewURLs(siteBase)
	out := outbox.New(pool, urls, func(ctx context.Context, tx pgx.Tx, activityID int64, inboxes []string) error {
		act, _, err := models.ActivityForDelivery(ctx, tx, activityID)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.deliveries = append(s.deliveries, manageDelivery{Type: act.Type, Inboxes: inboxes})
		return nil
	}, nil)
	clock := &testClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(manageTestLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := web.New(web.Options{DB: pool, URLs: urls, Outbox: out, Clock: clock.Now, Logger: logger,
		MediaDir: t.TempDir(), BodyLimit: "8K"})
	s.site = &site{t: t, e: e, db: pool, clock: clock}
	var err error
	if s.parents, err = models.CreateGroup(ctx, pool, models.NewGroup{Name: "parents", Title: "Parents", Location: "Berlin"}); err != nil {
		t.Fatal(err)
	}
	if s.circle, err = models.CreateGroup(ctx, pool, models.NewGroup{Name: "circle", Title: "Circle", MembersOnly: true}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ who, group string }{{"alice", "parents"}, {"bea", "parents"}, {"alice", "circle"}} {
		acc, err := models.AccountByUsername(ctx, pool, m.who)
		if err != nil {
			acc = s.account(m.who, "correct horse")
		}
		g := s.parents
		if m.group == "circle" {
			g = s.circle
		}
		if _, err := models.PutFollow(ctx, pool, acc.Actor.ID, g.Actor.ID, siteBase+"/follows/"+m.who+"-"+m.group,
			models.FollowAccepted); err != nil {
			t.Fatal(err)
		}
	}
	s.account("carol", "correct horse")
	mo := s.account("mo", "correct horse")
	if _, err := models.PutGroupModerator(ctx, pool, s.parents.Actor.ID, mo.Actor.ID, "moderator"); err != nil {
		t.Fatal(err)
	}
	alice, err := models.AccountByUsername(ctx, pool, "alice")
	if err != nil {
		t.Fatal(err)
	}
	s.aliceFollower = remoteFollowers(t, pool, alice.Actor, 1, models.FollowAccepted)[0] + "/inbox"
	return s
}

// delivered reports whether an activity of type typ was queued for inbox.
func (s *meetupFormSite) delivered(typ, inbox string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deliveries {
		for _, in := range d.Inboxes {
			if d.Type == typ && in == inbox {
				return true
			}
		}
	}
	return false
}

// stored counts the rows a meetup would write.
func (s *meetupFormSite) stored() map[string]int {
	out := map[string]int{}
	for _, table := range []string{"posts", "events", "activities", "media"} {
		out[table] = count(s.t, s.db, table)
	}
	return out
}

// event is a meetup as stored.
func (s *meetupFormSite) event(id string) *models.Event {
	s.t.Helper()
	var e models.Event
	var title string
	if err := s.db.QueryRow(context.Background(), `SELECT e.starts_at, e.ends_at, e.time_zone, e.status, e.sequence,
			e.capacity, e.street_address, p.name FROM events e JOIN posts p ON p.id = e.post_id WHERE e.post_id = $1`, id).
		Scan(&e.StartsAt, &e.EndsAt, &e.TimeZone, &e.Status, &e.Sequence, &e.Capacity, &e.Place.StreetAddress, &title); err != nil {
		s.t.Fatalf("meetup %s: %v", id, err)
	}
	e.Post = &models.Post{Name: title}
	return &e
}

// parkMeetup is the form of a meetup in Berlin's Volkspark on date.
func parkMeetup(date string) url.Values {
	return url.Values{"title": {"Saturday in the park"}, "description": {"Bring snacks and a ball"},
		"date": {date}, "start": {"10:00"}, "end": {"12:30"}, "time_zone": {"Europe/Berlin"},
		"place_name": {"Volkspark"}, "street_address": {"Parkweg 1"}, "postal_code": {"10115"},
		"locality": {"Berlin"}, "country": {"Germany"}, "latitude": {"52.52"}, "longitude": {"13.40"},
		"capacity": {"12"}, "join_mode": {"restricted"}, "address_for_going": {"on"}}
}

var meetupLocationRE = regexp.MustCompile(`^/events/(\d+)$`)

// plan submits the meetup form of a group and returns the new meetup's id.
func (b *browser) plan(group string, form url.Values) string {
	b.s.t.Helper()
	page := "/groups/" + group + "/events/new"
	loc := location(b.s.t, b.submit(page, page, form))
	m := meetupLocationRE.FindStringSubmatch(loc)
	if m == nil {
		b.s.t.Fatalf("after planning, sent to %q, not to the meetup", loc)
	}
	return m[1]
}

func TestMeetupFormPlansAMeetupAtTheRightInstantAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	s := newMeetupFormSite(t)
	_, alice := s.member("alice")
	_, carol := s.member("carol")

	group := alice.page("/groups/parents")
	wantIn(t, "the group page to a member", group, `href="/groups/parents/events/new"`, "Plan a meetup")
	wantNotIn(t, "the group page to a non-member", carol.page("/groups/parents"), "/events/new")
	// With no meetup yet, the form starts in the zone the instance runs in (UTC here).
	wantIn(t, "the empty form", alice.page("/groups/parents/events/new"),
		`<option selected>UTC</option>`, `type="date"`, `type="time"`, `name="capacity" type="number"`, `name="photo_0" type="file"`)

	for _, tc := range []struct {
		name, date string
		want       time.Time
		shown      string
	}{
		{"before the clocks go forward (CET, +01:00)", "2027-03-27", time.Date(2027, 3, 27, 9, 0, 0, 0, time.UTC), "Sat 27 Mar 2027, 10:00–12:30"},
		{"after the clocks go forward (CEST, +02:00)", "2027-04-03", time.Date(2027, 4, 3, 8, 0, 0, 0, time.UTC), "Sat 3 Apr 2027, 10:00–12:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := alice.plan("parents", parkMeetup(tc.date))
			e := s.event(id)
			if !e.StartsAt.Equal(tc.want) || e.EndsAt == nil || !e.EndsAt.Equal(tc.want.Add(150*time.Minute)) ||
				e.TimeZone != "Europe/Berlin" || e.Capacity == nil || *e.Capacity != 12 || e.Place.StreetAddress != "Parkweg 1" {
				t.Errorf("stored %s–%v in %s, capacity %v, street %q; want start %s", e.StartsAt.UTC(), e.EndsAt, e.TimeZone,
					e.Capacity, e.Place.StreetAddress, tc.want)
			}
			page := alice.page("/events/" + id)
			wantIn(t, "the meetup's page", page, "Saturday in the park", tc.shown, "Europe/Berlin", "Parkweg 1", "Bring snacks")
			var sent string
			if err := s.db.QueryRow(context.Background(), `SELECT body FROM activities WHERE type = 'Create'
				AND object_uri LIKE '%/statuses/'||$1`, id).Scan(&sent); err != nil || !strings.Contains(sent, `"type":"Event"`) {
				t.Errorf("Create{Event} stored: %s (%v)", sent, err)
			}
			if !s.delivered("Create", s.aliceFollower) {
				t.Errorf("Create{Event} was not queued to alice's follower elsewhere")
			}
		})
	}
	// The next meetup's form starts in the zone of the group's last one.
	wantIn(t, "the form after a meetup in Berlin", alice.page("/groups/parents/events/new"), `<option selected>Europe/Berlin</option>`)
}

func TestMeetupFormPublishesItsPicture(t *testing.T) {
	t.Parallel()
	s := newMeetupFormSite(t)
	_, alice := s.member("alice")
	page := "/groups/parents/events/new"
	fields := map[string]string{"csrf": alice.csrf(page), "alt_0": "A red ball on the grass"}
	for k, v := range parkMeetup("2027-05-08") {
		fields[k] = v[0]
	}
	// The photo is larger than the site's 8K body limit: the meetup form
	// is an upload route, as the compose form is.
	photo := photoWithGPS(t)
	if len(photo) <= 8<<10 {
		t.Fatalf("the test photo (%d bytes) is not over the body limit", len(photo))
	}
	body, ctype := multipartBody(t, fields, map[string][]byte{"photo_0": photo})
	req := httptest.NewRequest(http.MethodPost, page, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Origin", siteBase)
	m := meetupLocationRE.FindStringSubmatch(location(t, alice.do(req)))
	if m == nil {
		t.Fatal("not sent to the meetup")
	}
	rec := alice.get("/events/" + m[1]) // not page(): the meetup's picture is an <img> it refuses
	if rec.Code != http.StatusOK {
		t.Fatalf("the meetup page: %d", rec.Code)
	}
	wantIn(t, "the meetup page", rec.Body.String(), `class="meetup-picture"`, `alt="A red ball on the grass"`)
	var n int
	if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM media WHERE post_id = $1`, m[1]).Scan(&n); err != nil || n != 1 {
		t.Errorf("pictures of the meetup: %d (%v)", n, err)
	}
}

func TestMeetupFormGivesBadInputBackWithItsValuesAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newMeetupFormSite(t)
	_, alice := s.member("alice")
	page := "/groups/parents/events/new"
	with := func(changes map[string]string) url.Values {
		f := parkMeetup("2027-03-27")
		for k, v := range changes {
			f.Set(k, v)
		}
		return f
	}
	past := time.Now().AddDate(0, 0, -2).Format("2006-01-02")
	far := time.Now().AddDate(6, 0, 0).Format("2006-01-02")
	for _, tc := range []struct {
		name, field string // field: the input marked invalid
		form        url.Values
		message     string
		kept        string // what she typed, shown again
	}{
		{"no title", "m-title", with(map[string]string{"title": " "}), "Give the meetup a title.", "Parkweg 1"},
		{"in the past", "m-date", with(map[string]string{"date": past}), "This date and time have passed", `value="` + past + `"`},
		{"six years ahead", "m-date", with(map[string]string{"date": far}), "less than five years from now", `value="` + far + `"`},
		{"no date", "m-date", with(map[string]string{"date": ""}), "Choose a date and a start time.", "Saturday in the park"},
		{"a start that is no time", "m-date", with(map[string]string{"start": "noon"}), "Choose a date and a start time.", `value="noon"`},
		{"an end that is no time", "m-end", with(map[string]string{"end": "late"}), "The end time is not valid", `value="late"`},
		{"unknown zone", "m-zone", with(map[string]string{"time_zone": "Mars/Olympus"}), "Choose a time zone from the list.", "<option selected>Mars/Olympus</option>"},
		{"negative capacity", "m-capacity", with(map[string]string{"capacity": "-3"}), "Give a whole number from 1 to 100000", `value="-3"`},
		{"capacity in words", "m-capacity", with(map[string]string{"capacity": "twelve"}), "Give a whole number from 1 to 100000", `value="twelve"`},
		{"latitude off the globe", "m-latitude", with(map[string]string{"latitude": "95"}), "Give both latitude", `value="95"`},
		{"latitude without longitude", "m-latitude", with(map[string]string{"longitude": ""}), "Give both latitude", `value="52.52"`},
		{"unknown join mode", "", with(map[string]string{"join_mode": "bribe"}), "Choose how people join.", "Volkspark"},
		{"a street too long", "", with(map[string]string{"street_address": strings.Repeat("Parkweg ", 40)}), "at most 300 characters", "Parkweg Parkweg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.stored()
			rec := alice.submit(page, page, tc.form)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422", rec.Code)
			}
			got := html.UnescapeString(rec.Body.String())
			wantIn(t, "the form given back", got, tc.message, tc.kept, "Please fix what is marked below", `action="/groups/parents/events/new"`)
			if tc.field != "" && !regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(got) {
				t.Errorf("%s is not marked invalid", tc.field)
			}
			if after := s.stored(); after["posts"] != before["posts"] || after["events"] != before["events"] ||
				after["activities"] != before["activities"] || after["media"] != before["media"] {
				t.Errorf("stored %v, before %v", after, before)
			}
		})
	}
}

func TestMeetupFormIsForMembersWhoMayPostThere(t *testing.T) {
	t.Parallel()
	s := newMeetupFormSite(t)
	_, carol := s.member("carol")
	_, bea := s.member("bea")
	_, mo := s.member("mo")
	page := "/groups/parents/events/new"
	before := s.stored()
	if rec := carol.get(page); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Only members of Parents") {
		t.Errorf("the form to a non-member: %d\n%s", rec.Code, rec.Body)
	}
	form := parkMeetup("2027-03-27")
	form.Set("csrf", carol.csrf("/groups/parents"))
	if rec := carol.post(page, form); rec.Code != http.StatusForbidden {
		t.Errorf("a non-member's meetup: %d", rec.Code)
	}
	// Where only moderators post, members may not plan a meetup; moderators may.
	if _, err := s.db.Exec(context.Background(), `UPDATE groups SET posting_restricted_to_mods = true WHERE actor_id = $1`,
		s.parents.Actor.ID); err != nil {
		t.Fatal(err)
	}
	wantNotIn(t, "the group page to a member where moderators post", bea.page("/groups/parents"), "/events/new")
	form.Set("csrf", bea.csrf("/groups/parents"))
	if rec := bea.post(page, form); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Only the moderators") {
		t.Errorf("a member's meetup where moderators post: %d\n%s", rec.Code, rec.Body)
	}
	if after := s.stored(); after["posts"] != before["posts"] || after["events"] != before["events"] {
		t.Errorf("refused meetups stored rows: %v, before %v", after, before)
	}
	if rec := s.browser().get(page); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("the form to a visitor: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	mo.plan("parents", parkMeetup("2027-03-27"))
}

func TestMeetupFormOrganizerEditsAndCancelsAndOthersAreRefused(t *testing.T) {
	t.Parallel()
	s := newMeetupFormSite(t)
	ctx := context.Background()
	_, alice := s.member("alice")
	_, bea := s.member("bea")
	id := alice.plan("parents", parkMeetup("2027-03-27"))
	path := "/events/" + id
	planned := s.event(id)

	wantIn(t, "the meetup page to its organizer", alice.page(path),
		`href="`+path+`/edit"`, `href="`+path+`/cancel"`, `href="`+path+`/delete"`)
	wantNotIn(t, "the meetup page to another member", bea.page(path), path+"/edit", path+"/cancel", path+"/delete")

	// Bea, a member but not the organizer, is refused everything, and nothing changes.
	activities := count(t, s.db, "activities")
	for _, action := range []string{"edit", "cancel", "delete"} {
		if rec := bea.get(path + "/" + action); rec.Code != http.StatusForbidden {
			t.Errorf("GET %s by bea: %d", action, rec.Code)
		}
		form := parkMeetup("2027-04-03")
		form.Set("title", "Bea's meetup now")
		form.Set("csrf", bea.csrf(path))
		if rec := bea.post(path+"/"+action, form); rec.Code != http.StatusForbidden ||
			!strings.Contains(rec.Body.String(), "Only the organizer or a moderator") {
			t.Errorf("POST %s by bea: %d", action, rec.Code)
		}
	}
	if e := s.event(id); e.Post.Name != "Saturday in the park" || e.Status != models.EventConfirmed || e.Sequence != planned.Sequence ||
		count(t, s.db, "activities") != activities {
		t.Errorf("after bea's attempts: %q %s sequence %d, activities %d -> %d", e.Post.Name, e.Status, e.Sequence,
			activities, count(t, s.db, "activities"))
	}

	// The edit form is filled with the meetup as it is.
	wantIn(t, "the edit form", html.UnescapeString(alice.page(path+"/edit")), `value="Saturday in the park"`, `value="2027-03-27"`,
		`value="10:00"`, `value="12:30"`, `<option selected>Europe/Berlin</option>`, `value="Parkweg 1"`, `value="12"`,
		`value="restricted" checked`, `name="address_for_going" type="checkbox" value="on" checked`)
	// A bad edit gives the form back and changes nothing.
	bad := parkMeetup("2027-03-27")
	bad.Set("capacity", "0.5")
	if rec := alice.submit(path+"/edit", path+"/edit", bad); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), `value="0.5"`) {
		t.Errorf("a bad edit: %d", rec.Code)
	}
	if e := s.event(id); e.Sequence != planned.Sequence {
		t.Errorf("a bad edit changed the meetup (sequence %d)", e.Sequence)
	}
	edit := parkMeetup("2027-03-27")
	edit.Set("title", "Sunday in the park")
	edit.Set("date", "2027-03-28") // the day the clocks go forward: 11:00 is CEST
	edit.Set("start", "11:00")
	edit.Set("capacity", "")
	if loc := location(t, alice.submit(path+"/edit", path+"/edit", edit)); loc != path {
		t.Errorf("after editing, sent to %q", loc)
	}
	e := s.event(id)
	if e.Post.Name != "Sunday in the park" || !e.StartsAt.Equal(time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC)) ||
		e.Capacity != nil || e.Sequence != planned.Sequence+1 {
		t.Errorf("edited: %q at %s, capacity %v, sequence %d", e.Post.Name, e.StartsAt.UTC(), e.Capacity, e.Sequence)
	}
	var sent string
	if err := s.db.QueryRow(ctx, `SELECT body FROM activities WHERE type = 'Update' AND object_uri LIKE '%/statuses/'||$1
		ORDER BY id DESC LIMIT 1`, id).Scan(&sent); err != nil || !strings.Contains(sent, "Sunday in the park") {
		t.Errorf("Update{Event} sent: %s (%v)", sent, err)
	}

	// Cancelling asks first, then marks it cancelled for everyone.
	wantIn(t, "the cancel step", alice.page(path+"/cancel"), `action="`+path+`/cancel"`, "Yes, cancel the meetup", `href="`+path+`"`)
	if loc := location(t, alice.submit(path+"/cancel", path+"/cancel", url.Values{})); loc != path {
		t.Errorf("after cancelling, sent to %q", loc)
	}
	if e := s.event(id); e.Status != models.EventCancelled {
		t.Errorf("status after cancelling: %s", e.Status)
	}
	wantIn(t, "the cancelled meetup's page", bea.page(path), "Cancelled", "The organizer called this meetup off.")
	wantNotIn(t, "the cancelled meetup's page to its organizer", alice.page(path), `href="`+path+`/cancel"`)
	if err := s.db.QueryRow(ctx, `SELECT body FROM activities WHERE type = 'Update' AND object_uri LIKE '%/statuses/'||$1
		ORDER BY id DESC LIMIT 1`, id).Scan(&sent); err != nil || !strings.Contains(sent, `"ical:status":"CANCELLED"`) {
		t.Errorf("cancellation sent: %s (%v)", sent, err)
	}

	// A moderator of the group may change it too; deleting asks first.
	_, mo := s.member("mo")
	wantIn(t, "the delete step", mo.page(path+"/delete"), `action="`+path+`/delete"`, "Yes, delete the meetup")
	if loc := location(t, mo.submit(path+"/delete", path+"/delete", url.Values{})); loc != "/groups/parents" {
		t.Errorf("after deleting, sent to %q", loc)
	}
	if rec := bea.get(path); rec.Code != http.StatusNotFound {
		t.Errorf("a deleted meetup's page: %d", rec.Code)
	}
	if !s.delivered("Delete", s.aliceFollower) {
		t.Errorf("the Delete was not queued to alice's follower elsewhere")
	}
}

func TestMeetupPageOffersAddToCalendarAndShowsItsComments(t *testing.T) {
	t.Parallel()
	s := newMeetupFormSite(t)
	_, alice := s.member("alice")
	_, bea := s.member("bea")
	id := alice.plan("parents", parkMeetup("2027-03-27"))
	path := "/events/" + id

	visitor := s.browser().page(path)
	wantIn(t, "a public meetup's page", visitor, `<link rel="alternate" type="text/calendar" title="Add to calendar" href="`+path+`/event.ics">`,
		`<a href="`+path+`/event.ics" type="text/calendar">Add to calendar</a>`, "No comments yet.", `name="uri"`)

	// Bea answers with the form under the meetup and comes back to it.
	form := bea.page(path)
	wantIn(t, "the meetup page to a member", form, `name="in_reply_to" value="`+id+`"`, `name="next" value="`+path+`"`)
	if loc := location(t, bea.submit(path, "/posts", url.Values{"text": {"We will bring the football"},
		"in_reply_to": {id}, "next": {path}})); loc != path {
		t.Errorf("after answering, sent to %q", loc)
	}
	for who, b := range map[string]*browser{"a visitor": s.browser(), "alice": alice, "bea": bea} {
		page := b.page(path)
		comments := strings.Index(page, `id="comments"`)
		reply := strings.Index(page, "We will bring the football")
		if comments < 0 || reply < comments {
			t.Errorf("the meetup page to %s does not show bea's comment under it (comments at %d, reply at %d)", who, comments, reply)
		}
	}

	// A members-only group's meetup has no public calendar: members find it in their own.
	secret := alice.plan("circle", parkMeetup("2027-03-27"))
	page := alice.page("/events/" + secret)
	wantIn(t, "a members-only meetup's page", page, `href="/settings/calendar"`)
	wantNotIn(t, "a members-only meetup's page", page, "/events/"+secret+"/event.ics")
}
