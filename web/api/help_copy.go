package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Calendars kept from another Village (models/help_copy.go): a member
// here claims, changes and gives back her places, which the outbox sends
// the group as Join or Leave; everything else is done where the calendar
// is organized, and is refused here saying where.

// helpCopyOf is the copy cal is, nil for a calendar opened here.
func (h *Handler) helpCopyOf(ctx context.Context, cal *models.HelpCalendar) (*models.HelpCopy, error) {
	cp, err := models.HelpCopyOf(ctx, h.db, cal.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return cp, err
}

// helpCopyAction runs a member's action on a copy: sub names the slot
// or the claim, the method which of claim, change and give-back it is.
func (h *Handler) helpCopyAction(c echo.Context, cal *models.HelpCalendar, cp *models.HelpCopy, sub string, subID int64) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	var err error
	switch {
	case sub == "slot" && c.Request().Method == http.MethodPost && c.Path() == helpClaimRoute:
		err = h.outbox.ClaimHelpCopySlot(ctx, me, cal.ID, subID, c.FormValue("bringing"))
	case sub == "claim" && c.Request().Method == http.MethodPut:
		err = h.outbox.ChangeHelpCopyClaim(ctx, me, cal.ID, subID, c.FormValue("bringing"))
	case sub == "claim" && c.Request().Method == http.MethodDelete:
		err = h.outbox.GiveBackHelpCopyClaim(ctx, me, cal.ID, subID)
	default:
		return echo.NewHTTPError(http.StatusForbidden, "This calendar is organized on "+hostOf(cp.URI)+": do that there")
	}
	if err != nil {
		return helpRefusal(err)
	}
	return h.answerHelp(c, cal.ID)
}

// helpClaimRoute is the claim's route, as web/routes.go names it.
const helpClaimRoute = "/api/v1/village/help/:id/slots/:slot/claim"

// copySlots brings a copy's slots to what home counts: its taken
// places, and the claims here the group has not answered yet.
func (h *Handler) copySlots(ctx context.Context, calendarID int64, slots []apiHelpSlot) error {
	taken, err := models.HelpCopySlotTaken(ctx, h.db, calendarID)
	if err != nil {
		return err
	}
	pending, err := models.HelpCopyPendingClaims(ctx, h.db, calendarID)
	if err != nil {
		return err
	}
	for i := range slots {
		id, _ := strconv.ParseInt(slots[i].ID, 10, 64)
		if n, ok := taken[id]; ok {
			slots[i].Free = max(slots[i].Places-n, 0)
		}
		for j := range slots[i].Claims {
			claim, _ := strconv.ParseInt(slots[i].Claims[j].ID, 10, 64)
			slots[i].Claims[j].Pending = pending[claim]
		}
	}
	return nil
}

// hostOf is the server a calendar is organized on, as people name it.
func hostOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	return u.Host
}
