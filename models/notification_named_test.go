package models_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// NotifyNamed tells the local people a post names, as Notify would tell
// each: nobody who blocks or mutes the sender, who muted the thread, or who
// does not follow a sender from a silenced server; no group, no stranger.
func TestNotifyNamedTellsWhomNotifyWouldTell(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	people := map[string]int64{}
	for _, name := range []string{"alice", "bo", "cy", "di", "ed"} {
		acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: name, Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		people[name] = acc.Actor.ID
	}
	if _, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "parents", Title: "Parents"}); err != nil {
		t.Fatal(err)
	}
	remote := func(name, domain string) *models.Actor {
		uri := fmt.Sprintf("https://%s/users/%s", domain, name)
		a, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: name, Domain: domain,
			URI: uri, InboxURL: uri + "/inbox", PublicKeyID: uri + "#main-key", PublicKeyPEM: "key"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	bea, quiet := remote("bea", "example.org"), remote("sam", "quiet.example")
	if _, err := models.PutBlock(ctx, db, people["bo"], bea.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := models.PutMute(ctx, db, people["cy"], bea.ID); err != nil {
		t.Fatal(err)
	}
	post := func(author *models.Actor, uri string, parent *int64) *models.Post {
		p := &models.Post{URI: uri, AuthorID: author.ID, InReplyToID: parent, Type: "Note", Visibility: "public"}
		if _, err := models.InsertPost(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	top := post(bea, "https://example.org/p/1", nil)
	if err := models.MuteConversation(ctx, db, people["di"], top.ID); err != nil {
		t.Fatal(err)
	}
	reply := post(bea, "https://example.org/p/2", &top.ID)
	named := []string{"alice", "bo", "cy", "di", "parents", "nobody"}
	if err := models.NotifyNamed(ctx, db, named, models.NotifyMention, bea.ID, &reply.ID); err != nil {
		t.Fatal(err)
	}
	// A silenced server's sender reaches only the people who follow him.
	if _, err := models.PutDomainBlock(ctx, db, models.DomainBlock{Domain: "quiet.example", Severity: models.BlockSilence}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := models.PutFollow(ctx, db, people["ed"], quiet.ID, "https://village.example/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	hushed := post(quiet, "https://quiet.example/p/1", nil)
	if err := models.NotifyNamed(ctx, db, []string{"alice", "ed"}, models.NotifyMention, quiet.ID, &hushed.ID); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"alice": 1, "bo": 0, "cy": 0, "di": 0, "ed": 1}
	for name, n := range want {
		got, err := models.Notifications(ctx, db, people[name], nil, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Errorf("%s has %d notifications, want %d", name, len(got), n)
		}
	}
	// Told twice, told once.
	if err := models.NotifyNamed(ctx, db, []string{"alice"}, models.NotifyMention, bea.ID, &reply.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := models.Notifications(ctx, db, people["alice"], nil, models.Page{}); err != nil || len(got) != 1 {
		t.Fatalf("alice has %d notifications after a repeat, want 1 (%v)", len(got), err)
	}
}
