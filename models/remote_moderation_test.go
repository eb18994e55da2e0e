package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/village-social/village/models"
)

func remoteGroup(t *testing.T, db models.DB) *models.Actor {
	t.Helper()
	g, err := models.UpsertRemoteActor(context.Background(), db, &models.Actor{Type: models.ActorGroup, Username: "club",
		Domain: "other.example", URI: "https://other.example/groups/club", InboxURL: "https://other.example/groups/club/inbox",
		PublicKeyPEM: "key"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// What a remote group's moderators collection says replaces what was
// known: people it no longer lists stop moderating it here.
func TestRemoteModeratorsFollowTheGroupsCollection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, alice, bob := moderationFixture(t)
	club := remoteGroup(t, db)
	listed := func(a *models.Account) bool {
		ok, _, err := models.RemoteModeratorSince(ctx, db, club.ID, a.Actor.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if err := models.ReplaceRemoteModerators(ctx, db, club.ID, []int64{alice.Actor.ID, bob.Actor.ID}); err != nil {
		t.Fatal(err)
	}
	if !listed(alice) || !listed(bob) {
		t.Fatalf("both should moderate the remote group")
	}
	if err := models.ReplaceRemoteModerators(ctx, db, club.ID, []int64{bob.Actor.ID}); err != nil {
		t.Fatal(err)
	}
	if listed(alice) || !listed(bob) {
		t.Errorf("after the collection dropped alice: alice %v, bob %v; want only bob", listed(alice), listed(bob))
	}
	groups, err := models.RemoteGroupsModeratedBy(ctx, db, bob.Actor.ID)
	if err != nil || len(groups) != 1 || groups[0].ID != club.ID {
		t.Errorf("bob's remote groups: %v %v", groups, err)
	}
}

// A join request the group sent is kept once, and answered once.
func TestRemoteJoinRequestIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, alice, _ := moderationFixture(t)
	club := remoteGroup(t, db)
	req := models.RemoteJoinRequest{GroupID: club.ID, RequesterID: alice.Actor.ID, FollowURI: "https://other.example/follows/1"}
	for range 2 {
		if err := models.PutRemoteJoinRequest(ctx, db, req); err != nil {
			t.Fatal(err)
		}
	}
	again := req
	again.FollowURI = "https://other.example/follows/2" // she asked again
	if err := models.PutRemoteJoinRequest(ctx, db, again); err != nil {
		t.Fatal(err)
	}
	pending, err := models.PendingRemoteJoinRequests(ctx, db, club.ID)
	if err != nil || len(pending) != 1 || pending[0].FollowURI != again.FollowURI {
		t.Fatalf("pending: %+v %v, want one request, with the newest Follow", pending, err)
	}
	if _, err := models.DecideRemoteJoinRequest(ctx, db, club.ID, pending[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := models.DecideRemoteJoinRequest(ctx, db, club.ID, pending[0].ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("answering again: %v, want ErrNotFound", err)
	}
	if pending, _ := models.PendingRemoteJoinRequests(ctx, db, club.ID); len(pending) != 0 {
		t.Errorf("an answered request is still pending")
	}
}
