package activitypub

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/negotiate"
)

// HelpCalendar serves /help/:id: the calendar's page to browsers (the HTML
// app decides who sees it), and its document (a Note carrying
// helpCalendar, never the address) to a signed fetch by a member of its
// group or a server where the group has members. Anyone else gets the
// 404 of a calendar that does not exist.
func (h *Handler) HelpCalendar(c echo.Context) error {
	if !negotiate.WantsActivityJSON(c.Request()) {
		return h.pages.HelpCalendarPage(c)
	}
	return h.serveHelpDocument(c, "help calendar not found", h.outbox.HelpCalendarDocument)
}

// serveHelpDocument answers with a local calendar's document (the
// calendar, or its sign-up poll) when the fetch is a member's, else with
// notFound.
func (h *Handler) serveHelpDocument(c echo.Context, notFound string,
	document func(context.Context, models.DB, *models.HelpCalendar, *models.Actor) (map[string]any, error)) error {
	c.Response().Header().Set("Vary", "Accept")
	ctx := c.Request().Context()
	missing := echo.NewHTTPError(http.StatusNotFound, notFound)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return missing
	}
	cal, err := models.HelpCalendarByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return missing
	}
	if err != nil {
		return err
	}
	group, err := models.ActorByID(ctx, h.db, cal.GroupID)
	if err != nil {
		return err
	}
	if !group.IsLocal() || !h.fetchedForMember(c, group.ID) {
		return missing // another server's calendar is served by it
	}
	doc, err := document(ctx, h.db, cal, group)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return writeActivityJSON(c, http.StatusOK, doc)
}

// HelpContext serves Village's JSON-LD context (docs/help-calendars.md).
func (h *Handler) HelpContext(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return writeJSON(c, http.StatusOK, "application/ld+json", federation.HelpContextDocument())
}
