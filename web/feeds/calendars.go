package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// Calendars: a group's meetups, one meetup ("add to calendar"), and a
// member's own meetups at a secret URL. A members-only group's meetups
// are served only in the member's own calendar, and only while she is a
// member: calendar apps fetch without a session, so the secret URL is the
// only way to know who asks.

const (
	calendarContentType = "text/calendar; charset=utf-8"
	// Calendars keep a month of past meetups (a member's a year), so that
	// a subscription does not forget them the day after.
	groupCalendarPast  = 30 * 24 * time.Hour
	memberCalendarPast = 365 * 24 * time.Hour
	calendarMaxEvents  = 500
	calendarTitleRunes = 200
	// The member's feed is hers alone: no shared cache keeps it.
	memberCalendarCache = "private, max-age=300"
)

// GroupCalendar serves a group's meetups (GET /groups/:name/events.ics).
// Members-only groups have none here (404, as their other public surfaces).
func (h *Handler) GroupCalendar(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := models.GroupByName(ctx, h.db, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "group")
	}
	if g.MembersOnly() {
		return echo.NewHTTPError(http.StatusNotFound, "group not found")
	}
	events, err := models.GroupCalendarEvents(ctx, h.db, g.Actor.ID, time.Now().Add(-groupCalendarPast), calendarMaxEvents)
	if err != nil {
		return fmt.Errorf("feeds: group calendar: %w", err)
	}
	doc := calendarDoc{Name: g.Title}
	for _, e := range events {
		doc.Events = append(doc.Events, h.calendarEvent(e, false))
	}
	return h.writeCalendar(c, doc, feedMaxAge)
}

