package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/eventform"
)

// Meetups have no Mastodon API; Village's own lives under /api/v1/village/.

// apiEvent is a meetup: the status it also is, and its calendar side.
type apiEvent struct {
	*apiStatus
	Title           string         `json:"title"`
	StartTime       string         `json:"start_time"` // in the place's zone, with its offset
	EndTime         *string        `json:"end_time"`
	TimeZone        string         `json:"time_zone"`
	Place           apiPlace       `json:"place"`
	AddressForGoing bool           `json:"address_for_going"`
	Capacity        *int           `json:"capacity"`
	Remaining       *int           `json:"remaining"`
	JoinMode        string         `json:"join_mode"`
	EventStatus     string         `json:"event_status"` // CONFIRMED, TENTATIVE or CANCELLED
	Sequence        int            `json:"sequence"`
	Counts          apiEventCounts `json:"counts"`
	PageURL         string         `json:"page_url"`
}

type apiPlace struct {
	Name          string   `json:"name"`
	StreetAddress string   `json:"street_address"`
	PostalCode    string   `json:"postal_code"`
	Locality      string   `json:"locality"`
	Region        string   `json:"region"`
	Country       string   `json:"country"`
	Latitude      *float64 `json:"latitude"`
	Longitude     *float64 `json:"longitude"`
}

type apiEventCounts struct {
	Going    int `json:"going"`
	Maybe    int `json:"maybe"`
	NotGoing int `json:"not_going"`
	Waitlist int `json:"waitlist"`
	Pending  int `json:"pending"`
}

// eventEntity renders a meetup for viewerID, its street address hidden
// from those who may not see it.
func (h *Handler) eventEntity(ctx context.Context, postID, viewerID int64) (*apiEvent, error) {
	list, err := h.statuses(ctx, []models.Entry{{ID: postID, PostID: postID}}, viewerID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	e, err := models.EventWithPost(ctx, h.db, postID)
	if err != nil {
		return nil, err
	}
	shown, err := models.AddressShownTo(ctx, h.db, e, e.Post, viewerID)
	if err != nil {
		return nil, err
	}
	if !shown {
		e.HideAddress()
	}
	counts, err := models.CountRSVPs(ctx, h.db, postID)
	if err != nil {
		return nil, err
	}
	loc := e.Location()
	out := &apiEvent{apiStatus: list[0], Title: e.Post.Name, StartTime: e.StartsAt.In(loc).Format(time.RFC3339),
		TimeZone: e.TimeZone, AddressForGoing: e.AddressForGoing, Capacity: e.Capacity, JoinMode: e.JoinMode,
		EventStatus: e.Status, Sequence: e.Sequence, PageURL: h.urls.Base + "/events/" + strconv.FormatInt(postID, 10),
		Place: apiPlace{Name: e.Place.Name, StreetAddress: e.Place.StreetAddress, PostalCode: e.Place.PostalCode,
			Locality: e.Place.Locality, Region: e.Place.Region, Country: e.Place.Country,
			Latitude: e.Place.Latitude, Longitude: e.Place.Longitude},
		Counts: apiEventCounts{Going: counts.Going, Maybe: counts.Maybe, NotGoing: counts.NotGoing,
			Waitlist: counts.Waitlist, Pending: counts.Pending}}
	if e.EndsAt != nil {
		end := e.EndsAt.In(loc).Format(time.RFC3339)
		out.EndTime = &end
	}
	if !e.Post.Local {
		// A remote meetup's counts are what its server said.
		if e.RemoteParticipants != nil {
			out.Counts.Going = *e.RemoteParticipants
		}
		out.Remaining = e.RemoteRemaining
	} else if e.Capacity != nil {
		left := max(*e.Capacity-counts.Going, 0)
		out.Remaining = &left
	}
	return out, nil
}

// eventForm is what creating or editing a meetup takes (form or JSON).
type eventForm struct {
	eventform.Fields
	MediaIDs *[]string `form:"media_ids[]" json:"media_ids"`
}

// mediaIDs reads media_ids; nil when none were sent.
func (f *eventForm) mediaIDs() (*[]int64, error) {
	if f.MediaIDs == nil {
		return nil, nil
	}
	ids := []int64{}
	for _, s := range *f.MediaIDs {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+models.ErrMediaNotAttachable.Error())
		}
		ids = append(ids, id)
	}
	if len(ids) > 1 {
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: a meetup shows one picture")
	}
	return &ids, nil
}

