package web_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// newMemberSite is an instance's web app with an outbox that delivers
// nothing (everyone here is local), open sign-ups, and two groups: the
// public Brooklyn Moms and the members-only Park Slope Parents, which asks
// two join questions and is moderated by maria.
func newMemberSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	pool := testenv.DB(t)
	if err := models.SetSignupMode(ctx, pool, models.SignupOpen); err != nil {
		t.Fatal(err)
	}
	urls := federation.NewURLs(siteBase)
	clock := &testClock{now: time.Now()}
	e := web.New(web.Options{DB: pool, URLs: urls, Clock: clock.Now, Outbox: outbox.New(pool, urls, nil, nil)})
	s := &site{t: t, e: e, db: pool, clock: clock}
	for _, g := range []models.NewGroup{
		{Name: "brooklyn_moms", Title: "Brooklyn Moms", Location: "Brooklyn"},
		{Name: "park_slope", Title: "Park Slope Parents", Location: "Park Slope", MembersOnly: true},
	} {
		if _, err := models.CreateGroup(ctx, pool, g); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE groups SET join_questions = $1 WHERE actor_id =
		(SELECT id FROM actors WHERE username = 'park_slope' AND domain IS NULL)`,
		"Which neighbourhood do you live in?\n\nHow old are your children?\n"); err != nil {
		t.Fatal(err)
	}
	s.account("maria", "correct horse")
	if err := models.AddModerator(ctx, pool, "park_slope", "maria"); err != nil {
		t.Fatal(err)
	}
	return s
}

// member makes an account and a browser signed in as it.
func (s *site) member(name string) (*models.Account, *browser) {
	s.t.Helper()
	acc, err := models.AccountByUsername(context.Background(), s.db, name)
	if errors.Is(err, models.ErrNotFound) {
		acc = s.account(name, "correct horse")
	} else if err != nil {
		s.t.Fatal(err)
	}
	b := s.browser()
	wantStatus(s.t, "log-in as "+name, b.logIn(name, "correct horse"), http.StatusSeeOther)
	return acc, b
}

// location is where a 303 sends the browser.
func location(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303\n%s", rec.Code, rec.Body)
	}
	return rec.Header().Get("Location")
}

var postLocationRE = regexp.MustCompile(`^/posts/(\d+)$`)

// writePost posts a form from page (loading it for its token) to /posts
// without next, and returns the new post's id from where it sends to.
func (b *browser) writePost(page string, form url.Values) int64 {
	b.s.t.Helper()
	form.Del("next")
	loc := location(b.s.t, b.submit(page, "/posts", form))
	m := postLocationRE.FindStringSubmatch(loc)
	if m == nil {
		b.s.t.Fatalf("after posting, sent to %q, not to the post", loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// page loads a page that must be there, and returns its HTML.
func (b *browser) page(path string) string {
	b.s.t.Helper()
	rec := b.get(path)
	if rec.Code != http.StatusOK {
		b.s.t.Fatalf("GET %s: %d\n%s", path, rec.Code, rec.Body)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		b.s.t.Errorf("GET %s: Content-Type %q", path, rec.Header().Get("Content-Type"))
	}
	if len(rec.Body.Bytes()) > maxPageBytes {
		b.s.t.Errorf("GET %s weighs %d bytes, limit %d", path, rec.Body.Len(), maxPageBytes)
	}
	if m := missingStringRE.FindString(rec.Body.String()); m != "" {
		b.s.t.Errorf("GET %s shows the key of a missing string: %s", path, m)
	}
	checkInert(b.s.t, rec.Body.String())
	return rec.Body.String()
}

// missingStringRE finds a key of the strings table shown as it is (what
// text shows for a key it lacks).
var missingStringRE = regexp.MustCompile(`[>"]\s*(member|compose|membership|notify|edit|delete|follow|post|group\.member)\.[a-z_.]+\s*[<"]`)

func (s *site) post(id int64) *models.Post {
	s.t.Helper()
	p, err := models.PostByID(context.Background(), s.db, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *site) group(name string) *models.Group {
	s.t.Helper()
	g, err := models.GroupByName(context.Background(), s.db, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return g
}

// followState is the state of a's follow of b, "" when there is none.
func (s *site) followState(a, b *models.Actor) string {
	s.t.Helper()
	f, err := models.FollowBetween(context.Background(), s.db, a.ID, b.ID)
	if errors.Is(err, models.ErrNotFound) {
		return ""
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return f.State
}

// join joins a public group through the button on its page.
func (b *browser) join(group string) {
	b.s.t.Helper()
	loc := location(b.s.t, b.submit("/groups/"+group, "/groups/"+group+"/join", url.Values{}))
	if loc != "/groups/"+group+"/join?done=joined" {
		b.s.t.Fatalf("joining %s sent to %q", group, loc)
	}
}

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}

func wantNotIn(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("%s shows %q", what, n)
		}
	}
}

func TestMemberPagesSendSignedOutVisitorsToLogIn(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	b := s.browser()
	for _, path := range []string{"/home", "/home?max_id=12", "/notifications", "/posts/1", "/posts/1/edit",
		"/posts/1/delete", "/groups/park_slope/join"} {
		rec := b.get(path)
		want := "/login?next=" + url.QueryEscape(path)
		if loc := location(t, rec); loc != want {
			t.Errorf("GET %s sent to %q, want %q", path, loc, want)
		}
	}
	// A form sent signed out (with the token a signed-out page gives)
	// changes nothing, and goes to the log-in form, then back to its page.
	token := b.csrf("/login")
	rec := b.post("/posts", url.Values{"csrf": {token}, "text": {"hello"}, "next": {"/groups/brooklyn_moms"}})
	if loc := location(t, rec); loc != "/login?next="+url.QueryEscape("/groups/brooklyn_moms") {
		t.Errorf("POST /posts signed out sent to %q", loc)
	}
	rec = b.post("/groups/brooklyn_moms/join", url.Values{"csrf": {token}})
	if loc := location(t, rec); loc != "/login?next="+url.QueryEscape("/groups/brooklyn_moms/join") {
		t.Errorf("POST join signed out sent to %q", loc)
	}
	n, err := models.CountLocalPosts(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d posts were written by a signed-out visitor", n)
	}
	// The public group page offers no member forms to visitors.
	body := b.page("/groups/brooklyn_moms")
	wantNotIn(t, "the group page, signed out", body, `action="/posts"`, `action="/groups/brooklyn_moms/join"`)
}

func TestMemberFormsWithoutTheCSRFTokenAre403AndChangeNothing(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	alice, b := s.member("alice")
	id := b.writePost("/home", url.Values{"text": {"A first post"}})
	for _, tt := range []struct {
		action string
		form   url.Values
	}{
		{"/posts", url.Values{"text": {"Forged post"}}},
		{"/groups/brooklyn_moms/join", url.Values{}},
		{"/posts/" + strconv.FormatInt(id, 10) + "/like", url.Values{}},
		{"/posts/" + strconv.FormatInt(id, 10) + "/delete", url.Values{}},
		{"/posts/" + strconv.FormatInt(id, 10) + "/edit", url.Values{"text": {"Forged edit"}}},
		{"/follow", url.Values{"handle": {"@mod"}}},
	} {
		for _, token := range []string{"", "wrong-token"} {
			form := url.Values{}
			for k, v := range tt.form {
				form[k] = v
			}
			if token != "" {
				form.Set("csrf", token)
			}
			rec := b.post(tt.action, form)
			wantStatus(t, tt.action+" with token "+strconv.Quote(token), rec, http.StatusForbidden)
		}
	}
	p := s.post(id)
	if p.DeletedAt != nil || strings.Contains(p.Content, "Forged") {
		t.Errorf("a forged form changed the post: %+v", p)
	}
	if st := s.followState(alice.Actor, s.group("brooklyn_moms").Actor); st != "" {
		t.Errorf("a forged form joined the group (%s)", st)
	}
	n, err := models.CountLocalPosts(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

func TestHomeShowsFollowedPostsAndGroupSharesNewestFirst(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	_, bob := s.member("bob")
	_, carol := s.member("carol")
	carol.join("brooklyn_moms")
	alice.join("brooklyn_moms")

	// Alice follows Bob by handle, from her home page.
	loc := location(t, alice.submit("/home", "/follow", url.Values{"handle": {"@bob@127.0.0.2:8080"}}))
	if !strings.HasPrefix(loc, "/home?followed=") {
		t.Fatalf("following sent to %q", loc)
	}
	wantIn(t, "home after following", alice.page(loc), "You now follow bob.")

	bob.writePost("/home", url.Values{"text": {"Bob-to-his-followers"}})
	carol.writePost("/groups/brooklyn_moms", url.Values{"text": {"Carol-in-the-group"}, "group": {"@brooklyn_moms@127.0.0.2:8080"}})
	_, dave := s.member("dave") // Alice follows neither Dave nor a group he posts in
	dave.writePost("/home", url.Values{"text": {"Dave-to-nobody-alice-follows"}})
	alice.writePost("/home", url.Values{"text": {"Alice-herself"}})

	body := alice.page("/home")
	wantIn(t, "Alice's home", body, "Bob-to-his-followers", "Carol-in-the-group", "Alice-herself",
		"Shared by", ">Brooklyn Moms</a>", `action="/posts"`, `action="/follow"`)
	wantNotIn(t, "Alice's home", body, "Dave-to-nobody-alice-follows")
	got := order(t, body, "Alice-herself", "Carol-in-the-group", "Bob-to-his-followers")
	if !(got[0] < got[1] && got[1] < got[2]) {
		t.Errorf("home is not newest first: %v", got)
	}
	if strings.Count(body, "Carol-in-the-group") != 1 {
		t.Error("the group's share and the post itself both show")
	}
	// The group's share says who shared it, inside the post.
	if !regexp.MustCompile(`(?s)<p class="shared muted">Shared by <a href="/groups/brooklyn_moms">Brooklyn Moms</a></p>\s*<header class="post-head">.*?Carol-in-the-group`).MatchString(body) {
		t.Error("Carol's post does not say it was shared by the group")
	}
}

func TestHomeFeedPagesWithOlderPostsAndStaysUnder100KB(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	long := strings.Repeat("A long story about sleep, naps and night feeds. ", 90) // ~4.4 KB each
	for i := range 25 {
		alice.writePost("/home", url.Values{"text": {"Post-" + strconv.Itoa(i) + " " + long}})
	}
	body := alice.page("/home")
	wantIn(t, "home", body, "Post-24 ", "Older posts")
	wantNotIn(t, "home", body, "Post-4 ")
	m := regexp.MustCompile(`href="(/home\?max_id=\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to older posts")
	}
	older := alice.page(html.UnescapeString(m[1]))
	wantIn(t, "older posts", older, "Post-0 ", "Post-4 ")
	wantNotIn(t, "older posts", older, "Post-24 ", "Post-5 ")
}

