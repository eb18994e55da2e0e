package models_test

import (
	"context"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// Which servers may fetch a members-only group's posts: those with an
// accepted member or a moderator, never those of people still waiting.
func TestHasMemberOnCountsOnlyApprovedMembersAndModerators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "nicu", Title: "NICU", MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	open, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "park", Title: "Park"})
	if err != nil {
		t.Fatal(err)
	}
	remote := func(name, domain string) *models.Actor {
		a, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: name, Domain: domain,
			URI: "https://" + domain + "/users/" + name, InboxURL: "https://" + domain + "/users/" + name + "/inbox", PublicKeyPEM: "k"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	member, waiting, mod := remote("mia", "member.example"), remote("wes", "waiting.example"), remote("mo", "mods.example")
	if _, err := models.PutFollow(ctx, db, member.ID, g.Actor.ID, "https://member.example/f/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	if _, err := models.PutFollow(ctx, db, waiting.ID, g.Actor.ID, "https://waiting.example/f/1", models.FollowPending); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO group_moderators (group_id, actor_id) VALUES ($1, $2)`, g.Actor.ID, mod.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		domain string
		want   bool
	}{{"member.example", true}, {"mods.example", true}, {"waiting.example", false}, {"stranger.example", false}, {"", false}} {
		got, err := models.HasMemberOn(ctx, db, g.Actor.ID, c.domain)
		if err != nil || got != c.want {
			t.Errorf("HasMemberOn(%q) = %v, %v; want %v", c.domain, got, err, c.want)
		}
	}
	for _, c := range []struct {
		id   int64
		want bool
	}{{g.Actor.ID, true}, {open.Actor.ID, false}, {member.ID, false}} {
		if got, err := models.GroupIsMembersOnly(ctx, db, c.id); err != nil || got != c.want {
			t.Errorf("GroupIsMembersOnly(%d) = %v, %v; want %v", c.id, got, err, c.want)
		}
	}
}

// A group's relay copy of a member's post is found from the post, and
// shows in no timeline: the member's post (shared by the group) is what
// members see. Posts into a members-only group stay out of public
// timelines even when stored public (written before the group closed).
func TestRelayNotesAndMembersOnlyPostsStayOutOfTimelines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "nicu", Title: "NICU", MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PutFollow(ctx, db, alice.Actor.ID, g.Actor.ID, "https://here.example/f/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	orig := &models.Post{URI: "https://here.example/users/alice/statuses/1", AuthorID: alice.Actor.ID, GroupID: &g.Actor.ID,
		Type: "Note", Content: "<p>old, public</p>", Visibility: models.VisibilityPublicPost, Local: true}
	if _, err := models.InsertPost(ctx, db, orig); err != nil {
		t.Fatal(err)
	}
	if _, err := models.RelayOf(ctx, db, orig.ID); err != models.ErrNotFound {
		t.Errorf("RelayOf before any relay: %v, want ErrNotFound", err)
	}
	relay := &models.Post{URI: "https://here.example/groups/nicu/statuses/2", AuthorID: g.Actor.ID, GroupID: &g.Actor.ID,
		RelayOfID: &orig.ID, Type: "Note", Content: "<p>From alice:</p><p>old, public</p>", Visibility: models.VisibilityPrivate, Local: true}
	if _, err := models.InsertPost(ctx, db, relay); err != nil {
		t.Fatal(err)
	}
	if got, err := models.RelayOf(ctx, db, orig.ID); err != nil || got.ID != relay.ID {
		t.Fatalf("RelayOf = %+v, %v; want the relay %d", got, err, relay.ID)
	}
	ids := func(es []models.Entry, err error) map[int64]bool {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		m := map[int64]bool{}
		for _, e := range es {
			m[e.PostID] = true
		}
		return m
	}
	page := models.Page{Limit: 40}
	if home := ids(models.HomeTimeline(ctx, db, alice.Actor.ID, page)); home[relay.ID] || !home[orig.ID] {
		t.Errorf("alice's home timeline: %v; want her post, not the relay", home)
	}
	if group := ids(models.MembersGroupTimeline(ctx, db, g.Actor.ID, page)); group[relay.ID] || !group[orig.ID] {
		t.Errorf("the group as its members see it: %v; want the post, not the relay", group)
	}
	if public := ids(models.PublicTimeline(ctx, db, false, page)); public[orig.ID] || public[relay.ID] {
		t.Errorf("the public timeline shows a members-only group's post: %v", public)
	}
	if profile := ids(models.ActorTimeline(ctx, db, alice.Actor.ID, page)); profile[orig.ID] {
		t.Errorf("alice's public profile shows her members-only post: %v", profile)
	}

	// Her outbox lists her public activities, but none about the members-only post.
	elsewhere := &models.Post{URI: "https://here.example/users/alice/statuses/3", AuthorID: alice.Actor.ID,
		Type: "Note", Content: "<p>hello world</p>", Visibility: models.VisibilityPublicPost, Local: true}
	if _, err := models.InsertPost(ctx, db, elsewhere); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*models.Post{orig, elsewhere} {
		if err := models.InsertActivity(ctx, db, &models.Activity{URI: p.URI + "/activity", ActorID: alice.Actor.ID, Type: "Create",
			ObjectURI: p.URI, Public: true, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	acts, err := models.PublicActivities(ctx, db, alice.Actor.ID, page)
	if err != nil {
		t.Fatal(err)
	}
	n, err := models.CountPublicActivities(ctx, db, alice.Actor.ID)
	if err != nil || n != 1 || len(acts) != 1 || acts[0].ObjectURI != elsewhere.URI {
		t.Errorf("alice's outbox: %d activities (count %d, %v), want only the one about her public post", len(acts), n, err)
	}
}
