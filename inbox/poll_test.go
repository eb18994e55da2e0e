package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// pollInGroup has alice, a member here, post a single-choice poll into
// group, ending in an hour.
func (e *env) pollInGroup(t *testing.T, group *models.Actor) *models.Post {
	t.Helper()
	alice := e.Alice(t)
	e.Follow(t, alice, group)
	end := time.Now().Add(time.Hour)
	mention := models.Tag{Type: "Mention", Href: e.URLs.Actor(group), Name: "@" + group.Username}
	post, err := e.outbox.Publish(context.Background(), outbox.Publication{Author: alice, Mentions: []*models.Actor{group},
		Poll: &models.Poll{Options: []string{"Park", "Library"}, ExpiresAt: &end},
		Post: &models.Post{Content: "<p>Saturday?</p>", Visibility: models.VisibilityPublicPost, Tags: []models.Tag{mention}}})
	if err != nil {
		t.Fatal(err)
	}
	return post
}

// voteNote is a vote as Mastodon sends it: Create{Note{name, inReplyTo}}
// to the poll's author, without content.
func (e *env) voteNote(voter *models.Actor, post *models.Post, choice string) map[string]any {
	id := e.RemoteID(voter, "votes")
	alice := e.URLs.Base + "/users/alice"
	note := map[string]any{"id": id, "type": "Note", "name": choice, "attributedTo": voter.URI, "inReplyTo": post.URI,
		"to": []any{alice}}
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity", "type": "Create",
		"actor": voter.URI, "to": []any{alice}, "object": note}
}

// pollState is what a vote may change: the counts, the votes, and posts.
func (e *env) pollState(post *models.Post) func(t *testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		p, err := models.PollOf(context.Background(), e.DB, post.ID)
		if err != nil {
			t.Fatal(err)
		}
		var votes, posts, notes int
		if err := e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM poll_votes), (SELECT count(*) FROM posts),
			(SELECT count(*) FROM notifications)`).Scan(&votes, &posts, &notes); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("counts %v voters %d, %d votes, %d posts, %d notifications", p.Counts, p.Voters(), votes, posts, notes)
	}
}

func TestVotesInALocalPollAreCountedOnceAndNeverPosts(t *testing.T) {
	t.Parallel()
	e, moms, maria, _ := newGroupEnv(t)
	post := e.pollInGroup(t, moms)
	state := e.pollState(post)
	before := state(t)
	mark := e.QueueMark(t)
	vote := e.voteNote(maria, post, "Library")
	e.accept(t, maria, vote)
	after := state(t)
	want := "counts [0 1] voters 1, 1 votes"
	if after[:len(want)] != want || after[len(want):] != before[len("counts [0 0] voters 0, 0 votes"):] {
		t.Errorf("after the vote: %s (before: %s); want one vote and no post nor notification", after, before)
	}
	// The results go out; the vote itself is passed on by no one.
	queued := e.QueuedSince(t, mark)
	if len(queued.Of("Update{Question}")) == 0 {
		t.Errorf("no results sent: %v", queued.ByInbox())
	}
	for _, d := range queued {
		if d.Doc.ID() == vote["id"] || d.Doc.Embedded("object").ID() == vote["id"] {
			t.Errorf("the vote is passed on: %s", d.Kind())
		}
	}
	// The same option again, under another id, counts once.
	e.accept(t, maria, e.voteNote(maria, post, "Library"))
	if got := state(t); got != after {
		t.Errorf("a repeated vote changed %s into %s", after, got)
	}
}

func TestVotesThatCannotCountAreRefusedAndLeaveNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, moms, maria, lou := newGroupEnv(t)
	post := e.pollInGroup(t, moms)
	e.accept(t, maria, e.voteNote(maria, post, "Park"))
	banned := e.Mastodon(t).Person(t, "bea")
	e.Follow(t, banned, moms)
	if err := models.PutBan(ctx, e.DB, models.GroupBan{GroupID: moms.ID, ActorID: banned.ID, Reason: "spam",
		ActivityURI: "https://village.example/activities/ban"}); err != nil {
		t.Fatal(err)
	}
	secret := e.Group(t, "secret_moms", true)
	hidden := e.pollInGroup(t, secret)
	closed := e.pollInGroup(t, moms)
	if _, err := e.DB.Exec(ctx, `UPDATE polls SET expires_at = now() - interval '1 second' WHERE post_id = $1`, closed.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		voter  *models.Actor
		post   *models.Post
		choice string
		status int
	}{
		{"an option that does not exist", lou, post, "Moon", http.StatusUnprocessableEntity},
		{"a second option in a single-choice poll", maria, post, "Library", http.StatusUnprocessableEntity},
		{"a closed poll", lou, closed, "Park", http.StatusUnprocessableEntity},
		{"someone the group banned", banned, post, "Park", http.StatusForbidden},
		{"someone who may not see the poll", lou, hidden, "Park", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.wantRefused(t, c.voter, e.voteNote(c.voter, c.post, c.choice), c.status, e.pollState(c.post))
		})
	}
	// A vote in someone else's name is refused too (its Note is not on the named voter's origin).
	forged := e.voteNote(lou, post, "Park")
	forged["object"].(map[string]any)["attributedTo"] = maria.URI
	e.wantRefused(t, lou, forged, http.StatusBadRequest, e.pollState(post))
}
