package inbox

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// readPost reads a post-type object; an Event also gives its calendar
// side (federation.EventFromObject), which absurd times or places refuse.
func readPost(obj federation.Object) (*federation.IncomingPost, *models.Event, error) {
	if obj.Type() != "Event" {
		in, err := federation.PostFromObject(obj)
		return in, nil, err
	}
	ev, err := federation.EventFromObject(obj)
	if err != nil {
		return nil, nil, err
	}
	return ev.IncomingPost, &ev.Event, nil
}

// keepEvent stores or refreshes the calendar side of a remote meetup
// whose post is stored (post.ID set), as its server describes it now. A
// change people going or maybe should know of (time, place, status)
// notifies the local ones.
func (p *Processor) keepEvent(ctx context.Context, tx pgx.Tx, post *models.Post, e *models.Event) error {
	if e == nil {
		return nil
	}
	e.PostID = post.ID
	stored, err := models.EventByPostID(ctx, tx, post.ID)
	if errors.Is(err, models.ErrNotFound) {
		_, err = models.InsertEvent(ctx, tx, e)
		return err
	}
	if err != nil {
		return err
	}
	if err := models.UpdateEvent(ctx, tx, e); err != nil {
		return err
	}
	if stored.StartsAt.Equal(e.StartsAt) && stored.Status == e.Status && stored.Place == e.Place &&
		endsEqual(stored.EndsAt, e.EndsAt) {
		return nil
	}
	return models.NotifyEventAnswerers(ctx, tx, post.ID, models.NotifyEventUpdate, post.AuthorID,
		models.RSVPGoing, models.RSVPMaybe)
}

func endsEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// retellEvent puts the stored meetup, as an Event, in a group's retelling
// of a member's Create or Update of it (federation.Retold writes a Note).
func (p *Processor) retellEvent(ctx context.Context, tx pgx.Tx, retold map[string]any, post *models.Post, author *models.Actor) error {
	inner, ok := retold["object"].(map[string]any)
	if post.Type != "Event" || !ok {
		return nil
	}
	e, err := models.EventByPostID(ctx, tx, post.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	addr := federation.NoteAddress{To: refsOf(inner["to"]), Cc: refsOf(inner["cc"])}
	addr.Audience, _ = inner["audience"].(string)
	going := 0
	if e.RemoteParticipants != nil {
		going = *e.RemoteParticipants
	}
	doc, err := federation.EventDocument(p.urls, post, e, author, addr, federation.EventCounts{Going: going})
	if err != nil {
		return refuse(http.StatusBadRequest, "%v", err)
	}
	delete(doc, "@context")
	if e.Capacity != nil && e.RemoteRemaining != nil {
		doc["remainingAttendeeCapacity"] = *e.RemoteRemaining
	}
	retold["object"] = doc
	return nil
}

func refsOf(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []string:
		out = append(out, x...)
	case []any:
		for _, s := range x {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
	}
	return out
}
