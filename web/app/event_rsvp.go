package app

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// Answering a meetup in the web app: the "event_rsvp" area of a meetup's
// page (Going / Maybe / Can't go, Leave, where one stands), the attendee
// list as the group's privacy allows (access.AttendanceFor), and the
// organizer's approve / refuse of answers waiting for a decision.

// rsvpArea is what the meetup page's answer area shows.
type rsvpArea struct {
	EventID   int64
	CSRF      string
	SignedIn  bool
	CanAnswer bool   // not cancelled, not over
	Status    string // the viewer's answer, "" for none
	Position  int    // her place on the waiting list
	Counts    models.RSVPCounts
	Level     access.Attendance
	People    []attendeeView // by status, as Level allows
	CanDecide bool
	// CountsOnly: the viewer sees how many, not who (a visitor of a public group).
	CountsOnly bool
	Options    []string // the answers offered, in order
}

// attendeeView is one person in the attendee list.
type attendeeView struct {
	Person  actorLink
	ActorID int64
	Status  string
	Message string // to the organizer; shown to those who decide
}

// rsvpAreaFor fills the answer area of meetup e for the viewer (0: a visitor).
func (h *Handler) rsvpAreaFor(c echo.Context, e *models.Event, viewerID int64) (rsvpArea, error) {
	ctx := c.Request().Context()
	a := rsvpArea{EventID: e.PostID, CSRF: csrfToken(c), SignedIn: viewerID != 0,
		CanAnswer: !e.Cancelled() && time.Now().Before(meetupEnd(e))}
	m, err := outbox.LoadMeetup(ctx, h.db, e.PostID)
	if err != nil {
		return a, err
	}
	if a.Counts, err = models.CountRSVPs(ctx, h.db, e.PostID); err != nil {
		return a, err
	}
	if viewerID != 0 {
		r, err := models.RSVPOf(ctx, h.db, e.PostID, viewerID)
		switch {
		case err == nil:
			a.Status = r.Status
			if a.Position, err = models.WaitlistPlace(ctx, h.db, e.PostID, viewerID); err != nil {
				return a, err
			}
		case !errors.Is(err, models.ErrNotFound):
			return a, err
		}
	}
	if a.Level, err = access.AttendanceFor(ctx, h.db, m.Post, m.Group, viewerID); err != nil {
		return a, err
	}
	a.CanDecide = a.Level == access.AttendanceEveryone && e.Post.Local
	a.CountsOnly = a.Level == access.AttendanceCounts
	a.Options = []string{models.RSVPGoing, models.RSVPMaybe, models.RSVPNotGoing}
	if shown := a.Level.Shown(); len(shown) > 0 {
		list, err := models.EventAttendees(ctx, h.db, e.PostID, shown...)
		if err != nil {
			return a, err
		}
		for _, r := range list {
			v := attendeeView{Person: h.linkActor(r.Actor), ActorID: r.ActorID, Status: r.Status}
			if a.CanDecide {
				v.Message = r.Message
			}
			a.People = append(a.People, v)
		}
	}
	return a, nil
}

// meetupEnd is when a meetup is over, as models counts it: its end, or
// three hours after its start when it gives none.
func meetupEnd(e *models.Event) time.Time {
	if e.EndsAt != nil {
		return *e.EndsAt
	}
	return e.StartsAt.Add(3 * time.Hour)
}

// AnswerEventForm is POST /events/:id/rsvp: status going, maybe,
// not_going, or "leave" to take the answer back.
func (h *Handler) AnswerEventForm(c echo.Context) error {
	v := h.viewer(c)
	if v == nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	ctx := c.Request().Context()
	e, err := h.visibleMeetup(c, v.Actor.ID)
	if err != nil {
		return err
	}
	if status := c.FormValue("status"); status == "leave" {
		_, err = h.outbox.WithdrawFromMeetup(ctx, v.Actor, e.PostID)
	} else {
		if !e.Post.Local && h.resolver != nil {
			// The form of the answer depends on the meetup's server (outbox.AnswerMeetup).
			if organizer, err := models.ActorByID(ctx, h.db, e.Post.AuthorID); err == nil {
				_, _ = h.resolver.InstanceSoftware(ctx, organizer.Domain)
			}
		}
		_, err = h.outbox.AnswerMeetup(ctx, v.Actor, e.PostID, status)
	}
	if err != nil {
		return h.rsvpRefused(c, err)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/events/%d#answer", e.PostID))
}

// DecideAttendeeForm is POST /events/:id/attendees/:actor/approve and
// .../refuse: the organizer's or a moderator's decision.
func (h *Handler) DecideAttendeeForm(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := h.viewer(c)
		if v == nil {
			return c.Redirect(http.StatusSeeOther, "/login")
		}
		e, err := h.visibleMeetup(c, v.Actor.ID)
		if err != nil {
			return err
		}
		person, err := strconv.ParseInt(c.Param("actor"), 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		if _, err := h.outbox.DecideAnswer(c.Request().Context(), v.Actor, e.PostID, person, approve); err != nil {
			return h.rsvpRefused(c, err)
		}
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/events/%d#attendees", e.PostID))
	}
}

// visibleMeetup loads the meetup :id when the viewer may see it (404 otherwise).
func (h *Handler) visibleMeetup(c echo.Context, viewerID int64) (*models.Event, error) {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound)
	}
	e, err := models.EventWithPost(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && e.Post.DeletedAt != nil) {
		return nil, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("web: meetup: %w", err)
	}
	if hidden, err := h.meetupHidden(ctx, e.Post, viewerID); err != nil || hidden {
		if err == nil {
			err = echo.NewHTTPError(http.StatusNotFound)
		}
		return nil, err
	}
	return e, nil
}

// rsvpRefused answers a refused answer or decision with a page saying why.
func (h *Handler) rsvpRefused(c echo.Context, err error) error {
	status, key := http.StatusUnprocessableEntity, ""
	switch {
	case errors.Is(err, outbox.ErrBanned):
		status, key = http.StatusForbidden, "rsvp.refused.banned"
	case errors.Is(err, outbox.ErrRSVPNotMember):
		status, key = http.StatusForbidden, "rsvp.refused.members"
	case errors.Is(err, outbox.ErrNotOrganizer):
		status, key = http.StatusForbidden, "rsvp.refused.organizer"
	case errors.Is(err, models.ErrEventCancelled):
		key = "rsvp.refused.cancelled"
	case errors.Is(err, models.ErrEventOver):
		key = "rsvp.refused.over"
	case errors.Is(err, models.ErrBadRSVP):
		key = "rsvp.refused.answer"
	case errors.Is(err, models.ErrNotFound), errors.Is(err, outbox.ErrNotMeetup):
		return echo.NewHTTPError(http.StatusNotFound)
	default:
		return err
	}
	d := errorData{Status: status, Heading: i18n.Text("rsvp.refused.title"), Text: i18n.Text(key)}
	return h.page(c, status, "error", d.Heading, d)
}

// rsvpAreaOf is the answer area for the meetup page (event.html's event_rsvp).
func (h *Handler) rsvpAreaOf(c echo.Context, e *models.Event, viewerID int64) (*rsvpArea, error) {
	a, err := h.rsvpAreaFor(c, e, viewerID)
	if err != nil {
		return nil, fmt.Errorf("web: meetup answers: %w", err)
	}
	return &a, nil
}
