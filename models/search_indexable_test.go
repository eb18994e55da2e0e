package models_test

import (
	"context"
	"slices"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// Strangers' posts are found by their words only when their authors opted
// in (indexable), and then only public ones outside members-only groups;
// a post she was mentioned in, even a direct one, is hers to find; min_id and max_id bound
// the ids, as Mastodon's search takes them.
func TestSearchPostsFollowsTheIndexableRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, maria, lou, bea := f.Alice(t), f.Maria(t), f.Lou(t), f.Person(t, "bea")
	closed := f.Group(t, "closedmoms", true)
	f.Follow(t, bea, closed)
	if _, err := f.DB.Exec(ctx, `UPDATE actors SET indexable = true WHERE id = ANY($1)`, []int64{maria.ID, bea.ID}); err != nil {
		t.Fatal(err)
	}
	indexablePublic := said(t, f, maria, models.VisibilityPublicPost, nil, "strollers swap on Saturday")
	indexableUnlisted := said(t, f, maria, models.VisibilityUnlisted, nil, "strollers quietly")
	indexablePrivate := said(t, f, maria, models.VisibilityPrivate, nil, "strollers for followers")
	notIndexable := said(t, f, lou, models.VisibilityPublicPost, nil, "strollers from lou")
	localIndexable := said(t, f, bea, models.VisibilityPublicPost, nil, "strollers from bea")
	membersOnly := said(t, f, bea, models.VisibilityPublicPost, closed, "strollers in the closed group")
	mentioned := said(t, f, lou, models.VisibilityPublicPost, nil, "strollers, @alice?")
	mentionedDirect := said(t, f, lou, models.VisibilityDirect, nil, "strollers, just between us, @alice")
	for _, p := range []int64{mentioned, mentionedDirect} {
		if _, err := f.DB.Exec(ctx, `INSERT INTO notifications (recipient_id, type, from_id, post_id) VALUES ($1, 'mention', $2, $3)`,
			alice.ID, lou.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		viewer *models.Actor
		mod    func(*models.PostSearch)
		want   []int64
	}{
		{name: "indexable public posts and mentions; not unlisted, private, opted out or members-only",
			viewer: alice, want: []int64{mentionedDirect, mentioned, localIndexable, indexablePublic}},
		{name: "a member finds her group's members-only posts", viewer: bea,
			want: []int64{membersOnly, localIndexable, indexablePublic}},
		{name: "min_id bounds from below", viewer: alice, mod: func(s *models.PostSearch) { s.MinID = indexablePublic },
			want: []int64{mentionedDirect, mentioned, localIndexable}},
		{name: "max_id bounds from above", viewer: alice, mod: func(s *models.PostSearch) { s.MaxID = mentioned },
			want: []int64{localIndexable, indexablePublic}},
		{name: "offset skips", viewer: alice, mod: func(s *models.PostSearch) { s.Offset = 2; s.Limit = 1 },
			want: []int64{localIndexable}},
		{name: "account_id", viewer: alice, mod: func(s *models.PostSearch) { s.AccountID = maria.ID },
			want: []int64{indexablePublic}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := models.PostSearch{ViewerID: tt.viewer.ID, Text: "strollers"}
			if tt.mod != nil {
				tt.mod(&s)
			}
			got, err := models.SearchPosts(ctx, f.DB, s)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("found %v, want %v (unlisted %d, private %d, opted out %d)", got, tt.want,
					indexableUnlisted, indexablePrivate, notIndexable)
			}
		})
	}
}

// An actor document's indexable is stored with the remote actor, and a
// local person's choice through ChangeProfile.
func TestIndexableIsKeptForRemoteAndLocalActors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	maria := f.Maria(t)
	maria.Indexable = true
	stored, err := models.UpsertRemoteActor(ctx, f.DB, maria)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Indexable {
		t.Error("a remote actor's indexable was not kept")
	}
	alice := f.Alice(t)
	if alice.Indexable {
		t.Error("a new local person is indexable without asking")
	}
	yes := true
	if err := models.ChangeProfile(ctx, f.DB, alice.ID, models.ProfileChange{Indexable: &yes}); err != nil {
		t.Fatal(err)
	}
	again, err := models.ActorByID(ctx, f.DB, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Indexable {
		t.Error("alice's indexable was not saved")
	}
}