func TestPostingWithAContentWarningShowsItInTheGroup(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	// Not a member yet: the post is refused, the text kept, and the form
	// says how to join.
	rec := alice.submit("/groups/brooklyn_moms", "/posts", url.Values{"text": {"Anyone up at 4 am?"}, "summary": {"Sleep"},
		"group": {"@brooklyn_moms@127.0.0.2:8080"}, "next": {"/groups/brooklyn_moms"}})
	wantStatus(t, "a post by a non-member", rec, http.StatusUnprocessableEntity)
	wantIn(t, "the refused post's page", rec.Body.String(), "Only members can post in Brooklyn Moms",
		`href="/groups/brooklyn_moms/join"`, "Anyone up at 4 am?", `value="Sleep"`)

	alice.join("brooklyn_moms")
	wantIn(t, "the join page", alice.page("/groups/brooklyn_moms/join?done=joined"), "You joined Brooklyn Moms", "Leave this group")
	rec = alice.submit("/groups/brooklyn_moms", "/posts", url.Values{"text": {"Anyone up at 4 am?"}, "summary": {"Sleep"},
		"group": {"@brooklyn_moms@127.0.0.2:8080"}, "next": {"/groups/brooklyn_moms"}})
	if loc := location(t, rec); loc != "/groups/brooklyn_moms" {
		t.Fatalf("after posting, sent to %q", loc)
	}
	body := alice.page("/groups/brooklyn_moms")
	if !regexp.MustCompile(`(?s)<details class="cw"><summary>Content warning: Sleep</summary>.*Anyone up at 4 am\?`).MatchString(body) {
		t.Errorf("the group page does not show the post under its content warning")
	}
	// It went into the group the way the client API's posts do: the group
	// is mentioned, and the group shared it.
	g := s.group("brooklyn_moms")
	posts, err := models.PublicPosts(context.Background(), s.db, models.PublicFilter{GroupID: g.Actor.ID})
	if err != nil || len(posts) != 1 {
		t.Fatalf("posts in the group: %v %v", posts, err)
	}
	p := posts[0]
	if p.Summary != "Sleep" || !p.Sensitive {
		t.Errorf("content warning %q, sensitive %v", p.Summary, p.Sensitive)
	}
	if !hasMentionOf(p, siteBase+"/groups/brooklyn_moms") {
		t.Errorf("the post does not mention the group: %+v", p.Tags)
	}
	if boost, err := models.BoostURI(context.Background(), s.db, g.Actor.ID, p.ID); err != nil || boost == "" {
		t.Errorf("the group did not share the post (%q, %v)", boost, err)
	}
	// Her own post on the group page offers edit and delete.
	wantIn(t, "the group page", body, `href="/posts/`+strconv.FormatInt(p.ID, 10)+`/edit?next=%2fgroups%2fbrooklyn_moms"`)
}

