package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// Meetups in the web app: a line in lists (a group's page, /events) and
// a meetup's own page, /events/:id.

// meetupLine is a meetup in a list: when (in the place's zone), what,
// where, how many are going, and whether it is called off.
type meetupLine struct {
	URL       string
	Title     string
	When      string
	Zone      string
	ISO       string
	Place     string
	Going     int
	Cancelled bool
}

// meetupWhen is a meetup's time in its place's zone.
func meetupWhen(e *models.Event) string {
	loc := e.Location()
	s := e.StartsAt.In(loc).Format("Mon 2 Jan 2006, 15:04")
	if e.EndsAt != nil {
		s += "–" + e.EndsAt.In(loc).Format("15:04")
	}
	return s
}

// goingCount is how many are going: our count for a local meetup, its
// server's for a remote one.
func (h *Handler) goingCount(ctx context.Context, e *models.Event) (int, error) {
	if e.Post != nil && !e.Post.Local && e.RemoteParticipants != nil {
		return *e.RemoteParticipants, nil
	}
	c, err := models.CountRSVPs(ctx, h.db, e.PostID)
	return c.Going, err
}

func (h *Handler) meetupLines(ctx context.Context, events []*models.Event) ([]meetupLine, error) {
	out := make([]meetupLine, 0, len(events))
	for _, e := range events {
		going, err := h.goingCount(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, meetupLine{URL: "/events/" + strconv.FormatInt(e.PostID, 10), Title: e.Post.Name,
			When: meetupWhen(e), Zone: e.TimeZone, ISO: e.StartsAt.UTC().Format("2006-01-02T15:04:05Z"),
			Place: federation.PlaceLine(e.Place, e.AddressForGoing), Going: going, Cancelled: e.Cancelled()})
	}
	return out, nil
}

// groupMeetups are a group's upcoming meetups for its page (soonest first).
func (h *Handler) groupMeetups(ctx context.Context, groupID int64) ([]meetupLine, error) {
	events, err := models.UpcomingGroupEvents(ctx, h.db, groupID, 5)
	if err != nil {
		return nil, err
	}
	return h.meetupLines(ctx, events)
}

// eventPageData is a meetup's page.
type eventPageData struct {
	meetupLine
	ID          int64
	Picture     *models.Attachment
	Description template.HTML
	Organizer   actorLink
	GroupTitle  string
	GroupURL    string
	Address     string // the whole address, or only the town when it is for people going
	Hidden      bool   // the street is kept for people going
	MapURL      string
	Capacity    *int
	Counts      models.RSVPCounts
	ThreadURL   string
	RSVP        *rsvpArea // the answer area (event_rsvp.go)
	// meetup_page.go: "Add to calendar", the organizer's buttons, comments.
	Calendar  calendarLink
	CanChange bool // the viewer organizes it or moderates its group
	Comments  meetupComments
}

