package activitypub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/negotiate"
)

// HelpSignup serves a help calendar's sign-up poll (GET /help/:id/signup)
// with the places taken as they stand. A calendar is for its group's
// members only, so the poll goes only to a signed fetch by a member or
// by a server with one (fetchedForMember); anyone else gets the 404 of a
// calendar that does not exist. Browsers go to the calendar's page,
// which decides for itself who sees it.
func (h *Handler) HelpSignup(c echo.Context) error {
	ctx := c.Request().Context()
	notFound := echo.NewHTTPError(http.StatusNotFound, "poll not found")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return notFound
	}
	c.Response().Header().Set("Vary", "Accept")
	if !negotiate.WantsActivityJSON(c.Request()) {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/help/%d", id))
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
		return notFound
	}
	doc, err := h.outbox.HelpQuestionDocument(ctx, h.db, cal, group)
	if err != nil {
		return err
	}
	return writeActivityJSON(c, http.StatusOK, doc)
}
