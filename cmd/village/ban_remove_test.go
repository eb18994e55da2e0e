package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances of the ban-with-removal test, on loopback addresses kept
// for them (ports picked at start).
const (
	addrBanRemoveA      = "127.0.0.15:0"
	addrBanRemoveB      = "127.0.0.16:0"
	addrBanRemoveFedify = "127.0.0.17:0"
)

// A moderator who bans a troll can take down everything the troll wrote in
// the group at once: the group announces Block{removeData: true} and a
// Delete of each of the member's posts, so the posts leave the group here,
// on the member's own Village, and at every other member; other members'
// posts stay. A ban without it leaves the posts up.
func TestABanCanTakeTheMembersPostsDownWithIt(t *testing.T) {
	t.Parallel()
	m := startModeratedGroup(t, addrBanRemoveA, addrBanRemoveB, addrBanRemoveFedify)
	a, f, alice, bob := m.a, m.f, m.alice, m.bob
	groupStatuses := func(c *testenv.Client, group testenv.Account) []testenv.Status {
		return timeline(t, c, "/api/v1/accounts/"+group.ID+"/statuses")
	}
	bobsFirst := testenv.PostStatus(t, bob, url.Values{"status": {m.groupHandle + " your kids are a disgrace"}})
	bobsSecond := testenv.PostStatus(t, bob, url.Values{"status": {m.groupHandle + " and so are you all"}})
	testenv.PostStatus(t, alice, url.Values{"status": {"@moms playground clean-up on Saturday"}})
	testenv.Eventually(t, 30*time.Second, "all three posts in the group on A and on B", func() bool {
		onA, onB := groupStatuses(alice, m.moms), groupStatuses(bob, m.momsOnB)
		for _, text := range []string{"disgrace", "so are you all", "clean-up"} {
			if s, _ := find(onA, text); s == nil {
				return false
			}
			if s, _ := find(onB, text); s == nil {
				return false
			}
		}
		return true
	})

	olga := a.SignIn("olga")
	if _, page := olga.Get("/groups/moms/manage"); !strings.Contains(page, `name="remove_posts"`) {
		t.Errorf("the ban form does not offer to remove the member's posts")
	}
	// A ban alone leaves what the member wrote.
	olga.MustSubmit("/groups/moms/bans", url.Values{"handle": {"@bob@" + m.b.Addr}, "reason": {"insults"}})
	time.Sleep(time.Second)
	if s, _ := find(groupStatuses(alice, m.moms), "disgrace"); s == nil {
		t.Fatalf("a ban without removal took the member's post down")
	}
	olga.MustSubmit("/groups/moms/unban", url.Values{"actor": {actorRowID(t, a, m.b.BaseURL+"/users/bob")}})

	olga.MustSubmit("/groups/moms/bans", url.Values{"handle": {"@bob@" + m.b.Addr}, "reason": {"insults"}, "remove_posts": {"1"}})
	for _, text := range []string{"disgrace", "so are you all"} {
		if s, _ := find(groupStatuses(alice, m.moms), text); s != nil {
			t.Errorf("%q is still in the group on A after the ban that removes posts", text)
		}
	}
	if s, _ := find(groupStatuses(alice, m.moms), "clean-up"); s == nil {
		t.Errorf("alice's post went with bob's")
	}
	testenv.Eventually(t, 30*time.Second, "Block{removeData} and a Delete per post at the Fedify member, the posts gone on B", func() bool {
		removeData := false
		for _, block := range testenv.AnnouncedOfType(f.Received(), m.groupURL, "Block") {
			removeData = removeData || block["removeData"] == true
		}
		deleted := map[string]bool{}
		for _, del := range testenv.AnnouncedOfType(f.Received(), m.groupURL, "Delete") {
			deleted[testenv.ObjectID(del["object"])] = true
		}
		onB := groupStatuses(bob, m.momsOnB)
		first, _ := find(onB, "disgrace")
		second, _ := find(onB, "so are you all")
		return removeData && deleted[bobsFirst.URI] && deleted[bobsSecond.URI] && len(deleted) == 2 && first == nil && second == nil
	})
	if _, log := olga.Get("/groups/moms/log"); strings.Count(log, "removed a post") != 2 {
		t.Errorf("the audit log shows %d removals, want one per post", strings.Count(log, "removed a post"))
	}
}

// actorRowID is the row id on v of the actor at uri, as the unban form takes it.
func actorRowID(t *testing.T, v *testenv.Village, uri string) string {
	t.Helper()
	var id int64
	testenv.QueryOne(t, v, &id, `SELECT id FROM actors WHERE uri = $1`, uri)
	return strconv.FormatInt(id, 10)
}