func hasMentionOf(p *models.Post, href string) bool {
	for _, t := range p.Tags {
		if t.Type == "Mention" && t.Href == href {
			return true
		}
	}
	return false
}

func TestComposeShowsErrorsBesideTheirFields(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"empty", url.Values{"text": {"   "}}, "Please write something first."},
		{"too long", url.Values{"text": {strings.Repeat("é", 5001)}}, "A post can have at most 5000 characters; this one has 5001."},
		{"long warning", url.Values{"text": {"hi"}, "summary": {strings.Repeat("w", 1001)}}, "Please keep the content warning under 1000 characters."},
		{"no such group", url.Values{"text": {"hi"}, "group": {"@nowhere@127.0.0.2:8080"}}, "We could not find that group."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := alice.submit("/home", "/posts", tt.form)
			wantStatus(t, tt.name, rec, http.StatusUnprocessableEntity)
			wantIn(t, "the compose page", rec.Body.String(), tt.want, `role="alert"`)
		})
	}
	if n, _ := models.CountLocalPosts(context.Background(), s.db); n != 0 {
		t.Errorf("%d posts written by bad forms", n)
	}
}

func TestRepliesThreadUnderThePost(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	_, bob := s.member("bob")
	alice.join("brooklyn_moms")
	bob.join("brooklyn_moms")
	id := alice.writePost("/groups/brooklyn_moms", url.Values{"text": {"Playground meetup on Saturday?"}, "group": {"@brooklyn_moms@127.0.0.2:8080"}})
	path := "/posts/" + strconv.FormatInt(id, 10)

	// The public page links to the reply form for people with an account here.
	public := bob.page(strings.TrimPrefix(s.post(id).URI, siteBase))
	wantIn(t, "the public post page", public, `href="/posts/`+strconv.FormatInt(id, 10)+`#reply"`)

	page := bob.page(path)
	wantIn(t, "the post page", page, "Playground meetup on Saturday?", `id="reply"`, `name="in_reply_to" value="`+strconv.FormatInt(id, 10)+`"`)
	rec := bob.submit(path, "/posts", url.Values{"text": {"Count us in!"}, "in_reply_to": {strconv.FormatInt(id, 10)}, "next": {path}})
	if loc := location(t, rec); loc != path {
		t.Fatalf("after replying, sent to %q", loc)
	}
	page = bob.page(path)
	if got := order(t, page, "Playground meetup on Saturday?", `id="replies"`, "Count us in!"); !(got[0] < got[1] && got[1] < got[2]) {
		t.Errorf("the reply is not under the post: %v", got)
	}
	// The reply is in the group's thread, on the public page too.
	replies, err := models.PublicPosts(context.Background(), s.db, models.PublicFilter{AuthorID: mustAccount(t, s, "bob").Actor.ID})
	if err != nil || len(replies) != 1 || replies[0].InReplyToID == nil || *replies[0].InReplyToID != id {
		t.Fatalf("Bob's reply: %+v %v", replies, err)
	}
	if g := s.group("brooklyn_moms"); replies[0].GroupID == nil || *replies[0].GroupID != g.Actor.ID {
		t.Errorf("the reply is not in the group's thread")
	}
	wantIn(t, "the public thread", bob.page(strings.TrimPrefix(s.post(id).URI, siteBase)), "Count us in!")
	// Alice is told.
	wantIn(t, "Alice's notifications", alice.page("/notifications"), ">bob</a> replied to your post", "Count us in!")
}

