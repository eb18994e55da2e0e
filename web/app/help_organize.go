package app

import (
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/helpform"
)

// What organizers do on a calendar's page: fill or clear a slot, add
// slots, pause, reopen, extend or close it (a moderator may close it
// too), and post updates; helpers leave notes of support and the
// recipient thanks everyone. models checks who may do each.

// FillHelpSlotForm is POST /help/:id/slots/:slot/fill (name).
func (h *Handler) FillHelpSlotForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	slot, err := idParam(c, "slot")
	if err != nil {
		return err
	}
	if err := models.FillHelpSlot(c.Request().Context(), h.db, cal.ID, slot, v.Actor.ID, c.FormValue("name")); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "filled", "#slots")
}

// ClearHelpSlotForm is POST /help/:id/slots/:slot/clear.
func (h *Handler) ClearHelpSlotForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	slot, err := idParam(c, "slot")
	if err != nil {
		return err
	}
	if _, err := models.ClearHelpSlot(c.Request().Context(), h.db, cal.ID, slot, v.Actor.ID); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "cleared", "#slots")
}

// AddHelpSlotsForm is POST /help/:id/slots: slots over a range, as the
// opening form makes them.
func (h *Handler) AddHelpSlotsForm(c echo.Context) error {
	_, cal, s, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	if !s.Organizer {
		return h.helpRefused(c, models.ErrHelpNotOrganizer)
	}
	var f helpform.Fields
	if err := c.Bind(&f); err != nil {
		return h.helpRefused(c, &models.HelpInputError{Field: "form", Reason: "unreadable"})
	}
	first, err := helpform.Date("starts_on", f.StartsOn)
	if err != nil {
		return h.helpRefused(c, err)
	}
	last, err := helpform.Date("ends_on", f.EndsOn)
	if err != nil {
		return h.helpRefused(c, err)
	}
	slots, err := helpform.Slots(f, first, last)
	if err == nil {
		err = models.AddHelpSlots(c.Request().Context(), h.db, cal.ID, slots)
	}
	if err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "slots", "#slots")
}

// HelpStatusForm is POST /help/:id/status (open, paused, closed).
func (h *Handler) HelpStatusForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	if err := models.SetHelpStatus(c.Request().Context(), h.db, cal.ID, v.Actor.ID, c.FormValue("status")); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "status", "")
}

// ExtendHelpForm is POST /help/:id/extend (ends_on).
func (h *Handler) ExtendHelpForm(c echo.Context) error {
	_, cal, s, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	if !s.Organizer {
		return h.helpRefused(c, models.ErrHelpNotOrganizer)
	}
	end, err := helpform.Date("ends_on", c.FormValue("ends_on"))
	if err == nil {
		err = models.ExtendHelpCalendar(c.Request().Context(), h.db, cal.ID, end)
	}
	if err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "extended", "")
}

// PostHelpUpdateForm is POST /help/:id/updates (kind: update, support,
// thanks; text).
func (h *Handler) PostHelpUpdateForm(c echo.Context) error {
	v, cal, _, err := h.helpAction(c)
	if cal == nil {
		return err
	}
	if _, err := models.PostHelpUpdate(c.Request().Context(), h.db, cal, v.Actor.ID, c.FormValue("kind"), c.FormValue("text")); err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "posted", "#updates")
}
