package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Why a meetup cannot be planned or changed by someone.
var (
	// ErrModeratorsOnly refuses a meetup in a group where only moderators post.
	ErrModeratorsOnly = errors.New("outbox: only moderators may post in this group")
	// ErrNotOrganizer refuses a change by someone who is neither the
	// meetup's organizer nor a moderator of its group.
	ErrNotOrganizer = errors.New("outbox: only the organizer or a group moderator may change this meetup")
)

// Meetup is a meetup about to be published in a local group: its title
// (Post.Name), description (Post.Content, rendered; Post.Source as typed),
// and calendar side.
type Meetup struct {
	Organizer *models.Actor
	Group     *models.Actor
	Post      *models.Post
	Event     *models.Event
	// MediaIDs is the organizer's upload shown as the meetup's picture.
	MediaIDs []int64
}

// PublishEvent stores a meetup (a post of type Event and its events row)
// and sends Create{Event} from the organizer to the group, which passes it
// on to its members like any post, all in one transaction. Only members
// may plan one, and only moderators where the group keeps posting to them.
func (o *Outbox) PublishEvent(ctx context.Context, m Meetup) (*models.Post, error) {
	post, e := m.Post, m.Event
	if err := e.Validate(time.Now().Add(-time.Minute)); err != nil {
		return nil, err
	}
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		if err := mayPostIn(ctx, tx, m.Group, m.Organizer); err != nil {
			return err
		}
		post.Type, post.Visibility = "Event", models.VisibilityPublicPost
		pub := Publication{Author: m.Organizer, Post: post, Mentions: []*models.Actor{m.Group}}
		aud, err := o.audienceOf(ctx, tx, pub)
		if err != nil {
			return err
		}
		if err := o.checkTopics(ctx, tx, m.Group, post); err != nil {
			return err
		}
		if post.ID, err = models.NextPostID(ctx, tx); err != nil {
			return err
		}
		if err := o.takeMedia(ctx, tx, m.Organizer.ID, post, m.MediaIDs); err != nil {
			return err
		}
		post.URI = o.urls.Actor(m.Organizer) + "/statuses/" + strconv.FormatInt(post.ID, 10)
		post.URL = post.URI
		post.AuthorID, post.Local, post.GroupID = m.Organizer.ID, true, &m.Group.ID
		if !hasMention(post.Tags, o.urls.Actor(m.Group)) {
			post.Tags = append(post.Tags, models.Tag{Type: "Mention", Href: o.urls.Actor(m.Group), Name: o.handle(m.Group)})
		}
		if _, err := models.InsertPost(ctx, tx, post); err != nil {
			return err
		}
		if len(m.MediaIDs) > 0 {
			if err := models.LinkMedia(ctx, tx, post.ID, m.MediaIDs); err != nil {
				return err
			}
		}
		e.PostID = post.ID
		if _, err := models.InsertEvent(ctx, tx, e); err != nil {
			return err
		}
		if err := o.sendAbout(ctx, tx, m.Organizer, post, aud, "Create"); err != nil {
			return err
		}
		return o.SendRSVPQuestion(ctx, tx, &m, "Create") // rsvp_question.go
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: publish meetup: %w", err)
	}
	return post, nil
}

// mayPostIn refuses a meetup by someone who may not post in a local group.
func mayPostIn(ctx context.Context, tx pgx.Tx, group, who *models.Actor) error {
	if group == nil || !group.IsLocal() || group.Type != models.ActorGroup {
		return fmt.Errorf("%w: a meetup belongs to a group here", models.ErrInvalidEvent)
	}
	member, err := models.IsMember(ctx, tx, group.ID, who.ID)
	if err != nil {
		return err
	}
	if !member {
		return ErrNotMember
	}
	g, err := models.GroupByName(ctx, tx, group.Username)
	if err != nil {
		return err
	}
	if g.PostingRestrictedToMods {
		role, err := models.ModeratorRole(ctx, tx, group.ID, who.ID)
		if err != nil {
			return err
		}
		if role == "" {
			return ErrModeratorsOnly
		}
	}
	return nil
}

// EventChange is an edit of a local meetup: the post's new title and
// description and the event's new calendar side (nil fields of Post and
// Event are what the caller read and changed).
type EventChange struct {
	Editor *models.Actor
	Post   *models.Post
	Event  *models.Event
	// MediaIDs, when not nil, sets the meetup's picture.
	MediaIDs *[]int64
}

