package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const addrHashtags = "127.0.0.251:0"

// Hashtags as a Mastodon client library reads them: a public post's
// #Playground is found in the tag's timeline in any case (any/all/none
// too), its Tag entity counts today's use; following the tag brings its
// public posts to the follower's home timeline, and unfollowing takes
// them away; a members-only group's post never shows; the tag's page
// lists the post for a visitor. Search finds tags, and only the posts
// the searcher may find again. Trends and suggestions come from the
// instance's public groups.
func TestHashtagsAndSearchThroughAMastodonClientLibrary(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrHashtags})
	v.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	alice, bob := v.User("alice"), v.User("bob")
	mc, ctx := mastodonClient(t, bob)
	ac, _ := mastodonClient(t, alice)

	public := must[*mastodon.Status](t, "alice's public post")(ac.PostStatus(ctx, &mastodon.Toot{
		Status: "Meet at the #Playground at four? #rain", Visibility: "public"}))
	must[*mastodon.Status](t, "alice's unlisted post")(ac.PostStatus(ctx, &mastodon.Toot{
		Status: "unlisted #playground", Visibility: "unlisted"}))
	v.Admin("admin", "group", "moderator", "add", "nicu", "alice")
	alice.Post("/api/v1/statuses", url.Values{"status": {"@nicu members only #playground"}, "visibility": {"public"}}, nil)

	ids := func(list []*mastodon.Status) []string {
		var out []string
		for _, s := range list {
			out = append(out, string(s.ID))
		}
		return out
	}
	want := []string{string(public.ID)}
	if got := ids(must[[]*mastodon.Status](t, "the tag's timeline")(mc.GetTimelineHashtag(ctx, "PLAYGROUND", false, nil))); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("#playground's timeline: %v, want only alice's public post %v", got, want)
	}
	if got := ids(must[[]*mastodon.Status](t, "all[]=rain")(mc.GetTimelineHashtagMultiple(ctx, "playground", true,
		&mastodon.TagData{All: []string{"rain"}}, nil))); len(got) != 1 {
		t.Errorf("#playground with all #rain, local: %v", got)
	}
	if got := must[[]*mastodon.Status](t, "none[]=rain")(mc.GetTimelineHashtagMultiple(ctx, "playground", false,
		&mastodon.TagData{None: []string{"rain"}}, nil)); len(got) != 0 {
		t.Errorf("#playground without #rain: %v", ids(got))
	}
	tag := must[*mastodon.FollowedTag](t, "the tag")(mc.TagInfo(ctx, "playground"))
	if tag.Name != "playground" || tag.Following || len(tag.History) != 7 || tag.History[0].Uses != 1 {
		t.Errorf("the Tag entity: %+v", tag)
	}

	home := func() []string {
		return ids(must[[]*mastodon.Status](t, "bob's home")(mc.GetTimelineHome(ctx, nil)))
	}
	if got := home(); len(got) != 0 {
		t.Fatalf("bob's home before following the tag: %v", got)
	}
	if tag = must[*mastodon.FollowedTag](t, "follow")(mc.TagFollow(ctx, "Playground")); !tag.Following {
		t.Errorf("after following: %+v", tag)
	}
	if got := home(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("bob's home after following #playground: %v, want %v", got, want)
	}
	if list := must[[]*mastodon.FollowedTag](t, "followed tags")(mc.TagsFollowed(ctx, nil)); len(list) != 1 || list[0].Name != "playground" {
		t.Errorf("bob's followed tags: %+v", list)
	}
	must[*mastodon.FollowedTag](t, "unfollow")(mc.TagUnfollow(ctx, "playground"))
	if got := home(); len(got) != 0 {
		t.Errorf("bob's home after unfollowing: %v", got)
	}

	// Search: bob finds the tag, but no post of alice's until he liked
	// one, and never the members-only group's; alice finds her group's
	// post by its words; a pasted link finds the post it names.
	found := must[*mastodon.Results](t, "bob searches")(mc.Search(ctx, "playg", false))
	if len(found.Hashtags) != 1 || found.Hashtags[0].Name != "playground" || len(found.Statuses) != 0 {
		t.Errorf("bob's search for playg: %d tags %+v, %d statuses", len(found.Hashtags), found.Hashtags, len(found.Statuses))
	}
	must[*mastodon.Status](t, "bob likes alice's post")(mc.Favourite(ctx, public.ID))
	if found = must[*mastodon.Results](t, "bob searches again")(mc.Search(ctx, "meet four", false)); len(found.Statuses) != 1 ||
		found.Statuses[0].ID != public.ID {
		t.Errorf("bob's search for a post he liked: %v", ids(found.Statuses))
	}
	if found = must[*mastodon.Results](t, "bob searches the group")(mc.Search(ctx, "members", false)); len(found.Statuses) != 0 {
		t.Errorf("bob finds the members-only group's post: %v", ids(found.Statuses))
	}
	if found = must[*mastodon.Results](t, "alice searches her group")(ac.Search(ctx, "members only", false)); len(found.Statuses) != 1 {
		t.Errorf("alice's search of her group's post: %v", ids(found.Statuses))
	}
	if found = must[*mastodon.Results](t, "a pasted link")(mc.Search(ctx, public.URI, true)); len(found.Statuses) != 1 ||
		found.Statuses[0].ID != public.ID {
		t.Errorf("searching the post's own id: %v", ids(found.Statuses))
	}

	// Trends come from the instance's public groups: alice's post into
	// the park group, which bob liked, is trending with its #rain; the
	// group is suggested to bob, who is not in it.
	v.Admin("admin", "group", "create", "park", "--title", "Park parents")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "park").ID+"/follow", nil, &rel)
	var inPark struct{ ID string }
	alice.Post("/api/v1/statuses", url.Values{"status": {"@park who is out in the #rain?"}, "visibility": {"public"}}, &inPark)
	must[*mastodon.Status](t, "bob likes the group post")(mc.Favourite(ctx, mastodon.ID(inPark.ID)))
	trending := must[[]*mastodon.Status](t, "trending statuses")(mc.GetTrendingStatuses(ctx, nil))
	if len(trending) != 1 || string(trending[0].ID) != inPark.ID {
		t.Errorf("trending statuses: %v, want the park group's post", ids(trending))
	}
	var trendTags []struct{ Name string }
	bob.Get("/api/v1/trends/tags", &trendTags)
	if len(trendTags) != 1 || trendTags[0].Name != "rain" {
		t.Errorf("trending tags: %+v, want #rain alone (the other posts are in no group)", trendTags)
	}
	var suggested []struct {
		Source  string
		Account struct{ Acct string }
	}
	bob.Get("/api/v2/suggestions", &suggested)
	if len(suggested) != 1 || suggested[0].Account.Acct != "park" {
		t.Errorf("suggestions for bob: %+v, want the park group", suggested)
	}

	// The web app's search box: a visitor finds the tag; alice finds her
	// group's post, bob does not.
	if page, code := httpGet(t, v, "/search?q=playg"); code != http.StatusOK || !strings.Contains(page, `href="/tags/playground"`) {
		t.Errorf("a visitor's search for playg: %d, no link to the tag", code)
	}
	if _, page := v.SignIn("alice").Get("/search?q=members"); !strings.Contains(page, "members only") {
		t.Error("alice's search does not find her group's post")
	}
	if _, page := v.SignIn("bob").Get("/search?q=members"); strings.Contains(page, "members only") {
		t.Error("bob's search finds the members-only group's post")
	}

	page, code := httpGet(t, v, "/tags/playground")
	if code != http.StatusOK || !strings.Contains(page, "Meet at the") || strings.Contains(page, "members only") || strings.Contains(page, "unlisted") {
		t.Errorf("the tag's page for a visitor: %d", code)
	}
	if _, code := httpGet(t, v, "/tags/not%20a%20tag"); code != http.StatusNotFound {
		t.Errorf("a page of no possible tag: %d, want 404", code)
	}
}