func TestJoiningAPublicGroupIsImmediateAndLeavingUndoesIt(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	alice, b := s.member("alice")
	g := s.group("brooklyn_moms")
	body := b.page("/groups/brooklyn_moms")
	wantIn(t, "the group page, signed in", body, `action="/groups/brooklyn_moms/join"`, "Join this group",
		`<input type="hidden" name="group" value="@brooklyn_moms@127.0.0.2:8080">`)
	b.join("brooklyn_moms")
	if st := s.followState(alice.Actor, g.Actor); st != models.FollowAccepted {
		t.Fatalf("after joining: %q", st)
	}
	if ok, _ := models.IsMember(context.Background(), s.db, g.Actor.ID, alice.Actor.ID); !ok {
		t.Error("not a member after joining")
	}
	loc := location(t, b.submit("/groups/brooklyn_moms/join", "/groups/brooklyn_moms/leave", url.Values{}))
	if loc != "/groups/brooklyn_moms/join?done=left" {
		t.Errorf("leaving sent to %q", loc)
	}
	if st := s.followState(alice.Actor, g.Actor); st != "" {
		t.Errorf("after leaving: %q", st)
	}
	wantIn(t, "the join page after leaving", b.page(loc), "You left Brooklyn Moms.", "Join this group")
}

func TestMembersOnlyJoinAsksTheQuestionsKeepsTheAnswersAndWaits(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	ctx := context.Background()
	alice, b := s.member("alice")
	g := s.group("park_slope")

	body := b.page("/groups/park_slope")
	wantIn(t, "the members-only group page", body, `href="/groups/park_slope/join"`, "Ask to join")
	body = b.page("/groups/park_slope/join")
	wantIn(t, "the join page", body, `<label for="answer-1">Which neighbourhood do you live in?</label>`,
		`<label for="answer-2">How old are your children?</label>`, `<textarea id="answer-1" name="answer"`, "Ask to join")

	// Unanswered: the question says so, and nothing is asked.
	rec := b.submit("/groups/park_slope/join", "/groups/park_slope/join", url.Values{"answer": {"Park Slope, near 5th Ave", " "}})
	wantStatus(t, "joining without every answer", rec, http.StatusUnprocessableEntity)
	wantIn(t, "the join page with an error", rec.Body.String(), "Please answer this question.", "Park Slope, near 5th Ave", `aria-invalid="true"`)
	if st := s.followState(alice.Actor, g.Actor); st != "" {
		t.Fatalf("a request was made without the answers (%s)", st)
	}

	rec = b.submit("/groups/park_slope/join", "/groups/park_slope/join", url.Values{"answer": {"Park Slope, near 5th Ave", "Twins, 2\r\n\r\nand a baby"}})
	if loc := location(t, rec); loc != "/groups/park_slope/join?done=requested" {
		t.Fatalf("asking to join sent to %q", loc)
	}
	f, err := models.FollowBetween(ctx, s.db, alice.Actor.ID, g.Actor.ID)
	if err != nil || f.State != models.FollowPending {
		t.Fatalf("the request: %+v %v", f, err)
	}
	answers, err := models.JoinAnswers(ctx, s.db, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "Which neighbourhood do you live in?\nPark Slope, near 5th Ave\n\nHow old are your children?\nTwins, 2\nand a baby"
	if answers != want {
		t.Errorf("answers kept:\n%q\nwant\n%q", answers, want)
	}
	if ok, _ := models.IsMember(ctx, s.db, g.Actor.ID, alice.Actor.ID); ok {
		t.Error("a member before a moderator approved")
	}
	body = b.page("/groups/park_slope/join?done=requested")
	wantIn(t, "the join page while waiting", body, "Request sent, waiting for a moderator.", "Take back my request", "Twins, 2")

	// While waiting she cannot post into the group.
	rec = b.submit("/groups/park_slope", "/posts", url.Values{"text": {"Hello!"}, "group": {"@park_slope@127.0.0.2:8080"}})
	wantStatus(t, "posting while waiting", rec, http.StatusUnprocessableEntity)
	wantIn(t, "the refused post", rec.Body.String(), "Only members can post in Park Slope Parents")

	// The moderator is told, with a link to the group's moderation page.
	_, mod := s.member("maria")
	wantIn(t, "the moderator's notifications", mod.page("/notifications"),
		`<a href="/users/alice">alice</a> asked to join <a href="/groups/park_slope">Park Slope Parents</a>`,
		`href="/groups/park_slope/manage"`)

	// Taking the request back undoes it.
	loc := location(t, b.submit("/groups/park_slope/join", "/groups/park_slope/leave", url.Values{}))
	if loc != "/groups/park_slope/join?done=withdrawn" {
		t.Errorf("taking back sent to %q", loc)
	}
	if st := s.followState(alice.Actor, g.Actor); st != "" {
		t.Errorf("after taking the request back: %q", st)
	}
}

func TestMembersOnlyPostsShowOnlyToMembers(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	ctx := context.Background()
	_, mod := s.member("maria")
	_, alice := s.member("alice")
	id := mod.writePost("/groups/park_slope", url.Values{"text": {"SECRET-MEETUP"}, "group": {"@park_slope@127.0.0.2:8080"}})
	path := "/posts/" + strconv.FormatInt(id, 10)
	wantIn(t, "the moderator's post page", mod.page(path), "SECRET-MEETUP")
	wantStatus(t, "a non-member's look at a members-only post", alice.get(path), http.StatusNotFound)
	wantStatus(t, "a non-member's like of a members-only post", alice.submit("/home", path+"/like", url.Values{}), http.StatusNotFound)
	wantStatus(t, "a non-member's reply to a members-only post", alice.submit("/home", "/posts",
		url.Values{"text": {"hi"}, "in_reply_to": {strconv.FormatInt(id, 10)}}), http.StatusNotFound)

	// Once approved, Alice sees it, on its page and in her home.
	acc := mustAccount(t, s, "alice")
	g := s.group("park_slope")
	if _, err := models.PutFollow(ctx, s.db, acc.Actor.ID, g.Actor.ID, siteBase+"/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "a member's look at it", alice.page(path), "SECRET-MEETUP")
	wantIn(t, "a member's home", alice.page("/home"), "SECRET-MEETUP")
}

func TestLikeAndUnlikeGoBackWhereThePersonWas(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	ctx := context.Background()
	alice, a := s.member("alice")
	bob, b := s.member("bob")
	loc := location(t, b.submit("/home", "/follow", url.Values{"handle": {"alice"}}))
	if !strings.HasPrefix(loc, "/home?followed=") {
		t.Fatalf("following by name sent to %q", loc)
	}
	id := a.writePost("/home", url.Values{"text": {"Free stroller, pick up today"}})
	sid := strconv.FormatInt(id, 10)
	home := b.page("/home")
	wantIn(t, "Bob's home", home, `action="/posts/`+sid+`/like"`, `<input type="hidden" name="next" value="/home#post-`+sid+`">`)

	rec := b.submit("/home", "/posts/"+sid+"/like", url.Values{"next": {"/home#post-" + sid}})
	if loc := location(t, rec); loc != "/home#post-"+sid {
		t.Errorf("liking sent to %q", loc)
	}
	if _, err := models.LikeBetween(ctx, s.db, bob.Actor.ID, id); err != nil {
		t.Fatalf("no like stored: %v", err)
	}
	home = b.page("/home")
	wantIn(t, "Bob's home after liking", home, `action="/posts/`+sid+`/unlike"`, ">Unlike</button>", "1 like")
	wantIn(t, "Alice's notifications", a.page("/notifications"), "<a href=\"/users/bob\">bob</a> liked your post", "Free stroller")

	// next must be a path here.
	rec = b.submit("/home", "/posts/"+sid+"/unlike", url.Values{"next": {"https://evil.example/"}})
	if loc := location(t, rec); loc != "/posts/"+sid {
		t.Errorf("unliking with a foreign next sent to %q", loc)
	}
	if _, err := models.LikeBetween(ctx, s.db, bob.Actor.ID, id); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the like is still there: %v", err)
	}
	_ = alice
}

func TestOnlyTheAuthorEditsAndDeletesAPost(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	_, bob := s.member("bob")
	id := alice.writePost("/home", url.Values{"text": {"Lost: a blue mitten @bob"}})
	sid := strconv.FormatInt(id, 10)
	bobURI := siteBase + "/users/bob"
	if !hasMentionOf(s.post(id), bobURI) {
		t.Fatal("the post does not mention bob")
	}

	// Someone else's post: 403 for the form and for each action.
	wantStatus(t, "Bob's look at the edit form", bob.get("/posts/"+sid+"/edit"), http.StatusForbidden)
	wantStatus(t, "Bob's look at the delete step", bob.get("/posts/"+sid+"/delete"), http.StatusForbidden)
	wantStatus(t, "Bob's edit", bob.submit("/home", "/posts/"+sid+"/edit", url.Values{"text": {"Bob was here"}}), http.StatusForbidden)
	wantStatus(t, "Bob's delete", bob.submit("/home", "/posts/"+sid+"/delete", url.Values{}), http.StatusForbidden)
	if p := s.post(id); p.DeletedAt != nil || strings.Contains(p.Content, "Bob was here") {
		t.Fatal("Bob changed Alice's post")
	}
	wantNotIn(t, "Bob's view of the post", bob.page("/posts/"+sid), `href="/posts/`+sid+`/edit`)

	// Her own: the form has the text; the edit keeps the mention.
	form := alice.page("/posts/" + sid + "/edit")
	wantIn(t, "the edit form", form, "Lost: a blue mitten @bob</textarea>", `action="/posts/`+sid+`/edit"`)
	rec := alice.submit("/posts/"+sid+"/edit", "/posts/"+sid+"/edit", url.Values{"text": {"Found: the blue mitten, thank you!"}, "summary": {""}})
	if loc := location(t, rec); loc != "/posts/"+sid {
		t.Errorf("after editing, sent to %q", loc)
	}
	p := s.post(id)
	if !strings.Contains(p.Content, "Found: the blue mitten") || p.EditedAt == nil || !hasMentionOf(p, bobURI) {
		t.Errorf("after the edit: %q edited %v tags %+v", p.Content, p.EditedAt, p.Tags)
	}
	wantIn(t, "the post page", alice.page("/posts/"+sid), "Found: the blue mitten", "edited")
	rec = alice.submit("/posts/"+sid+"/edit", "/posts/"+sid+"/edit", url.Values{"text": {""}})
	wantStatus(t, "an empty edit", rec, http.StatusUnprocessableEntity)
	wantIn(t, "the edit form with an error", rec.Body.String(), "Please write something first.")

	// Deleting has a confirm step, then the post is gone.
	confirm := alice.page("/posts/" + sid + "/delete?next=%2Fposts%2F" + sid)
	wantIn(t, "the delete step", confirm, "Delete this post?", `action="/posts/`+sid+`/delete"`, "Found: the blue mitten")
	rec = alice.submit("/posts/"+sid+"/delete?next=%2Fposts%2F"+sid, "/posts/"+sid+"/delete", url.Values{"next": {"/posts/" + sid}})
	if loc := location(t, rec); loc != "/home?deleted=1" {
		t.Errorf("after deleting the post from its page, sent to %q", loc)
	}
	if p := s.post(id); p.DeletedAt == nil {
		t.Fatal("the post was not deleted")
	}
	wantIn(t, "home after deleting", alice.page("/home?deleted=1"), "Your post was deleted.")
	wantNotIn(t, "home after deleting", alice.page("/home"), "blue mitten")
	wantStatus(t, "the deleted post's member page", alice.get("/posts/"+sid), http.StatusNotFound)
	wantStatus(t, "the deleted post's public page", alice.get(strings.TrimPrefix(p.URI, siteBase)), http.StatusGone)
}

func TestFollowByHandleSaysWhatWentWrongInPlainWords(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, b := s.member("alice")
	for _, tt := range []struct{ handle, want string }{
		{"", "Please enter a handle"},
		{"@who@", "Enter a handle as @name@server"},
		{"@nobody@127.0.0.2:8080", "We could not find @nobody@127.0.0.2:8080."},
		{"@alice", "That is you!"},
		{"@sam@far.example", "We could not reach far.example just now."}, // this site has no resolver
	} {
		rec := b.submit("/home", "/follow", url.Values{"handle": {tt.handle}})
		wantStatus(t, "following "+tt.handle, rec, http.StatusUnprocessableEntity)
		wantIn(t, "the home page after following "+tt.handle, rec.Body.String(), tt.want, `id="follow-error"`)
	}
	// A members-only group here is joined from its join page.
	if loc := location(t, b.submit("/home", "/follow", url.Values{"handle": {"@park_slope@127.0.0.2:8080"}})); loc != "/groups/park_slope/join" {
		t.Errorf("following a members-only group sent to %q", loc)
	}
}

func TestNotificationsReadAsSentencesNewestFirst(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	_, bob := s.member("bob")
	_, sam := s.member("sam")
	id := alice.writePost("/home", url.Values{"text": {"Who has a spare car seat?"}, "summary": {"Car seats"}})
	sid := strconv.FormatInt(id, 10)
	location(t, sam.submit("/posts/"+sid, "/posts/"+sid+"/like", url.Values{}))
	location(t, bob.submit("/home", "/follow", url.Values{"handle": {"alice"}}))
	location(t, bob.submit("/home", "/posts", url.Values{"text": {"@alice welcome to the street"}}))

	body := alice.page("/notifications")
	got := order(t, body, ">bob</a> mentioned you", ">bob</a> followed you", ">sam</a> liked your post")
	if !(got[0] < got[1] && got[1] < got[2]) {
		t.Errorf("notifications are not newest first: %v", got)
	}
	wantIn(t, "notifications", body, "Content warning: Car seats", `href="/posts/`+sid+`"`, "welcome to the street")
	wantNotIn(t, "notifications", body, "Who has a spare car seat?") // the warning stands for the post
	wantIn(t, "Alice's home", alice.page("/home"), `href="/notifications"`)
}
