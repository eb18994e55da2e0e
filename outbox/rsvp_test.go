package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// TestRSVPPollGoesToMastodonMembersAndABurstOfAnswersIsOneUpdate: a
// meetup published in a group sends its RSVP poll to the group's
// Mastodon-family members only (Lemmy reads the Event); answers that come
// while an Update{Question} waits to be delivered rewrite it with the new
// counts instead of queueing another.
func TestRSVPPollGoesToMastodonMembersAndABurstOfAnswersIsOneUpdate(t *testing.T) {
	t.Parallel()
	e, moms, alice, maria, _ := newGroupEnv(t)
	ctx := context.Background()
	mark := e.QueueMark(t)
	post, err := e.outbox.PublishEvent(ctx, outbox.Meetup{Organizer: alice, Group: moms,
		Post:  &models.Post{Name: "Swings at noon", Content: "<p>Bring water</p>"},
		Event: &models.Event{StartsAt: time.Now().Add(48 * time.Hour).Truncate(time.Minute), TimeZone: "America/New_York"}})
	if err != nil {
		t.Fatal(err)
	}
	questions := e.QueuedSince(t, mark).Of("Create{Question}")
	if len(questions) != 1 || questions[0].Inbox != maria.SharedInboxURL {
		t.Fatalf("RSVP poll deliveries: %+v, want one to the Mastodon server", questions.ByInbox())
	}
	if q := questions[0].Doc.Embedded("object"); q.ID() != federation.RSVPQuestionID(post.URI) {
		t.Errorf("poll id %s, want the meetup's id + /rsvp", q.ID())
	}

	mark = e.QueueMark(t)
	for _, who := range []*models.Actor{e.Person(t, "bea"), e.Person(t, "cleo"), e.Person(t, "dora")} {
		e.Follow(t, who, moms)
		if _, err := e.outbox.AnswerMeetup(ctx, who, post.ID, models.RSVPGoing); err != nil {
			t.Fatal(err)
		}
	}
	updates := e.QueuedSince(t, mark).Of("Update{Question}")
	if len(updates) != 1 {
		t.Fatalf("%d Update{Question} queued for three answers, want 1", len(updates))
	}
	// The one waiting carries the latest counts (read from the stored activity).
	pending, err := models.ActivityByID(ctx, e.DB, updates[0].Activity.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := federation.ParseObject(pending.Body)
	if err != nil {
		t.Fatal(err)
	}
	if voters, _ := doc.Embedded("object")["votersCount"].(float64); voters != 3 {
		t.Errorf("the pending Update says %v voters, want 3", voters)
	}
}