// EditEvent applies an edit by the organizer or a group moderator and
// sends Update{Event} (its sequence bumped) as the organizer; people going
// or maybe are told, and a capacity that grew lets people off the
// waitlist, who are told too.
func (o *Outbox) EditEvent(ctx context.Context, c EventChange) error {
	if err := c.Event.Validate(time.Time{}); err != nil {
		return err
	}
	return o.changeEvent(ctx, c.Editor, c.Post, func(tx pgx.Tx, organizer *models.Actor) error {
		if c.MediaIDs != nil {
			if err := o.takeMedia(ctx, tx, organizer.ID, c.Post, *c.MediaIDs); err != nil {
				return err
			}
		}
		if err := models.UpdatePost(ctx, tx, c.Post); err != nil {
			return err
		}
		if c.MediaIDs != nil {
			if err := models.LinkMedia(ctx, tx, c.Post.ID, *c.MediaIDs); err != nil {
				return err
			}
		}
		if err := models.UpdateEvent(ctx, tx, c.Event); err != nil {
			return err
		}
		promoted, err := models.PromoteWaitlist(ctx, tx, c.Event.PostID)
		if err != nil {
			return err
		}
		return o.tellPromoted(ctx, tx, c.Event.PostID, promoted) // each as they answered: rsvp_question.go
	}, "Update")
}

// CancelEvent calls a meetup off: it stays, marked CANCELLED, and an
// Update{Event} with ical:status CANCELLED goes out.
func (o *Outbox) CancelEvent(ctx context.Context, editor *models.Actor, post *models.Post) error {
	return o.changeEvent(ctx, editor, post, func(tx pgx.Tx, _ *models.Actor) error {
		_, err := models.CancelEvent(ctx, tx, post.ID)
		return err
	}, "Update")
}

// DeleteEvent deletes a meetup: its post becomes a tombstone and Delete goes out.
func (o *Outbox) DeleteEvent(ctx context.Context, editor *models.Actor, post *models.Post) error {
	return o.changeEvent(ctx, editor, post, func(tx pgx.Tx, _ *models.Actor) error {
		_, err := models.TombstonePost(ctx, tx, post.ID)
		return err
	}, "Delete")
}

// changeEvent checks the editor's right, tells the people going or maybe,
// and sends the change as the organizer (Mastodon honours an Update or
// Delete only from the author), to remote answerers too (sendAbout,
// event_reach.go), with a note to those who read no Update of an Event.
func (o *Outbox) changeEvent(ctx context.Context, editor *models.Actor, post *models.Post, apply func(pgx.Tx, *models.Actor) error, kind string) error {
	allowed, err := models.MayChangeEvent(ctx, o.db, post, editor.ID)
	if err != nil {
		return err
	}
	if !allowed {
		return ErrNotOrganizer
	}
	organizer, err := models.ActorByID(ctx, o.db, post.AuthorID)
	if err != nil {
		return err
	}
	return o.change(ctx, organizer, post, kind, func(tx pgx.Tx) error {
		if err := models.NotifyEventAnswerers(ctx, tx, post.ID, models.NotifyEventUpdate, editor.ID,
			models.RSVPGoing, models.RSVPMaybe); err != nil {
			return err
		}
		before, err := models.EventByPostID(ctx, tx, post.ID)
		if err != nil {
			return err
		}
		if err := apply(tx, organizer); err != nil {
			return err
		}
		if err := o.noteChange(ctx, tx, post, organizer, before, kind); err != nil { // event_change_note.go
			return err
		}
		return o.rsvpQuestionAfterChange(ctx, tx, post, kind) // rsvp_question.go
	})
}

// eventDocument is a local meetup's post as the Event the wire carries.
func (o *Outbox) eventDocument(ctx context.Context, tx pgx.Tx, post *models.Post, author *models.Actor, addr federation.NoteAddress) (map[string]any, error) {
	e, err := models.EventByPostID(ctx, tx, post.ID)
	if err != nil {
		return nil, err
	}
	counts, err := models.CountRSVPs(ctx, tx, post.ID)
	if err != nil {
		return nil, err
	}
	return federation.EventDocument(o.urls, post, e, author, addr, federation.EventCounts{Going: counts.Going})
}
