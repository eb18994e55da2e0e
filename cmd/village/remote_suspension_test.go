package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances of the remote-suspension test, on loopback addresses kept
// for them (ports picked at start).
const (
	addrSuspendA      = "127.0.0.18:0"
	addrSuspendB      = "127.0.0.19:0"
	addrSuspendFedify = "127.0.0.20:0"
)

// An instance moderator suspends one troublesome account of another
// server, not its whole domain: its post in the group is removed for every
// member (the group announces the Delete), its follow of the group ends
// (Reject{Follow}) and so does a follow of it from here (Undo{Follow});
// whatever it sends next is refused, and nobody here can follow it. Lifted,
// it may join again. The command line does the same, and the running
// server heeds it.
func TestSuspendingARemoteAccountShutsItOutAndTakesItsPostsDown(t *testing.T) {
	t.Parallel()
	m := startModeratedGroup(t, addrSuspendA, addrSuspendB, addrSuspendFedify)
	a, f, alice, mia := m.a, m.f, m.alice, m.mia
	testenv.JoinGroup(t, a, mia, "moms")
	leo := testenv.NewRemote(t, "leo") // another remote member: untouched
	testenv.JoinGroup(t, a, leo, "moms")
	pills := testenv.GroupNote(mia, 1, m.groupURL, "cheap pills, message me")
	if code := testenv.PostInto(t, mia, m.groupURL, pills); code != http.StatusAccepted {
		t.Fatalf("mia's post into the group: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "mia's post shared with the Fedify member", func() bool {
		for _, c := range testenv.AnnouncedOfType(f.Received(), m.groupURL, "Create") {
			if testenv.ObjectID(c["object"]) == pills["id"] {
				return true
			}
		}
		return false
	})
	miaOnA := testenv.Resolve(t, alice, "@mia@"+strings.TrimPrefix(strings.TrimPrefix(mia.Server.URL, "http://"), "https://"))
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+miaOnA.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "alice's Follow at mia's server", func() bool { return len(testenv.ReceivedOfType(mia, "Follow")) == 1 })

	a.Admin("admin", "user", "role", "olga", "moderator")
	olga := a.SignIn("olga")
	if _, page := olga.Get("/admin/moderation"); !strings.Contains(page, `action="/admin/remote_suspensions"`) {
		t.Fatalf("the moderation page offers no way to suspend a remote account")
	}
	// A local account or nobody is refused, and nothing is suspended.
	for _, handle := range []string{"@alice@" + a.Addr, "@nobody@" + a.Addr, "not a handle"} {
		if code, _ := olga.Submit("/admin/remote_suspensions", url.Values{"handle": {handle}}); code != http.StatusUnprocessableEntity {
			t.Errorf("suspending %q: %d, want 422", handle, code)
		}
	}
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM remote_suspensions`); n != 0 {
		t.Fatalf("refused forms suspended %d accounts", n)
	}
	// A report about the account offers its suspension on the instance's queue.
	if code := alice.Do(http.MethodPost, "/api/v1/reports", url.Values{"account_id": {miaOnA.ID}, "comment": {"she sells pills"}}, nil); code != http.StatusOK {
		t.Fatalf("alice's report of mia: %d", code)
	}
	if _, page := olga.Get("/admin/reports"); !strings.Contains(page, "she sells pills") ||
		!strings.Contains(page, `action="/admin/remote_suspensions"`) || !strings.Contains(page, `name="handle" value="`+mia.ActorID+`"`) {
		t.Errorf("the report queue does not offer to suspend the reported remote account")
	}
	olga.MustSubmit("/admin/remote_suspensions", url.Values{"handle": {mia.ActorID}, "reason": {"selling pills to parents"}})

	// Its post leaves the group here and at every member.
	if s, _ := find(timeline(t, alice, "/api/v1/accounts/"+m.moms.ID+"/statuses"), "cheap pills"); s != nil {
		t.Errorf("the suspended account's post is still in the group")
	}
	testenv.Eventually(t, 30*time.Second, "the group's Delete at the Fedify member, Reject and Undo{Follow} at mia's server", func() bool {
		removed := false
		for _, del := range testenv.AnnouncedOfType(f.Received(), m.groupURL, "Delete") {
			removed = removed || testenv.ObjectID(del["object"]) == pills["id"]
		}
		rejected := false
		for _, rej := range testenv.ReceivedOfType(mia, "Reject") {
			rejected = rejected || (rej["actor"] == m.groupURL && testenv.ObjectID(rej["object"]) == mia.ActorID+"/follows/moms")
		}
		unfollowed := false
		for _, undo := range testenv.ReceivedOfType(mia, "Undo") {
			unfollowed = unfollowed || (undo["actor"] == a.BaseURL+"/users/alice" && testenv.InnerOf(undo)["type"] == "Follow")
		}
		return removed && rejected && unfollowed
	})
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors x ON x.id = f.follower_id OR x.id = f.followee_id WHERE x.uri = $1`, mia.ActorID); n != 0 {
		t.Errorf("%d follows with mia remain", n)
	}

	// Whatever it sends is refused, a new Follow too; another member is not.
	follow := func(n int) int {
		return mia.Post(a.BaseURL+"/inbox", testenv.Activity(t, map[string]any{"id": mia.ActorID + "/follows/moms/" + strconv.Itoa(n),
			"type": "Follow", "actor": mia.ActorID, "object": m.groupURL}), time.Now())
	}
	if code := follow(2); code != http.StatusForbidden {
		t.Errorf("a suspended account's Follow: %d, want 403", code)
	}
	if code := testenv.PostInto(t, mia, m.groupURL, testenv.GroupNote(mia, 2, m.groupURL, "still here")); code != http.StatusForbidden {
		t.Errorf("a suspended account's post: %d, want 403", code)
	}
	if code := testenv.PostInto(t, leo, m.groupURL, testenv.GroupNote(leo, 1, m.groupURL, "hello from leo")); code != http.StatusAccepted {
		t.Errorf("a post by another account of the same server: %d, want 202", code)
	}
	if code := alice.Do(http.MethodPost, "/api/v1/accounts/"+miaOnA.ID+"/follow", nil, nil); code != http.StatusForbidden {
		t.Errorf("following the suspended account: %d, want 403", code)
	}
	_, page := olga.Get("/admin/moderation")
	for _, want := range []string{"@mia@", "selling pills to parents", "/admin/remote_suspensions/"} {
		if !strings.Contains(page, want) {
			t.Errorf("the moderation page lacks %q", want)
		}
	}

	// Lifted, it may join again.
	miaRow := actorRowID(t, a, mia.ActorID)
	olga.MustSubmit("/admin/remote_suspensions/"+miaRow+"/delete", url.Values{})
	if code, _ := olga.SubmitFrom("/admin/moderation", "/admin/remote_suspensions/"+miaRow+"/delete", url.Values{}); code != http.StatusNotFound {
		t.Errorf("lifting a suspension that is not there: %d, want 404", code)
	}
	accepts := len(testenv.ReceivedOfType(mia, "Accept"))
	if code := follow(3); code != http.StatusAccepted {
		t.Fatalf("mia's Follow after the suspension is lifted: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the group's Accept of mia's new Follow", func() bool { return len(testenv.ReceivedOfType(mia, "Accept")) > accepts })

	// The command line: an unknown account is named, a known one suspended,
	// and the running server refuses it.
	if _, stderr, err := a.Command("admin", "account", "suspend", "@ghost@nowhere.example"); err == nil || !strings.Contains(stderr, "not known here") {
		t.Errorf("suspending an unknown account: %v %q, want an error saying it is not known", err, stderr)
	}
	a.Admin("admin", "account", "suspend", mia.ActorID, "--reason", "again")
	testenv.Eventually(t, 10*time.Second, "the running server refusing mia after the command", func() bool {
		return follow(4) == http.StatusForbidden
	})
	if list := a.Admin("admin", "account", "suspended"); !strings.Contains(list, "@mia@") || !strings.Contains(list, "again") {
		t.Errorf("the list of suspended accounts:\n%s", list)
	}
	if out := a.Admin("admin", "account", "unsuspend", mia.ActorID); !strings.Contains(out, "Lifted the suspension of @mia@") {
		t.Errorf("unsuspend said %q", out)
	}
}
