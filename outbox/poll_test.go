package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// publishPoll has alice post a poll into brooklyn_moms, ending in an hour.
func (e *env) publishPoll(t *testing.T, alice, moms *models.Actor) *models.Post {
	t.Helper()
	pub := e.publication(t, alice, "<p>Saturday: park or library?</p>", models.VisibilityPublicPost, nil, moms)
	end := time.Now().Add(time.Hour).Truncate(time.Second)
	pub.Poll = &models.Poll{Options: []string{"Park", "Library"}, ExpiresAt: &end}
	post, created := e.publish(t, pub)
	if created.Embedded("object").Type() != "Question" {
		t.Fatalf("a poll went out as %s", created.Embedded("object").Type())
	}
	return post
}

func TestAPollSendsItsResultsAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, moms, alice, maria, _ := newGroupEnv(t)
	bob, carol := e.Person(t, "bob"), e.Person(t, "carol")
	post := e.publishPoll(t, alice, moms)

	mark := e.QueueMark(t)
	if err := e.outbox.Vote(ctx, bob, post, []int{0}); err != nil {
		t.Fatal(err)
	}
	first := e.QueuedSince(t, mark).Of("Update{Question}")
	if len(first) == 0 {
		t.Fatal("the first vote sent no results")
	}
	totals := first[0].Doc.Embedded("object")
	if items := totals["oneOf"].([]any); items[0].(map[string]any)["replies"].(map[string]any)["totalItems"] != 1.0 ||
		totals["votersCount"] != 1.0 || totals["closed"] != nil {
		t.Errorf("results sent: %v", totals)
	}
	// The next vote within the minute waits for the upkeep, which sends it
	// once the minute has passed, once.
	mark = e.QueueMark(t)
	if err := e.outbox.Vote(ctx, carol, post, []int{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.AddRemoteVote(ctx, e.DB, post.ID, maria.ID, 1, "https://mastodon.example/users/maria#votes/1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.outbox.PollUpkeep(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.QueuedSince(t, mark).Of("Update{Question}")); n != 0 {
		t.Fatalf("%d results sent within the minute", n)
	}
	later := time.Now().Add(61 * time.Second)
	for range 2 {
		if err := e.outbox.PollUpkeep(ctx, later); err != nil {
			t.Fatal(err)
		}
	}
	sent := e.QueuedSince(t, mark).Of("Update{Question}")
	if len(sent) != len(first) {
		t.Fatalf("%d deliveries of the next results, want one per inbox as before (%d)", len(sent), len(first))
	}
	if got := sent[0].Doc.Embedded("object")["votersCount"]; got != 3.0 {
		t.Errorf("votersCount %v, want 3", got)
	}
}

func TestSomeoneTheGroupBannedCannotVoteInItsPolls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, moms, alice, _, _ := newGroupEnv(t)
	bob := e.Person(t, "bob")
	e.Follow(t, bob, moms)
	post := e.publishPoll(t, alice, moms)
	if err := models.PutBan(ctx, e.DB, models.GroupBan{GroupID: moms.ID, ActorID: bob.ID, Reason: "rude",
		ActivityURI: "https://village.example/activities/ban-bob"}); err != nil {
		t.Fatal(err)
	}
	mark := e.QueueMark(t)
	if err := e.outbox.Vote(ctx, bob, post, []int{0}); !errors.Is(err, models.ErrPollBanned) {
		t.Fatalf("a banned member's vote: %v", err)
	}
	poll, err := models.PollOf(ctx, e.DB, post.ID)
	if err != nil || poll.VotesCount() != 0 || len(e.QueuedSince(t, mark)) != 0 {
		t.Errorf("a refused vote left counts %v and %d deliveries (%v)", poll.Counts, len(e.QueuedSince(t, mark)), err)
	}
}

func TestAnEndedPollSendsClosedAndTellsItsVotersOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, moms, alice, maria, _ := newGroupEnv(t)
	bob, carol := e.Person(t, "bob"), e.Person(t, "carol")
	post := e.publishPoll(t, alice, moms)
	if err := e.outbox.Vote(ctx, bob, post, []int{0}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.AddRemoteVote(ctx, e.DB, post.ID, maria.ID, 1, "https://mastodon.example/users/maria#votes/1", time.Now()); err != nil {
		t.Fatal(err)
	}
	// The hour passes.
	if _, err := e.DB.Exec(ctx, `UPDATE polls SET expires_at = now() - interval '1 second' WHERE post_id = $1`, post.ID); err != nil {
		t.Fatal(err)
	}
	mark := e.QueueMark(t)
	for range 3 {
		if err := e.outbox.PollUpkeep(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	closing := e.QueuedSince(t, mark).Of("Update{Question}")
	if len(closing) == 0 {
		t.Fatal("no final Update{Question}")
	}
	inboxes := map[string]int{}
	for _, d := range closing {
		inboxes[d.Inbox]++
		q := d.Doc.Embedded("object")
		if q["closed"] == nil || q["endTime"] == nil {
			t.Errorf("final results without closed: %v", q)
		}
	}
	for inbox, n := range inboxes {
		if n != 1 {
			t.Errorf("%s got the final results %d times", inbox, n)
		}
	}
	if inboxes[maria.InboxURL]+inboxes[maria.SharedInboxURL] != 1 {
		t.Errorf("the voter's server does not hear the poll closed, once: %v", inboxes)
	}
	for _, who := range []struct {
		actor *models.Actor
		want  int
	}{{alice, 1}, {bob, 1}, {carol, 0}} {
		list, err := models.Notifications(ctx, e.DB, who.actor.ID, []string{models.NotifyPoll}, models.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != who.want {
			t.Errorf("%s has %d poll notifications, want %d", who.actor.Username, len(list), who.want)
		}
	}
}
