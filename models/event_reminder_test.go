package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// People going are reminded once, the day before; maybe and not going
// are not; a meetup further off waits its turn.
func TestRemindEventsOnceTheDayBeforeOnlyToPeopleGoing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Now().Add(72 * time.Hour)
	db, e, people := meetupFixture(t, models.Event{StartsAt: start}, 4)
	for i, want := range []string{models.RSVPGoing, models.RSVPGoing, models.RSVPMaybe, models.RSVPNotGoing} {
		if _, err := models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: people[i].ID, Want: want,
			Via: models.RSVPViaLocal}); err != nil {
			t.Fatal(err)
		}
	}
	reminded := func() map[int64]int {
		rows, err := db.Query(ctx, `SELECT recipient_id, count(*) FROM notifications WHERE type = 'event_reminder' AND post_id = $1
			GROUP BY recipient_id`, e.PostID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]int{}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			out[id] = n
		}
		return out
	}
	for _, step := range []struct {
		name  string
		now   time.Time
		count int
	}{
		{"two days before: not yet", start.Add(-48 * time.Hour), 0},
		{"the day before: reminded", start.Add(-20 * time.Hour), 1},
		{"an hour later: not again", start.Add(-19 * time.Hour), 0},
	} {
		n, err := models.RemindEvents(ctx, db, step.now)
		if err != nil {
			t.Fatal(err)
		}
		if n != step.count {
			t.Errorf("%s: reminded of %d meetups, want %d", step.name, n, step.count)
		}
	}
	got := reminded()
	// people[0], the organizer, is going too: reminded (the reminder is from the group).
	if len(got) != 2 || got[people[0].ID] != 1 || got[people[1].ID] != 1 {
		t.Errorf("reminders: %v, want one each for %d and %d", got, people[0].ID, people[1].ID)
	}
}

// A cancelled meetup reminds nobody.
func TestRemindEventsSkipsCancelledMeetups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Now().Add(10 * time.Hour)
	db, e, people := meetupFixture(t, models.Event{StartsAt: start}, 2)
	if _, err := models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: people[1].ID, Want: models.RSVPGoing,
		Via: models.RSVPViaLocal}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CancelEvent(ctx, db, e.PostID); err != nil {
		t.Fatal(err)
	}
	if n, err := models.RemindEvents(ctx, db, time.Now()); err != nil || n != 0 {
		t.Errorf("reminded of %d cancelled meetups (%v)", n, err)
	}
}
