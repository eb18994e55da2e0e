package inbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// note is a public Note by author on its server, answering parent when given.
func note(author *models.Actor, id, text, parent string) map[string]any {
	n := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Note",
		"attributedTo": author.URI, "content": "<p>" + text + "</p>", "published": "2026-05-01T10:00:00Z",
		"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{author.FollowersURL}}
	if parent != "" {
		n["inReplyTo"] = parent
	}
	return n
}

// A pasted address brings in its post, with the missing post above it,
// once: asking again fetches nothing. What is no post, what its server
// does not answer, and what a suspended account or domain wrote are
// refused, and nothing of them is stored.
func TestFetchPostKeepsPastedPostsAndRefusesTheRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	masto, lemmy := e.Mastodon(t), e.Lemmy(t)
	maria, lou := e.Maria(t), e.Lou(t)
	parent, reply := maria.URI+"/statuses/1", maria.URI+"/statuses/2"
	masto.Serve("/users/maria/statuses/1", note(maria, parent, "Where is the nearest splash pad?", ""))
	masto.Serve("/users/maria/statuses/2", note(maria, reply, "Found one by the library", parent))
	masto.Serve("/users/maria/events/3", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": maria.URI + "/events/3", "type": "Event", "attributedTo": maria.URI, "name": "Picnic"})
	louNote := lou.URI + "/post/9"
	lemmy.Serve("/u/lou/post/9", note(lou, louNote, "Suspended words", ""))

	got, err := e.inbox.FetchPost(ctx, reply)
	if err != nil {
		t.Fatal(err)
	}
	if got.URI != reply || got.InReplyToID == nil || got.Local {
		t.Fatalf("the pasted reply: %+v", got)
	}
	if up, err := models.PostByURI(ctx, e.DB, parent); err != nil || *got.InReplyToID != up.ID {
		t.Fatalf("its parent was not kept with it: %v", err)
	}
	fetches := len(masto.Fetched())
	again, err := e.inbox.FetchPost(ctx, reply)
	if err != nil || again.ID != got.ID || len(masto.Fetched()) != fetches {
		t.Errorf("pasting again: %v, id %d (want %d), %d fetches more", err, again.ID, got.ID, len(masto.Fetched())-fetches)
	}

	if _, err := models.SuspendRemote(ctx, e.DB, lou.ID, nil, "spam"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, address string
	}{
		{"an actor is no post", maria.URI},
		{"a meetup is not taken from a pasted link", maria.URI + "/events/3"},
		{"what the server does not answer", maria.URI + "/statuses/404"},
		{"a suspended account's post", louNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.inbox.FetchPost(ctx, tt.address); !errors.Is(err, inbox.ErrNoSuchPost) || !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNoSuchPost", err)
			}
			if _, err := models.PostByURI(ctx, e.DB, tt.address); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s was stored", tt.address)
			}
		})
	}

	t.Run("a suspended domain is not even asked", func(t *testing.T) {
		other := e.NewServer(t, testenv.SmallShape)
		if _, err := models.PutDomainBlock(ctx, e.DB, models.DomainBlock{Domain: "127.0.0.1", Severity: models.BlockSuspend}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.inbox.FetchPost(ctx, other.URL+"/users/zed/statuses/1"); !errors.Is(err, inbox.ErrNoSuchPost) {
			t.Fatalf("err = %v, want ErrNoSuchPost", err)
		}
		if got := other.Fetched(); len(got) != 0 {
			t.Errorf("the suspended domain was asked for %v", got)
		}
	})
}
