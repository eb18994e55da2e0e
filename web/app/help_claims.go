package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// A member's places in a calendar: claim one with what she brings,
// change what she brings, give it back.

// helpAction reads the signed-in sender of a calendar's form and the
// calendar; a nil calendar means the request was answered.
func (h *Handler) helpAction(c echo.Context) (*models.Account, *models.HelpCalendar, models.HelpStanding, error) {
	v := h.viewer(c)
	if v == nil {
		return nil, nil, models.HelpStanding{}, c.Redirect(http.StatusSeeOther, "/login")
	}
	cal, s, err := h.helpCalendarOf(c, v)
	return v, cal, s, err
}

func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}

// doneAt sends the person back to the calendar with what happened.
func doneAt(c echo.Context, id int64, done, anchor string) error {
	return c.Redirect(http.StatusSeeOther, helpPath(id)+"?done="+done+anchor)
}

// ClaimHelpSlotForm is POST /help/:id/slots/:slot/claim (bringing).
func (h *Handler) ClaimHelpSlotForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	slot, err := idParam(c, "slot")
	if err != nil {
		return err
	}
	if _, err := models.ClaimHelpSlot(c.Request().Context(), h.db, cal.ID, slot, v.Actor.ID, c.FormValue("bringing")); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "claimed", "#mine")
}

// ChangeHelpClaimForm is POST /help/:id/claims/:claim (bringing).
func (h *Handler) ChangeHelpClaimForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	claim, err := idParam(c, "claim")
	if err != nil {
		return err
	}
	if err := models.ChangeHelpClaim(c.Request().Context(), h.db, cal.ID, claim, v.Actor.ID, c.FormValue("bringing")); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "changed", "#mine")
}

// GiveBackHelpClaimForm is POST /help/:id/claims/:claim/give_back.
func (h *Handler) GiveBackHelpClaimForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	claim, err := idParam(c, "claim")
	if err != nil {
		return err
	}
	if err := models.GiveBackHelpClaim(c.Request().Context(), h.db, cal.ID, claim, v.Actor.ID); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "given_back", "#slots")
}
