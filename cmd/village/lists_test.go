package main

import (
	"net/http"
	"net/url"
	"testing"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const addrLists = "127.0.0.252:0"

// Lists as a Mastodon client library uses them: bob lists alice (whom he
// follows; dave, whom he does not, is refused), reads her posts in the
// list, and, the list being exclusive, no longer at home, where carol's
// still are; a reply to someone off the list shows as the replies policy
// says; his lists are his alone.
func TestListsThroughAMastodonClientLibrary(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrLists})
	alice, bob, carol, dave := v.User("alice"), v.User("bob"), v.User("carol"), v.User("dave")
	mc, ctx := mastodonClient(t, bob)
	var rel testenv.Relationship
	for _, name := range []string{"alice", "carol"} {
		bob.Post("/api/v1/accounts/"+testenv.Lookup(t, bob, name).ID+"/follow", nil, &rel)
	}
	aliceID, daveID := mastodon.ID(testenv.Lookup(t, bob, "alice").ID), mastodon.ID(testenv.Lookup(t, bob, "dave").ID)

	list := must[*mastodon.List](t, "create")(mc.CreateList(ctx, "School run"))
	if err := mc.AddToList(ctx, list.ID, daveID); err == nil {
		t.Error("dave, whom bob does not follow, was added")
	}
	if err := mc.AddToList(ctx, list.ID, aliceID); err != nil {
		t.Fatalf("adding alice: %v", err)
	}
	bob.Do(http.MethodPut, "/api/v1/lists/"+string(list.ID), url.Values{"exclusive": {"true"}, "replies_policy": {"list"}}, nil)

	var posted struct{ ID string }
	alice.Post("/api/v1/statuses", url.Values{"status": {"Pick-up at 3 today"}, "visibility": {"public"}}, &posted)
	var carols struct{ ID string }
	carol.Post("/api/v1/statuses", url.Values{"status": {"Anyone for the park?"}, "visibility": {"public"}}, &carols)
	var reply struct{ ID string }
	alice.Post("/api/v1/statuses", url.Values{"status": {"@carol me!"}, "in_reply_to_id": {carols.ID}}, &reply)

	ids := func(list []*mastodon.Status) map[string]bool {
		out := map[string]bool{}
		for _, s := range list {
			out[string(s.ID)] = true
		}
		return out
	}
	inList := ids(must[[]*mastodon.Status](t, "the list's timeline")(mc.GetTimelineList(ctx, list.ID, nil)))
	if !inList[posted.ID] || inList[carols.ID] || inList[reply.ID] {
		t.Errorf("the list's timeline: %v; want alice's post, not carol's nor alice's reply to carol (policy list)", inList)
	}
	bob.Do(http.MethodPut, "/api/v1/lists/"+string(list.ID), url.Values{"replies_policy": {"followed"}}, nil)
	if inList = ids(must[[]*mastodon.Status](t, "the list again")(mc.GetTimelineList(ctx, list.ID, nil))); !inList[reply.ID] {
		t.Errorf("with replies to people bob follows, the reply to carol is missing: %v", inList)
	}
	home := ids(must[[]*mastodon.Status](t, "bob's home")(mc.GetTimelineHome(ctx, nil)))
	if home[posted.ID] || !home[carols.ID] {
		t.Errorf("bob's home with alice on an exclusive list: %v; want carol's post and not alice's", home)
	}
	if got := must[[]*mastodon.List](t, "alice's lists")(mc.GetAccountLists(ctx, aliceID)); len(got) != 1 || got[0].Title != "School run" {
		t.Errorf("the lists holding alice: %+v", got)
	}
	if members := must[[]*mastodon.Account](t, "members")(mc.GetListAccounts(ctx, list.ID)); len(members) != 1 || members[0].ID != aliceID {
		t.Errorf("the list's accounts: %+v", members)
	}
	if code := dave.Do(http.MethodGet, "/api/v1/timelines/list/"+string(list.ID), nil, nil); code != http.StatusNotFound {
		t.Errorf("dave reading bob's list: %d, want 404", code)
	}
	if err := mc.RemoveFromList(ctx, list.ID, aliceID); err != nil {
		t.Fatal(err)
	}
	if members := must[[]*mastodon.Account](t, "members after removal")(mc.GetListAccounts(ctx, list.ID)); len(members) != 0 {
		t.Errorf("after removing alice: %d accounts", len(members))
	}
	if home = ids(must[[]*mastodon.Status](t, "bob's home again")(mc.GetTimelineHome(ctx, nil))); !home[posted.ID] {
		t.Error("alice, off the exclusive list, is not back at home")
	}
	if err := mc.DeleteList(ctx, list.ID); err != nil {
		t.Fatal(err)
	}
	if got := must[[]*mastodon.List](t, "lists")(mc.GetLists(ctx)); len(got) != 0 {
		t.Errorf("lists after deleting: %+v", got)
	}
}
