package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// TestOnlyItsOrganizerChangesARemoteMeetup: a remote member's meetup in a
// local group is stored with its calendar side; another person, even on
// the organizer's own server, who sends an Update of it (a capacity of
// 10,000, a new start) is refused and changes nothing; the organizer's
// own Update applies.
func TestOnlyItsOrganizerChangesARemoteMeetup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, moms, _, _ := newGroupEnv(t)
	server := e.NewServer(t, mobilizonShape)
	ana, bo := server.Person(t, "ana"), server.Person(t, "bo")
	e.Follow(t, ana, moms)
	e.Follow(t, bo, moms)

	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	group := e.URLs.Actor(moms)
	event := func(author *models.Actor, capacity int, starts time.Time) map[string]any {
		return map[string]any{"id": ana.URI + "/events/park", "type": "Event", "attributedTo": author.URI,
			"name": "Saturday park", "content": "<p>Swings and coffee.</p>",
			"startTime": starts.Format(time.RFC3339), "endTime": starts.Add(2 * time.Hour).Format(time.RFC3339),
			"timezone": "Europe/Berlin", "maximumAttendeeCapacity": capacity, "audience": group,
			"to": []any{group, federation.Public}, "cc": []any{group + "/followers"},
			"tag": []any{map[string]any{"type": "Mention", "href": group}}}
	}
	e.accept(t, ana, create(ana, event(ana, 8, start)))
	stored := e.post(t, ana.URI+"/events/park")
	if stored == nil || stored.Type != "Event" {
		t.Fatalf("the organizer's meetup was not stored as an Event: %+v", stored)
	}
	calendar := func(t *testing.T) string {
		ev, err := models.EventByPostID(ctx, e.DB, stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("capacity %v, starts %s, sequence %d", *ev.Capacity, ev.StartsAt.UTC(), ev.Sequence)
	}
	if got := calendar(t); got != fmt.Sprintf("capacity 8, starts %s, sequence 0", start) {
		t.Fatalf("stored meetup: %s", got)
	}

	forgeries := []struct {
		name   string
		object map[string]any
	}{
		{"attributed to the organizer", event(ana, 10_000, start)},
		{"attributed to the forger", event(bo, 10_000, start.Add(time.Hour))},
	}
	for _, f := range forgeries {
		t.Run(f.name, func(t *testing.T) {
			e.wantRefused(t, bo, e.activity(bo, "Update", f.object), http.StatusForbidden, calendar)
		})
	}

	e.accept(t, ana, e.activity(ana, "Update", event(ana, 12, start)))
	if got := calendar(t); got != fmt.Sprintf("capacity 12, starts %s, sequence 1", start) {
		t.Errorf("after the organizer's own Update: %s", got)
	}
}
