package models_test

import (
	"context"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestServedURLIsRecordedForCommandsRunByHand(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	if url, err := models.ServedURL(ctx, db); err != nil || url != "" {
		t.Fatalf("before any server ran: %q, %v; want empty", url, err)
	}
	for _, step := range []struct{ url, before string }{
		{"http://localhost:8080", ""},
		{"http://localhost:8080", "http://localhost:8080"},
		{"https://village.example", "http://localhost:8080"},
	} {
		before, err := models.RecordServedURL(ctx, db, step.url)
		if err != nil || before != step.before {
			t.Errorf("RecordServedURL(%s) = %q, %v; want the one before, %q", step.url, before, err, step.before)
		}
		if url, err := models.ServedURL(ctx, db); err != nil || url != step.url {
			t.Errorf("ServedURL after recording %s: %q, %v", step.url, url, err)
		}
	}
}

func TestLocalAndRemoteFollowersAreToldApart(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "park", Title: "Park"})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	leo, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: "leo", Domain: "elsewhere.example",
		URI: "https://elsewhere.example/users/leo", InboxURL: "https://elsewhere.example/users/leo/inbox", PublicKeyPEM: "k"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantLocal, wantRemote bool) {
		t.Helper()
		local, err := models.HasLocalFollower(ctx, db, g.Actor.ID)
		if err != nil || local != wantLocal {
			t.Errorf("%s: HasLocalFollower = %v, %v; want %v", when, local, err, wantLocal)
		}
		remote, err := models.HasRemoteFollower(ctx, db, g.Actor.ID)
		if err != nil || remote != wantRemote {
			t.Errorf("%s: HasRemoteFollower = %v, %v; want %v", when, remote, err, wantRemote)
		}
	}
	check("no followers", false, false)
	if _, err := models.PutFollow(ctx, db, leo.ID, g.Actor.ID, "https://elsewhere.example/f/1", models.FollowPending); err != nil {
		t.Fatal(err)
	}
	check("a remote follower waiting", false, false)
	if _, err := models.PutFollow(ctx, db, leo.ID, g.Actor.ID, "https://elsewhere.example/f/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	check("a remote follower", false, true)
	if _, err := models.PutFollow(ctx, db, alice.Actor.ID, g.Actor.ID, "", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	check("and a local one", true, true)
}
