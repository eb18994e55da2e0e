package activitypub

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/web/negotiate"
)

// HelpSignup serves a help calendar's sign-up poll (GET /help/:id/signup)
// with the places taken as they stand. A calendar is for its group's
// members only, so the poll goes only to a signed fetch by a member or
// by a server with one (fetchedForMember); anyone else gets the 404 of a
// calendar that does not exist. Browsers go to the calendar's page,
// which decides for itself who sees it.
func (h *Handler) HelpSignup(c echo.Context) error {
	if !negotiate.WantsActivityJSON(c.Request()) {
		c.Response().Header().Set("Vary", "Accept")
		return c.Redirect(http.StatusSeeOther, "/help/"+c.Param("id"))
	}
	return h.serveHelpDocument(c, "poll not found", h.outbox.HelpQuestionDocument)
}
