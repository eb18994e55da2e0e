package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// TestAMembersOnlyGroupsPollReachesMastodonMembersAndTheirVotesCount: a
// poll posted into a members-only group reaches its Mastodon-family
// members as the group's followers-only copy, a Question with the
// poll's options (outbox/relay.go); a member's vote, sent to the copy's
// author (the group) in reply to the copy, counts in the poll, and the
// new count goes back in the copy; a non-member's is refused.
func TestAMembersOnlyGroupsPollReachesMastodonMembersAndTheirVotesCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	nicu, alice, maria := e.NICUParents(t), e.Alice(t), e.Maria(t)
	e.Follow(t, alice, nicu)
	e.Follow(t, maria, nicu)

	groupURI := e.URLs.Actor(nicu)
	end := time.Now().Add(time.Hour).Truncate(time.Second)
	pub := outbox.Publication{Author: alice, Mentions: []*models.Actor{nicu},
		Post: &models.Post{Content: "<p>Night feeds: who is up at 3?</p>", Visibility: models.VisibilityPublicPost,
			Tags: []models.Tag{{Type: "Mention", Href: groupURI, Name: "@nicu_parents"}}},
		Poll: &models.Poll{Options: []string{"Me", "Not me"}, ExpiresAt: &end}}
	mark := e.QueueMark(t)
	post, err := e.outbox.Publish(ctx, pub)
	if err != nil {
		t.Fatal(err)
	}
	copies := e.QueuedSince(t, mark).Of("Create{Question}")
	if len(copies) != 1 || copies[0].Inbox != maria.SharedInboxURL {
		t.Fatalf("Create{Question} deliveries %v, want one to the Mastodon server", copies.ByInbox())
	}
	relay := copies[0].Doc.Embedded("object")
	if copies[0].Doc.Ref("actor") != groupURI || relay.Ref("attributedTo") != groupURI {
		t.Errorf("the copy is not the group's: %s", copies[0].Activity.Body)
	}
	want := testenv.Addressed([]string{e.URLs.Followers(nicu)}, nil, groupURI)
	if got := testenv.AddressOf(relay); strings.Join(got.To, " ") != strings.Join(want.To, " ") || len(got.Cc) != 0 ||
		got.Audience != want.Audience {
		t.Errorf("the copy is addressed %+v, want the group's followers only", got)
	}
	if options, _ := relay["oneOf"].([]any); len(options) != 2 || options[0].(map[string]any)["name"] != "Me" {
		t.Fatalf("the copy's options: %v", relay["oneOf"])
	}

	votes := func(t *testing.T) string {
		poll, err := models.PollOf(ctx, e.DB, post.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(poll.Counts)
	}
	t.Run("a member's vote in the copy counts in the poll", func(t *testing.T) {
		mark := e.QueueMark(t)
		e.accept(t, maria, e.mastodonVote(maria, relay.ID(), groupURI, "Me"))
		if got := votes(t); got != "[1 0]" {
			t.Fatalf("counts %s after maria's vote, want [1 0]", got)
		}
		results := e.QueuedSince(t, mark).Of("Update{Question}")
		var toMaria federation.Object
		for _, d := range results {
			if d.Inbox == maria.SharedInboxURL && d.Doc.Embedded("object").ID() == relay.ID() {
				toMaria = d.Doc.Embedded("object")
			}
		}
		if toMaria == nil {
			t.Fatalf("no Update of the copy to the Mastodon server: %v", results.ByInbox())
		}
		if voters := toMaria["votersCount"]; voters != 1.0 {
			t.Errorf("the copy's Update says %v voters, want 1", voters)
		}
	})
	t.Run("a non-member's vote in the copy is refused", func(t *testing.T) {
		lou := e.Lou(t)
		e.wantRefused(t, lou, e.mastodonVote(lou, relay.ID(), groupURI, "Not me"), http.StatusForbidden, votes)
	})
}
