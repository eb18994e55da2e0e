package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances of the group test, on addresses no other test uses (ports
// picked at start).
const (
	addrGroupsA = "127.0.0.58:0"
	addrGroupsB = "127.0.0.59:0"
)

// find returns the status (or the status a boost carries) whose text contains text.
func find(list []testenv.Status, text string) (s *testenv.Status, boostedBy string) {
	for _, st := range list {
		if st.Reblog != nil && strings.Contains(st.Reblog.Content, text) {
			r := *st.Reblog
			return &r, st.Account.Acct
		}
		if strings.Contains(st.Content, text) {
			st := st
			return &st, ""
		}
	}
	return nil, ""
}

func timeline(t *testing.T, c *testenv.Client, path string) []testenv.Status {
	t.Helper()
	var list []testenv.Status
	c.Get(path, &list)
	return list
}

func TestGroupSharesAMembersPostWithEveryMember(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrGroupsA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrGroupsB})
	b.Admin("admin", "group", "create", "brooklyn_moms", "--title", "Brooklyn Moms")
	bob := b.User("bob")
	alice, carol, dave := a.User("alice"), a.User("carol"), a.User("dave")
	groupOnB := testenv.Lookup(t, bob, "brooklyn_moms")
	var rel testenv.Relationship
	bob.Post("/api/v1/accounts/"+groupOnB.ID+"/follow", nil, &rel)
	group := testenv.Resolve(t, alice, "@brooklyn_moms@"+b.Addr)
	for _, c := range []*testenv.Client{alice, carol} {
		c.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	}
	testenv.Eventually(t, 30*time.Second, "alice and carol in the group", func() bool {
		return testenv.RelationshipOf(t, alice, group.ID).Following && testenv.RelationshipOf(t, carol, group.ID).Following
	})

	// Alice, on A, asks the group.
	question := testenv.PostStatus(t, alice, url.Values{"status": {"@brooklyn_moms@" + b.Addr + " anyone know a pediatrician near Prospect Park?"},
		"spoiler_text": {"kids' health"}})
	if question.Group == nil || question.Group.Acct != "brooklyn_moms@"+b.Addr {
		t.Fatalf("the post is not in the group: %+v", question.Group)
	}
	if !strings.Contains(question.Content, `class="u-url mention"`) {
		t.Errorf("the mention is not linked: %s", question.Content)
	}

	// B stores it in the group; bob (local member) sees the group's share.
	var onB *testenv.Status
	testenv.Eventually(t, 30*time.Second, "the post in the group on B", func() bool {
		onB, _ = find(timeline(t, bob, "/api/v1/accounts/"+groupOnB.ID+"/statuses"), "pediatrician")
		return onB != nil
	})
	if onB.SpoilerText != "kids' health" || onB.Account.Acct != "alice@"+a.Addr {
		t.Errorf("post on B: %+v", onB)
	}
	if s, by := find(timeline(t, bob, "/api/v1/timelines/home"), "pediatrician"); s == nil || by != "brooklyn_moms" {
		t.Errorf("bob's home timeline: found %v, shared by %q; want the group's share", s != nil, by)
	}
	// Carol, on A, who does not follow alice, sees it shared by the group.
	testenv.Eventually(t, 30*time.Second, "the group's share in carol's home timeline", func() bool {
		s, by := find(timeline(t, carol, "/api/v1/timelines/home"), "pediatrician")
		return s != nil && by == "brooklyn_moms@"+b.Addr
	})

	// Public timelines: the local one on A has alice's post; B's federated one too.
	if s, _ := find(timeline(t, carol, "/api/v1/timelines/public?local=true"), "pediatrician"); s == nil {
		t.Errorf("alice's public post is not in A's local timeline")
	}
	if s, _ := find(timeline(t, bob, "/api/v1/timelines/public?local=true"), "pediatrician"); s != nil {
		t.Errorf("a remote post is in B's local timeline")
	}
	if s, _ := find(timeline(t, bob, "/api/v1/timelines/public"), "pediatrician"); s == nil {
		t.Errorf("the remote post is not in B's federated timeline")
	}

	// Bob answers in the thread; alice sees the reply under her post.
	testenv.PostStatus(t, bob, url.Values{"status": {"Dr. Rivera on 7th Ave is lovely"}, "in_reply_to_id": {onB.ID}})
	testenv.Eventually(t, 30*time.Second, "bob's reply in alice's thread", func() bool {
		var ctx struct {
			Descendants []testenv.Status `json:"descendants"`
		}
		alice.Get("/api/v1/statuses/"+question.ID+"/context", &ctx)
		s, _ := find(ctx.Descendants, "Dr. Rivera")
		return s != nil && s.Account.Acct == "bob@"+b.Addr
	})

	// Carol likes it; the like reaches the group's server.
	carolsCopy, _ := find(timeline(t, carol, "/api/v1/timelines/home"), "pediatrician")
	carol.Post("/api/v1/statuses/"+carolsCopy.ID+"/favourite", nil, nil)
	testenv.Eventually(t, 30*time.Second, "carol's like on B", func() bool {
		var s testenv.Status
		bob.Get("/api/v1/statuses/"+onB.ID, &s)
		return s.FavouritesCount == 1
	})

	// Alice was told of bob's reply and carol's like.
	var ns []notification
	defer func() {
		if t.Failed() {
			t.Logf("alice's notifications: %+v", ns)
		}
	}()
	testenv.Eventually(t, 30*time.Second, "alice's notifications", func() bool {
		alice.Get("/api/v1/notifications", &ns)
		return hasNotification(ns, "mention", "bob@"+b.Addr) && hasNotification(ns, "favourite", "carol")
	})

	// Alice edits: the new text shows everywhere.
	var edited testenv.Status
	if code := alice.Do("PUT", "/api/v1/statuses/"+question.ID, url.Values{"status": {"@brooklyn_moms@" + b.Addr +
		" anyone know a pediatrician near Prospect Park? (Spanish-speaking ideally)"}}, &edited); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the edit on B", func() bool {
		var s testenv.Status
		bob.Get("/api/v1/statuses/"+onB.ID, &s)
		return strings.Contains(s.Content, "Spanish-speaking")
	})

	// Dave is not a member: his post into the group is refused by B.
	testenv.PostStatus(t, dave, url.Values{"status": {"@brooklyn_moms@" + b.Addr + " buy cheap watches"}})
	time.Sleep(2 * time.Second)
	if s, _ := find(timeline(t, bob, "/api/v1/accounts/"+groupOnB.ID+"/statuses"), "cheap watches"); s != nil {
		t.Errorf("a non-member's post reached the group")
	}
	if s, _ := find(timeline(t, carol, "/api/v1/timelines/home"), "cheap watches"); s != nil {
		t.Errorf("a non-member's post was shared to the members")
	}
	// The log comes through a pipe from the server's process: it may lag the answer.
	testenv.Eventually(t, 10*time.Second, "the refusal of dave's post in B's log", func() bool {
		return strings.Contains(b.Log(), "is not a member of")
	})

	// Alice deletes: the post is gone on B too.
	if code := alice.Do("DELETE", "/api/v1/statuses/"+question.ID, nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the delete on B", func() bool {
		return bob.Do("GET", "/api/v1/statuses/"+onB.ID, nil, nil) == 404
	})
	testenv.Eventually(t, 30*time.Second, "the post gone from carol's home", func() bool {
		s, _ := find(timeline(t, carol, "/api/v1/timelines/home"), "pediatrician")
		return s == nil
	})
	if code := testenv.GetActivity(t, question.URI, nil); code != 410 {
		t.Errorf("deleted post's id answers %d, want 410", code)
	}
}

type notification struct {
	Type    string           `json:"type"`
	Account testenv.Account  `json:"account"`
	Status  *testenv.Status  `json:"status"`
	Group   *testenv.Account `json:"group"`
}

func hasNotification(ns []notification, typ, from string) bool {
	for _, n := range ns {
		if n.Type == typ && n.Account.Acct == from {
			return true
		}
	}
	return false
}
