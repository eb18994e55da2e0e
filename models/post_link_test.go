package models_test

import (
	"context"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// A reply can arrive before the post it answers; once that post is stored,
// the reply finds it, and a post stored a second time changes nothing.
func TestInsertPostLinksRepliesThatArrivedFirst(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	author, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: "bea",
		Domain: "example.org", URI: "https://example.org/users/bea", InboxURL: "https://example.org/users/bea/inbox", PublicKeyID: "https://example.org/users/bea#main-key", PublicKeyPEM: "x"})
	if err != nil {
		t.Fatal(err)
	}
	parentURI := "https://example.org/users/bea/statuses/1"
	reply := &models.Post{URI: parentURI + "/reply", AuthorID: author.ID, InReplyToURI: parentURI, Type: "Note",
		Content: "<p>me too</p>", Visibility: "public"}
	if fresh, err := models.InsertPost(ctx, db, reply); err != nil || !fresh || reply.InReplyToID != nil {
		t.Fatalf("the early reply: fresh %v, parent %v (%v)", fresh, reply.InReplyToID, err)
	}
	parent := &models.Post{URI: parentURI, AuthorID: author.ID, Type: "Note", Content: "<p>who else?</p>", Visibility: "public"}
	if fresh, err := models.InsertPost(ctx, db, parent); err != nil || !fresh {
		t.Fatalf("the parent: fresh %v (%v)", fresh, err)
	}
	stored, err := models.PostByURI(ctx, db, reply.URI)
	if err != nil {
		t.Fatal(err)
	}
	if stored.InReplyToID == nil || *stored.InReplyToID != parent.ID {
		t.Fatalf("the reply answers %v, want the parent %d", stored.InReplyToID, parent.ID)
	}
	again := &models.Post{URI: parentURI, AuthorID: author.ID, Type: "Note", Content: "<p>again</p>", Visibility: "public"}
	if fresh, err := models.InsertPost(ctx, db, again); err != nil || fresh {
		t.Fatalf("the parent stored twice: fresh %v (%v)", fresh, err)
	}
	if _, err := models.PostByURI(ctx, db, parentURI); err != nil {
		t.Fatal(err)
	}
	late := &models.Post{URI: parentURI + "/late", AuthorID: author.ID, InReplyToURI: parentURI, Type: "Note",
		Content: "<p>late</p>", Visibility: "public"}
	if _, err := models.InsertPost(ctx, db, late); err != nil || late.InReplyToID == nil || *late.InReplyToID != parent.ID {
		t.Fatalf("a reply after its parent answers %v, want %d (%v)", late.InReplyToID, parent.ID, err)
	}
}