// EventPage shows a meetup: title, picture, description, when (zone
// named), where (with a map link), organizer, capacity and counts, the
// answer area, its comments and "Add to calendar". A members-only group's meetup
// shows to its members only; the street, when it is for people going,
// only to them.
func (h *Handler) EventPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	e, err := models.EventWithPost(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && e.Post.DeletedAt != nil) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	var viewerID int64
	v := h.viewer(c)
	if v != nil {
		viewerID = v.Actor.ID
	}
	if hidden, err := h.meetupHidden(ctx, e.Post, viewerID); err != nil || hidden {
		if err != nil {
			return fmt.Errorf("web: meetup page: %w", err)
		}
		return echo.NewHTTPError(http.StatusNotFound)
	}
	shown, err := models.AddressShownTo(ctx, h.db, e, e.Post, viewerID)
	if err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	lines, err := h.meetupLines(ctx, []*models.Event{e})
	if err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	d := eventPageData{meetupLine: lines[0], ID: id, Description: template.HTML(e.Post.Content), Capacity: e.Capacity,
		Hidden: !shown, ThreadURL: "/posts/" + strconv.FormatInt(id, 10)}
	if len(e.Post.Attachments) > 0 {
		d.Picture = &e.Post.Attachments[0]
	}
	if d.Counts, err = models.CountRSVPs(ctx, h.db, id); err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	d.Counts.Going = d.Going
	d.Address = federation.PlaceLine(e.Place, !shown)
	d.MapURL = mapURL(e.Place, !shown)
	author, err := models.ActorByID(ctx, h.db, e.Post.AuthorID)
	if err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	d.Organizer = h.linkActor(author)
	if e.Post.GroupID != nil {
		if g, err := models.ActorByID(ctx, h.db, *e.Post.GroupID); err == nil {
			l := h.linkActor(g)
			d.GroupTitle, d.GroupURL = l.Name, l.URL
		}
	}
	if d.RSVP, err = h.rsvpAreaOf(c, e, viewerID); err != nil {
		return err
	}
	if err := h.meetupExtras(c, e, v, &d); err != nil {
		return err
	}
	return h.page(c, http.StatusOK, "event", e.Post.Name, d)
}

// meetupHidden reports whether a meetup is not for this viewer (0: a
// visitor): a members-only group's to non-members, a non-public one to visitors.
func (h *Handler) meetupHidden(ctx context.Context, p *models.Post, viewerID int64) (bool, error) {
	if viewerID == 0 {
		groupID, err := access.MembersOnlyGroupOf(ctx, h.db, p)
		return err == nil && (groupID != 0 || p.Visibility != models.VisibilityPublicPost), err
	}
	return access.HiddenFromViewer(ctx, h.db, p, viewerID)
}

// mapURL opens the place in OpenStreetMap: at its coordinates, or a
// search for its address; no map service is called from here.
func mapURL(p models.Place, hidden bool) string {
	if !hidden && p.Latitude != nil && p.Longitude != nil {
		lat, lon := strconv.FormatFloat(*p.Latitude, 'f', 5, 64), strconv.FormatFloat(*p.Longitude, 'f', 5, 64)
		return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon
	}
	q := federation.PlaceLine(p, hidden)
	if strings.TrimSpace(q) == "" {
		return ""
	}
	return "https://www.openstreetmap.org/search?query=" + url.QueryEscape(q)
}

// eventsPageData is the list of upcoming public meetups near a place.
type eventsPageData struct {
	Place    string
	Meetups  []meetupLine
	NotFound bool // the place is not one we know
}

// EventsPage lists upcoming meetups of public groups, nearest first to
// the place asked for (as the group directory finds a place), then soonest.
func (h *Handler) EventsPage(c echo.Context) error {
	ctx := c.Request().Context()
	d := eventsPageData{Place: strings.TrimSpace(c.QueryParam("place"))}
	var lat, lon *float64
	if la, err1 := strconv.ParseFloat(c.QueryParam("lat"), 64); err1 == nil {
		if lo, err2 := strconv.ParseFloat(c.QueryParam("lon"), 64); err2 == nil {
			lat, lon = &la, &lo
		}
	}
	if lat == nil && d.Place != "" {
		la, lo, ok, err := models.PlaceCoordinates(ctx, h.db, d.Place)
		if err != nil {
			return fmt.Errorf("web: meetups: %w", err)
		}
		if ok {
			lat, lon = &la, &lo
		} else {
			d.NotFound = true
		}
	}
	events, err := models.PublicUpcomingEvents(ctx, h.db, lat, lon, 50)
	if err != nil {
		return fmt.Errorf("web: meetups: %w", err)
	}
	if d.Meetups, err = h.meetupLines(ctx, events); err != nil {
		return fmt.Errorf("web: meetups: %w", err)
	}
	return h.page(c, http.StatusOK, "events", i18n.Text("meetups.title"), d)
}
