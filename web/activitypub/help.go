package activitypub

import (
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
	c.Response().Header().Set("Vary", "Accept")
	ctx := c.Request().Context()
	notFound := echo.NewHTTPError(http.StatusNotFound, "help calendar not found")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound
	}
	cal, err := models.HelpCalendarByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	group, err := models.ActorByID(ctx, h.db, cal.GroupID)
	if err != nil {
		return err
	}
	if !group.IsLocal() || !h.fetchedForMember(c, group.ID) {
		return notFound // another server's calendar is served by it
	}
	doc, err := h.outbox.HelpCalendarDocument(ctx, h.db, cal, group)
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
