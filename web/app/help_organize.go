package app

import (
	"context"

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
	return h.helpItemPost(c, "slot", "filled", "#slots", func(ctx context.Context, db models.DB, cal, slot, actor int64) error {
		return models.FillHelpSlot(ctx, db, cal, slot, actor, c.FormValue("name"))
	})
}

// ClearHelpSlotForm is POST /help/:id/slots/:slot/clear.
func (h *Handler) ClearHelpSlotForm(c echo.Context) error {
	return h.helpItemPost(c, "slot", "cleared", "#slots", func(ctx context.Context, db models.DB, cal, slot, actor int64) error {
		_, err := models.ClearHelpSlot(ctx, db, cal, slot, actor)
		return err
	})
}

// AddHelpSlotsForm is POST /help/:id/slots: slots over a range, as the
// opening form makes them.
func (h *Handler) AddHelpSlotsForm(c echo.Context) error {
	return h.helpPost(c, "slots", "#slots", func(ctx context.Context, db models.DB, _ *models.Account, cal *models.HelpCalendar, s models.HelpStanding) error {
		if !s.Organizer {
			return models.ErrHelpNotOrganizer
		}
		var f helpform.Fields
		if err := c.Bind(&f); err != nil {
			return &models.HelpInputError{Field: "form", Reason: "unreadable"}
		}
		slots, err := helpform.SlotsToAdd(f)
		if err != nil {
			return err
		}
		return models.AddHelpSlots(ctx, db, cal.ID, slots)
	})
}

// HelpStatusForm is POST /help/:id/status (open, paused, closed).
func (h *Handler) HelpStatusForm(c echo.Context) error {
	return h.helpPost(c, "status", "", func(ctx context.Context, db models.DB, v *models.Account, cal *models.HelpCalendar, _ models.HelpStanding) error {
		return models.SetHelpStatus(ctx, db, cal.ID, v.Actor.ID, c.FormValue("status"))
	})
}

// ExtendHelpForm is POST /help/:id/extend (ends_on).
func (h *Handler) ExtendHelpForm(c echo.Context) error {
	return h.helpPost(c, "extended", "", func(ctx context.Context, db models.DB, _ *models.Account, cal *models.HelpCalendar, s models.HelpStanding) error {
		if !s.Organizer {
			return models.ErrHelpNotOrganizer
		}
		end, err := helpform.Date("ends_on", c.FormValue("ends_on"))
		if err != nil {
			return err
		}
		return models.ExtendHelpCalendar(ctx, db, cal.ID, end)
	})
}

// PostHelpUpdateForm is POST /help/:id/updates (kind: update, support,
// thanks; text).
func (h *Handler) PostHelpUpdateForm(c echo.Context) error {
	return h.helpPost(c, "posted", "#updates", func(ctx context.Context, db models.DB, v *models.Account, cal *models.HelpCalendar, _ models.HelpStanding) error {
		_, err := h.outbox.PostHelpUpdate(ctx, db, cal, v.Actor.ID, c.FormValue("kind"), c.FormValue("text"))
		return err
	})
}