// EventCalendar serves one meetup (GET /events/:id/event.ics), to anyone
// who may see it without signing in.
func (h *Handler) EventCalendar(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "event not found")
	}
	e, err := models.CalendarEventWithOrganizer(ctx, h.db, id)
	if err != nil {
		return httperr.Lookup(err, "event")
	}
	p := e.Post
	if p.DeletedAt != nil || (p.Visibility != models.VisibilityPublicPost && p.Visibility != models.VisibilityUnlisted) {
		return echo.NewHTTPError(http.StatusNotFound, "event not found")
	}
	if group, err := access.MembersOnlyGroupOf(ctx, h.db, p); err != nil {
		return fmt.Errorf("feeds: event calendar: %w", err)
	} else if group != 0 {
		return echo.NewHTTPError(http.StatusNotFound, "event not found")
	}
	doc := calendarDoc{Name: h.eventTitle(p), Events: []calendarEvent{h.calendarEvent(e, false)}}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="meetup-%d.ics"`, id))
	return h.writeCalendar(c, doc, feedMaxAge)
}

// MemberCalendar serves a member's meetups at her secret URL
// (GET /calendars/:token/meetups.ics): those she is going to, maybe going
// to, or waiting for, each with her answer. An unknown or reset token is
// a 404, like any address that does not exist.
func (h *Handler) MemberCalendar(c echo.Context) error {
	ctx := c.Request().Context()
	me, err := models.ActorByCalendarToken(ctx, h.db, c.Param("token"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "calendar not found")
	}
	if err != nil {
		return fmt.Errorf("feeds: member calendar: %w", err)
	}
	entries, err := models.MemberCalendarEvents(ctx, h.db, me.ID, time.Now().Add(-memberCalendarPast), calendarMaxEvents)
	if err != nil {
		return fmt.Errorf("feeds: member calendar: %w", err)
	}
	doc := calendarDoc{Name: fmt.Sprintf(i18n.Text("calendar.member"), h.urls.Host())}
	for _, en := range entries {
		// Going (or organizing) is what shows a hidden street address.
		going := en.Answer == models.RSVPGoing || en.Event.Post.AuthorID == me.ID
		ev := h.calendarEvent(en.Event, going)
		ev.Attendee = &calendarPerson{URI: h.urls.Actor(me), Name: me.ShownName(), PartStat: partStat(en.Answer)}
		doc.Events = append(doc.Events, ev)
	}
	help, err := h.helpSlotEvents(ctx, me) // her places in help calendars
	if err != nil {
		return err
	}
	doc.Events = append(doc.Events, help...)
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return h.writeCalendar(c, doc, memberCalendarCache)
}

// partStat is an answer as a calendar's PARTSTAT: waiting (for a place,
// or for the organizer) is not yet an acceptance.
func partStat(answer string) ics.ParticipationStatus {
	switch answer {
	case models.RSVPGoing:
		return ics.ParticipationStatusAccepted
	case models.RSVPMaybe:
		return ics.ParticipationStatusTentative
	default:
		return ics.ParticipationStatusNeedsAction
	}
}

// calendarEvent is a stored meetup as its reader may see it; showAddress
// says whether the reader may see a street address kept for people going.
func (h *Handler) calendarEvent(e *models.Event, showAddress bool) calendarEvent {
	p := e.Post
	page := h.urls.Base + "/events/" + strconv.FormatInt(p.ID, 10)
	modified := e.UpdatedAt
	if p.EditedAt != nil && p.EditedAt.After(modified) {
		modified = *p.EditedAt
	}
	description := content.PlainText(h.sanitizer.Sanitize(p.Content))
	if description != "" {
		description += "\n\n"
	}
	ev := calendarEvent{UID: p.URI, Title: h.eventTitle(p), Description: description + page, URL: page,
		Start: e.StartsAt, End: e.EndsAt, TimeZone: e.TimeZone, Status: e.Status, Sequence: e.Sequence,
		Modified: modified}
	exact := showAddress || !e.AddressForGoing
	ev.Location = placeText(e.Place, exact)
	if exact && e.Place.Latitude != nil && e.Place.Longitude != nil {
		ev.Geo = &[2]float64{*e.Place.Latitude, *e.Place.Longitude}
	}
	if p.Author != nil {
		ev.Organizer = calendarPerson{URI: h.urls.Actor(p.Author), Name: content.CutRunes(p.Author.ShownName(), feedNameRunes)}
	}
	return ev
}

// eventTitle is a meetup's title, or the start of its text for one
// that came without.
func (h *Handler) eventTitle(p *models.Post) string {
	if p.Name != "" {
		return content.CutRunes(p.Name, calendarTitleRunes)
	}
	if t := content.Title(h.sanitizer.Sanitize(p.Content), feedTitleRunes); t != "" {
		return t
	}
	return i18n.Text("calendar.untitled")
}

// placeText is a place in one line: its name and address. Without exact,
// the street address and postal code (which can narrow it to a few
// houses) are left out: the town stays, so people know where to look.
func placeText(pl models.Place, exact bool) string {
	parts := []string{pl.Name}
	if exact {
		parts = append(parts, pl.StreetAddress, strings.TrimSpace(pl.PostalCode+" "+pl.Locality))
	} else {
		parts = append(parts, pl.Locality)
	}
	parts = append(parts, pl.Region, pl.Country)
	var out []string
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

// writeCalendar encodes a calendar and serves it with an ETag of its
// bytes, answering 304 to a calendar app that has them already: apps poll
// every few minutes, and most of the time nothing changed.
func (h *Handler) writeCalendar(c echo.Context, doc calendarDoc, cacheControl string) error {
	body, err := writeICal(doc)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hdr := c.Response().Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if last := lastModified(doc); !last.IsZero() {
		hdr.Set("Last-Modified", last.UTC().Format(http.TimeFormat))
	}
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, calendarContentType, body)
}

func lastModified(doc calendarDoc) time.Time {
	var last time.Time
	for _, e := range doc.Events {
		if e.Modified.After(last) {
			last = e.Modified
		}
	}
	return last
}

// etagMatches reads If-None-Match (a list, maybe weak tags, or *) the
// weak way RFC 9110 asks of GET.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
