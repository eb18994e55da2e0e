package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
)

// apiRSVP is the viewer's answer to a meetup, and the meetup as it stands.
type apiRSVP struct {
	Status string `json:"status"` // going, maybe, not_going, waitlist, pending; "" for none
	// WaitlistPosition is her place in line (1 is next) while she waits.
	WaitlistPosition *int      `json:"waitlist_position"`
	Event            *apiEvent `json:"event"`
}

// apiAttendee is one person's answer, as the attendee list shows it.
type apiAttendee struct {
	Account *apiAccount `json:"account"`
	Status  string      `json:"status"`
	Since   string      `json:"since"`
	Message string      `json:"message,omitempty"` // what they said to the organizer (organizers only)
}

// apiAttendees is a meetup's attendee list as the viewer may see it:
// counts always, people only as the group's privacy allows (access.AttendanceFor).
type apiAttendees struct {
	Counts    apiEventCounts `json:"counts"`
	Attendees []apiAttendee  `json:"attendees"`
	// CanDecide: the viewer approves and refuses pending answers.
	CanDecide bool `json:"can_decide"`
}

// rsvpRefusal turns the reasons an answer is refused into their statuses.
func rsvpRefusal(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, outbox.ErrBanned):
		return echo.NewHTTPError(http.StatusForbidden, "You are banned from this group")
	case errors.Is(err, outbox.ErrRSVPNotMember):
		return echo.NewHTTPError(http.StatusForbidden, "Only members of this group may answer its meetups: join it first")
	case errors.Is(err, outbox.ErrNotOrganizer):
		return echo.NewHTTPError(http.StatusForbidden, "Only the organizer or a group moderator decides who comes")
	case errors.Is(err, models.ErrEventCancelled):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This meetup is cancelled")
	case errors.Is(err, models.ErrEventOver):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This meetup is over")
	case errors.Is(err, models.ErrBadRSVP):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: status must be going, maybe or not_going")
	case errors.Is(err, outbox.ErrNotMeetup), errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return err
}

// rsvpEntity is the viewer's answer and the meetup.
func (h *Handler) rsvpEntity(ctx context.Context, postID, viewer int64) (*apiRSVP, error) {
	out := &apiRSVP{}
	r, err := models.RSVPOf(ctx, h.db, postID, viewer)
	switch {
	case err == nil:
		out.Status = r.Status
		if r.Status == models.RSVPWaitlist {
			place, err := models.WaitlistPlace(ctx, h.db, postID, viewer)
			if err != nil {
				return nil, err
			}
			out.WaitlistPosition = &place
		}
	case !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	if out.Event, err = h.eventEntity(ctx, postID, viewer); err != nil {
		return nil, err
	}
	return out, nil
}

// AnswerEvent answers POST /api/v1/village/events/:id/rsvp (status:
// going, maybe or not_going, form or JSON).
func (h *Handler) AnswerEvent(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	e, err := h.eventParam(c)
	if err != nil {
		return err
	}
	var body struct {
		Status string `json:"status" form:"status"`
	}
	if err := c.Bind(&body); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the answer")
	}
	if err := h.learnOrganizersServer(ctx, e.Post); err != nil {
		return err
	}
	if _, err := h.outbox.AnswerMeetup(ctx, me, e.PostID, body.Status); err != nil {
		return rsvpRefusal(err)
	}
	out, err := h.rsvpEntity(ctx, e.PostID, me.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// learnOrganizersServer reads, before answering a remote meetup, what
// software its server runs (its NodeInfo, once): the answer's form
// depends on it (outbox.AnswerMeetup). A server that does not say gets
// Mobilizon's form.
func (h *Handler) learnOrganizersServer(ctx context.Context, post *models.Post) error {
	if post.Local || h.resolver == nil {
		return nil
	}
	organizer, err := models.ActorByID(ctx, h.db, post.AuthorID)
	if err != nil {
		return err
	}
	if _, err := h.resolver.InstanceSoftware(ctx, organizer.Domain); err != nil {
		slog.Default().Debug("api: server software unknown", "host", organizer.Domain, "err", err)
	}
	return nil
}

// WithdrawRSVP answers DELETE /api/v1/village/events/:id/rsvp: the answer
// is taken back (and a place it held goes to the first waiting).
func (h *Handler) WithdrawRSVP(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	e, err := h.eventParam(c)
	if err != nil {
		return err
	}
	if _, err := h.outbox.WithdrawFromMeetup(ctx, me, e.PostID); err != nil {
		return rsvpRefusal(err)
	}
	out, err := h.rsvpEntity(ctx, e.PostID, me.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// EventAttendees answers GET /api/v1/village/events/:id/attendees.
func (h *Handler) EventAttendees(c echo.Context) error {
	ctx := c.Request().Context()
	e, err := h.eventParam(c)
	if err != nil {
		return err
	}
	m, err := outbox.LoadMeetup(ctx, h.db, e.PostID)
	if err != nil {
		return rsvpRefusal(err)
	}
	level, err := access.AttendanceFor(ctx, h.db, m.Post, m.Group, viewerID(c))
	if err != nil {
		return err
	}
	if level == access.AttendanceHidden {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	// The counts and the list are read from one snapshot: an answer
	// committed between two separate reads showed someone going beside a
	// count of none going.
	snap, err := h.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("api: attendees: %w", err)
	}
	defer snap.Rollback(context.WithoutCancel(ctx))
	counts, err := models.CountRSVPs(ctx, snap, e.PostID)
	if err != nil {
		return err
	}
	out := apiAttendees{Attendees: []apiAttendee{}, CanDecide: level == access.AttendanceEveryone,
		Counts: apiEventCounts{Going: counts.Going, Maybe: counts.Maybe, NotGoing: counts.NotGoing,
			Waitlist: counts.Waitlist, Pending: counts.Pending}}
	if shown := level.Shown(); len(shown) > 0 {
		list, err := models.EventAttendees(ctx, snap, e.PostID, shown...)
		if err != nil {
			return err
		}
		for _, r := range list {
			acc, err := h.account(ctx, r.Actor)
			if err != nil {
				return err
			}
			a := apiAttendee{Account: acc, Status: r.Status, Since: r.Since.UTC().Format(apiTime)}
			if level == access.AttendanceEveryone {
				a.Message = r.Message
			}
			out.Attendees = append(out.Attendees, a)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// DecideAttendee answers POST /api/v1/village/events/:id/attendees/:account_id/approve
// and .../refuse: the organizer's or a moderator's decision on a pending answer.
func (h *Handler) DecideAttendee(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		me := currentAccount(c).Actor
		e, err := h.eventParam(c)
		if err != nil {
			return err
		}
		personID, err := strconv.ParseInt(c.Param("account_id"), 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "Record not found")
		}
		if _, err := h.outbox.DecideAnswer(ctx, me, e.PostID, personID, approve); err != nil {
			return rsvpRefusal(err)
		}
		return h.EventAttendees(c)
	}
}
