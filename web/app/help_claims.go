package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// A member's places in a calendar: claim one with what she brings,
// change what she brings, give it back.

// helpPost is the shape of the forms posted on a calendar's page: the
// signed-in sender and the calendar in the path, then act (models says
// who may); a refusal is answered as a page, anything else sends the
// person back to the calendar with done at anchor.
//
// The action and the calendar's news to members on other servers
// (outbox.HelpChanged) are one transaction, db in act.
func (h *Handler) helpPost(c echo.Context, done, anchor string, act func(ctx context.Context, db models.DB, v *models.Account, cal *models.HelpCalendar, s models.HelpStanding) error) error {
	v := h.viewer(c)
	if v == nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	cal, s, err := h.helpCalendarOf(c, v)
	if err != nil {
		return err
	}
	if cp, err := h.helpCopyOf(c.Request().Context(), cal); err != nil || cp != nil {
		if err != nil {
			return err
		}
		return h.helpCopyPost(c, v, cal, cp, done) // kept from another Village (help_copy.go)
	}
	ctx := c.Request().Context()
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		if err := act(ctx, tx, v, cal, s); err != nil {
			return err
		}
		return h.outbox.HelpChanged(ctx, tx, cal.ID)
	})
	if err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, done, anchor)
}

// helpItemPost is helpPost on one slot or claim, whose id is the path's
// param: act gets the calendar's id, the item's and the sender's actor.
func (h *Handler) helpItemPost(c echo.Context, param, done, anchor string, act func(ctx context.Context, db models.DB, cal, item, actor int64) error) error {
	return h.helpPost(c, done, anchor, func(ctx context.Context, db models.DB, v *models.Account, cal *models.HelpCalendar, _ models.HelpStanding) error {
		item, err := idParam(c, param)
		if err != nil {
			return err // a 404, which helpRefused passes on as it is
		}
		return act(ctx, db, cal.ID, item, v.Actor.ID)
	})
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
	return h.helpItemPost(c, "slot", "claimed", "#mine", func(ctx context.Context, db models.DB, cal, slot, actor int64) error {
		_, err := models.ClaimHelpSlot(ctx, db, cal, slot, actor, c.FormValue("bringing"))
		return err
	})
}

// ChangeHelpClaimForm is POST /help/:id/claims/:claim (bringing).
func (h *Handler) ChangeHelpClaimForm(c echo.Context) error {
	return h.helpItemPost(c, "claim", "changed", "#mine", func(ctx context.Context, db models.DB, cal, claim, actor int64) error {
		return models.ChangeHelpClaim(ctx, db, cal, claim, actor, c.FormValue("bringing"))
	})
}

// GiveBackHelpClaimForm is POST /help/:id/claims/:claim/give_back.
func (h *Handler) GiveBackHelpClaimForm(c echo.Context) error {
	return h.helpItemPost(c, "claim", "given_back", "#slots", func(ctx context.Context, db models.DB, cal, claim, actor int64) error {
		return models.GiveBackHelpClaim(ctx, db, cal, claim, actor)
	})
}