// eventRefusal is the answer to an outbox error about a meetup: a 4xx
// with its reason, or nil for errors that are ours.
func eventRefusal(err error) error {
	var formErr *eventform.Error
	switch {
	case errors.As(err, &formErr):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+formErr.Reason)
	case errors.Is(err, models.ErrInvalidEvent):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+strings.TrimPrefix(err.Error(), "outbox: publish meetup: "))
	case errors.Is(err, outbox.ErrNotMember):
		return echo.NewHTTPError(http.StatusForbidden, "Only members can plan a meetup in this group: join it first")
	case errors.Is(err, outbox.ErrModeratorsOnly):
		return echo.NewHTTPError(http.StatusForbidden, "Only moderators post in this group")
	case errors.Is(err, outbox.ErrNotOrganizer):
		return echo.NewHTTPError(http.StatusForbidden, "Only the organizer or a group moderator may change this meetup")
	}
	if r := speakingRefusal(err); r != nil {
		return r
	}
	return attachRefusal(err)
}

// CreateEvent answers POST /api/v1/village/groups/:name/events.
func (h *Handler) CreateEvent(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	group, err := models.GroupByName(ctx, h.db, c.Param("name"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return err
	}
	var f eventForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the meetup")
	}
	mediaIDs, err := f.mediaIDs()
	if err != nil {
		return err
	}
	e := &models.Event{}
	title, err := f.Event(e)
	if err != nil {
		return eventRefusal(err)
	}
	html, tags, _ := h.composer.Render(ctx, strings.TrimSpace(f.Description))
	m := outbox.Meetup{Organizer: me, Group: group.Actor, Event: e,
		Post: &models.Post{Name: title, Content: html, Source: f.Description, Tags: tags}}
	if mediaIDs != nil {
		m.MediaIDs = *mediaIDs
	}
	if t := requestToken(c); t.App != nil {
		m.Post.AppID = &t.App.ID
	}
	post, err := h.outbox.PublishEvent(ctx, m)
	if err := eventFailure(err); err != nil {
		return err
	}
	return h.writeEvent(c, post.ID, me.ID)
}

// eventParam loads the meetup named by :id as the viewer may see it.
func (h *Handler) eventParam(c echo.Context) (*models.Event, error) {
	post, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return nil, err
	}
	if post.Type != "Event" {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	e, err := models.EventByPostID(c.Request().Context(), h.db, post.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return nil, err
	}
	e.Post = post
	return e, nil
}

// localEventParam is eventParam for a change, which only the meetup's
// own server makes.
func (h *Handler) localEventParam(c echo.Context) (*models.Event, error) {
	e, err := h.eventParam(c)
	if err != nil {
		return nil, err
	}
	if !e.Post.Local {
		return nil, echo.NewHTTPError(http.StatusForbidden, "A meetup from another server is changed there")
	}
	return e, nil
}

// eventFailure is how the API answers an outbox error about a meetup:
// a refusal as its 4xx, any other error as it is, nil as nil.
func eventFailure(err error) error {
	if refusal := eventRefusal(err); refusal != nil {
		return refusal
	}
	return err
}

