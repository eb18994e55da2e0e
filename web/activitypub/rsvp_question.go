package activitypub

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/negotiate"
)

// RSVPQuestion serves a local meetup's RSVP poll at its id (the meetup's
// post id + "/rsvp") with the counts as they stand, as the meetup itself
// is served: 404 when the meetup is not shown (a members-only group's to
// its members' servers only), the meetup's page for browsers.
func (h *Handler) RSVPQuestion(c echo.Context) error {
	ctx := c.Request().Context()
	uri := h.urls.Base + strings.TrimSuffix(c.Request().URL.Path, "/rsvp")
	post, err := models.PostByURI(ctx, h.db, uri)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (!post.Local || post.Type != "Event" || post.DeletedAt != nil)) {
		return echo.NewHTTPError(http.StatusNotFound, "poll not found")
	}
	if err != nil {
		return err
	}
	allowed, _, err := h.mayServe(c, post)
	if err != nil {
		return err
	}
	if !allowed {
		return echo.NewHTTPError(http.StatusNotFound, "poll not found")
	}
	m, err := outbox.LoadMeetup(ctx, h.db, post.ID)
	if errors.Is(err, outbox.ErrNotMeetup) || (err == nil && (m.Group == nil || !m.Group.IsLocal())) {
		return echo.NewHTTPError(http.StatusNotFound, "poll not found")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Vary", "Accept")
	if !negotiate.WantsActivityJSON(c.Request()) {
		return c.Redirect(http.StatusSeeOther, h.outbox.EventPage(m))
	}
	doc, err := h.outbox.RSVPQuestionDocument(ctx, h.db, m)
	if err != nil {
		return err
	}
	return writeActivityJSON(c, http.StatusOK, doc)
}
