package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// Several web processes on one database (issue 17): each test here runs
// two web.New handlers on one database, each told of changes by a LISTEN
// of its own as `village serve` wires it, and checks that what one does
// holds in the other.

// twoProcesses are two web processes of one instance, sharing a database
// and (so that the tests can move time) a clock.
func twoProcesses(t *testing.T) (a, b *site) {
	t.Helper()
	pool := testenv.DB(t)
	if err := models.SetSignupMode(context.Background(), pool, models.SignupOpen); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Now()}
	media := t.TempDir() // VILLAGE_MEDIA_DIR, one folder for both
	start := func() *site {
		changes := make(chan struct{}, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(changes)
			models.ListenForChanges(ctx, pool, testenv.Logger(t), func() {
				select {
				case changes <- struct{}{}:
				default:
				}
			})
		}()
		t.Cleanup(func() { cancel(); <-done })
		urls := federation.NewURLs(siteBase)
		e := web.New(web.Options{DB: pool, URLs: urls, Clock: clock.Now, Changes: changes, InboxRate: 60,
			Outbox: outbox.New(pool, urls, nil, nil), MediaDir: media})
		return &site{t: t, e: e, db: pool, clock: clock}
	}
	return start(), start()
}

// through is the browser's next requests answered by process p, as a
// load balancer may send them.
func (b *browser) through(p *site) *browser { b.s = p; return b }

// within polls cond until it holds or a generous deadline passes.
func within(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 5 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionsAndFormTokensWorkWhicheverProcessAnswers(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	a.account("sam", "correct horse battery")
	br := a.browser()
	wantStatus(t, "log in through A", br.logIn("sam", "correct horse battery"), http.StatusSeeOther)
	token := br.csrf("/settings") // a form made by A
	if !br.through(b).signedIn() {
		t.Fatal("the session made by A is not known to B")
	}
	rec := br.post("/settings/profile", url.Values{"display_name": {"Sam B"}, "bio": {""}, "csrf": {token}})
	wantStatus(t, "A's form posted to B", rec, http.StatusSeeOther)
	wantStatus(t, "log out through B", br.submit("/settings", "/logout", url.Values{}), http.StatusSeeOther)
	if br.through(a).signedIn() {
		t.Error("logged out through B, still signed in through A")
	}
}

func TestTheLogInLimitTripsAtTheSameCountWhicheverProcessAnswers(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	a.account("sam", "correct horse battery")
	br := a.browser()
	for i := range 5 { // the per-account limit, half through each process
		p := []*site{a, b}[i%2]
		wantStatus(t, "a wrong password", br.through(p).logIn("sam", "wrong horse"), http.StatusUnauthorized)
	}
	for _, p := range []*site{a, b} {
		rec := br.through(p).logIn("sam", "correct horse battery")
		wantStatus(t, "the right password after five failures", rec, http.StatusTooManyRequests)
		if rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	a.clock.Advance(16 * time.Minute)
	wantStatus(t, "a window later", br.through(b).logIn("sam", "correct horse battery"), http.StatusSeeOther)
}

// What one process keeps in memory (actor documents, domain blocks,
// suspensions) is dropped when another changes it.
func TestChangesMadeThroughOneProcessReachTheOther(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	mod := a.account("mo", "correct horse battery")
	if err := models.SetAccountRole(context.Background(), a.db, mod.ID, models.RoleModerator); err != nil {
		t.Fatal(err)
	}
	a.account("sam", "correct horse battery")
	moB, samB := a.browser(), a.browser()
	samB.addr = "198.51.100.8:41000"
	wantStatus(t, "mo logs in", moB.logIn("mo", "correct horse battery"), http.StatusSeeOther)
	wantStatus(t, "sam logs in", samB.logIn("sam", "correct horse battery"), http.StatusSeeOther)

	t.Run("a profile saved through A shows in B's actor document", func(t *testing.T) {
		if got := b.actorName("/users/sam"); got != "" && got != "sam" {
			t.Fatalf("the name before: %q", got)
		}
		b.actorName("/users/sam") // B serves it from memory now
		wantStatus(t, "profile", samB.through(a).submit("/settings", "/settings/profile",
			url.Values{"display_name": {"Sam from A"}, "bio": {""}}), http.StatusSeeOther)
		within(t, "B's document names Sam from A", func() bool { return b.actorName("/users/sam") == "Sam from A" })
	})

	t.Run("a domain blocked through A is refused by B's inboxes", func(t *testing.T) {
		inboxPost := func() int {
			req := httptest.NewRequest(http.MethodPost, "/inbox", nil)
			req.Header.Set("Content-Type", "application/activity+json")
			req.Header.Set("Signature", `keyId="https://bad.example/users/x#main-key",headers="(request-target)",signature="x"`)
			rec := httptest.NewRecorder()
			b.e.ServeHTTP(rec, req)
			return rec.Code
		}
		if code := inboxPost(); code == http.StatusForbidden {
			t.Fatalf("refused before the block: %d", code)
		}
		wantStatus(t, "block", moB.through(a).submit("/admin/moderation", "/admin/domain_blocks",
			url.Values{"domain": {"bad.example"}, "severity": {"suspend"}}), http.StatusSeeOther)
		within(t, "B refuses bad.example", func() bool { return inboxPost() == http.StatusForbidden })
	})

	t.Run("an account suspended through A is gone from B", func(t *testing.T) {
		status := func() int {
			req := httptest.NewRequest(http.MethodGet, "/users/sam", nil)
			req.Header.Set("Accept", "application/activity+json")
			rec := httptest.NewRecorder()
			b.e.ServeHTTP(rec, req)
			return rec.Code
		}
		if code := status(); code != http.StatusOK {
			t.Fatalf("before: %d", code)
		}
		wantStatus(t, "suspend", moB.through(a).submit("/admin/moderation", "/admin/users/sam/suspend",
			url.Values{"reason": {"spam"}}), http.StatusSeeOther)
		within(t, "B answers 410 for sam", func() bool { return status() == http.StatusGone })
		if samB.through(b).signedIn() {
			t.Error("suspended through A, still signed in through B")
		}
	})
}

// A picture uploaded through one process is served by the other: both
// store in the one media folder.
func TestUploadsAreServedByEveryProcess(t *testing.T) {
	t.Parallel()
	a, b := twoProcesses(t)
	sam := (&avatarSite{site: a}).mediaUser("sam")
	var m mediaJSON
	decodeInto(t, sam.upload(testenv.PhotoWithMetadata(t, 40, 30, 1), nil), &m)
	u, err := url.Parse(m.URL)
	if err != nil || u.Path == "" {
		t.Fatalf("uploaded through A: url %q", m.URL)
	}
	rec := httptest.NewRecorder()
	b.e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.Path, nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/jpeg" || rec.Body.Len() == 0 {
		t.Errorf("GET %s through B: %d %q, %d bytes", u.Path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
}