// writeEvent answers with the meetup as viewerID sees it.
func (h *Handler) writeEvent(c echo.Context, postID, viewerID int64) error {
	out, err := h.eventEntity(c.Request().Context(), postID, viewerID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// GetEvent answers GET /api/v1/village/events/:id.
func (h *Handler) GetEvent(c echo.Context) error {
	e, err := h.eventParam(c)
	if err != nil {
		return err
	}
	return h.writeEvent(c, e.PostID, viewerID(c))
}

// GroupEvents answers GET /api/v1/village/groups/:name/events: the group's
// upcoming meetups, soonest first (a members-only group's to members only).
func (h *Handler) GroupEvents(c echo.Context) error {
	ctx := c.Request().Context()
	group, err := models.GroupByName(ctx, h.db, c.Param("name"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return err
	}
	viewer := viewerID(c)
	if group.MembersOnly() {
		member, err := access.SeesMembersOnlyGroup(ctx, h.db, group.Actor, viewer)
		if err != nil {
			return err
		}
		if !member {
			return echo.NewHTTPError(http.StatusNotFound, "Record not found")
		}
	}
	events, err := models.UpcomingGroupEvents(ctx, h.db, group.Actor.ID, 40)
	if err != nil {
		return err
	}
	out := []*apiEvent{}
	for _, e := range events {
		ev, err := h.eventEntity(ctx, e.PostID, viewer)
		var httpErr *echo.HTTPError
		if errors.As(err, &httpErr) && httpErr.Code == http.StatusNotFound {
			continue
		}
		if err != nil {
			return err
		}
		out = append(out, ev)
	}
	return c.JSON(http.StatusOK, out)
}

// EditEvent answers PUT /api/v1/village/events/:id: the organizer or a
// group moderator changes the meetup; fields left out keep their value.
func (h *Handler) EditEvent(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	e, err := h.localEventParam(c)
	if err != nil {
		return err
	}
	if ok, err := models.MayChangeEvent(ctx, h.db, e.Post, me.ID); err != nil || !ok {
		if err != nil {
			return err
		}
		return eventRefusal(outbox.ErrNotOrganizer)
	}
	f := eventForm{Fields: eventform.FromEvent(e.Post.Name, e.Post.Source, e)}
	f.Date, f.Start, f.End = "", "", "" // the API speaks in instants unless told otherwise
	loc := e.Location()
	f.StartTime = e.StartsAt.In(loc).Format(time.RFC3339)
	if e.EndsAt != nil {
		f.EndTime = e.EndsAt.In(loc).Format(time.RFC3339)
	}
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the meetup")
	}
	if f.Date != "" {
		f.StartTime, f.EndTime = "", ""
	}
	mediaIDs, err := f.mediaIDs()
	if err != nil {
		return err
	}
	changed := *e
	title, err := f.Event(&changed)
	if err != nil {
		return eventRefusal(err)
	}
	if err := changed.Validate(time.Time{}); err != nil {
		return eventRefusal(err)
	}
	post := *e.Post
	post.Name, post.Source = title, f.Description
	post.Content, post.Tags, _ = h.composer.Render(ctx, strings.TrimSpace(f.Description))
	post.Tags = keepMentionOf(post.Tags, e.Post.Tags)
	err = h.outbox.EditEvent(ctx, outbox.EventChange{Editor: me, Post: &post, Event: &changed, MediaIDs: mediaIDs})
	if err := eventFailure(err); err != nil {
		return err
	}
	return h.writeEvent(c, e.PostID, me.ID)
}

// keepMentionOf keeps the Mention tags of old (the group's) that the new
// text does not name, so that the meetup stays addressed to its group.
func keepMentionOf(tags, old []models.Tag) []models.Tag {
	for _, t := range old {
		if t.Type == "Mention" && !models.HasTag(tags, t.Href) {
			tags = append(tags, t)
		}
	}
	return tags
}

// CancelEvent answers POST /api/v1/village/events/:id/cancel.
func (h *Handler) CancelEvent(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	e, err := h.localEventParam(c)
	if err != nil {
		return err
	}
	if err := eventFailure(h.outbox.CancelEvent(ctx, me, e.Post)); err != nil {
		return err
	}
	return h.writeEvent(c, e.PostID, me.ID)
}

// DeleteEvent answers DELETE /api/v1/village/events/:id.
func (h *Handler) DeleteEvent(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	e, err := h.localEventParam(c)
	if err != nil {
		return err
	}
	// Rendered before it goes: the answer is the meetup as it was.
	out, err := h.eventEntity(ctx, e.PostID, me.ID)
	if err != nil {
		return err
	}
	if err := eventFailure(h.outbox.DeleteEvent(ctx, me, e.Post)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// eventFactsHTML says when and where a meetup is, how many are going, and
// links to its page, for Mastodon apps, which show a meetup as a status.
func (h *Handler) eventFactsHTML(ctx context.Context, p *models.Post, viewerID int64) string {
	e, err := models.EventByPostID(ctx, h.db, p.ID)
	if err != nil {
		return "" // a post of type Event from before its row arrived: shown as a post
	}
	shown, err := models.AddressShownTo(ctx, h.db, e, p, viewerID)
	if err != nil {
		shown = false
	}
	going := 0
	if !p.Local && e.RemoteParticipants != nil {
		going = *e.RemoteParticipants
	} else if counts, err := models.CountRSVPs(ctx, h.db, p.ID); err == nil {
		going = counts.Going
	}
	e.AddressForGoing = e.AddressForGoing && !shown
	page := p.URL
	if p.Local {
		page = h.urls.Base + "/events/" + strconv.FormatInt(p.ID, 10)
	}
	return "<p>" + htmlEscape(federation.EventFacts(e, going)) + "</p><p><a href=\"" + htmlEscape(page) + "\">" +
		htmlEscape(page) + "</a></p>"
}
