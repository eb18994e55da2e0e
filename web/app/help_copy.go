package app

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// Calendars kept from another Village (models/help_copy.go) on a
// calendar's page: a member here signs up, changes what she brings and
// gives her place back, and the outbox tells the group; what organizers
// do is done on the calendar's own server, and refused here saying so.

// helpCopyOf is the copy cal is, nil for a calendar opened here.
func (h *Handler) helpCopyOf(ctx context.Context, cal *models.HelpCalendar) (*models.HelpCopy, error) {
	cp, err := models.HelpCopyOf(ctx, h.db, cal.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return cp, err
}

// helpCopyPost runs a form posted on a copy's page; done names the form
// as helpPost's callers do.
func (h *Handler) helpCopyPost(c echo.Context, v *models.Account, cal *models.HelpCalendar, cp *models.HelpCopy, done string) error {
	ctx := c.Request().Context()
	var err error
	anchor := "#mine"
	switch done {
	case "claimed":
		var slot int64
		if slot, err = idParam(c, "slot"); err == nil {
			err = h.outbox.ClaimHelpCopySlot(ctx, v.Actor, cal.ID, slot, c.FormValue("bringing"))
		}
		done = "claim_sent"
	case "changed":
		var claim int64
		if claim, err = idParam(c, "claim"); err == nil {
			err = h.outbox.ChangeHelpCopyClaim(ctx, v.Actor, cal.ID, claim, c.FormValue("bringing"))
		}
	case "given_back":
		var claim int64
		if claim, err = idParam(c, "claim"); err == nil {
			err = h.outbox.GiveBackHelpCopyClaim(ctx, v.Actor, cal.ID, claim)
		}
		anchor = "#slots"
	default:
		d := errorData{Status: http.StatusForbidden, Heading: i18n.Text("help.refused.title"),
			Text: i18n.Format("help.refused.copy", copyHost(cp.URI))}
		return h.page(c, http.StatusForbidden, "error", d.Heading, d)
	}
	if err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, done, anchor)
}

// helpCopyView shows a copy's slots as its home counts them: the places
// taken there, her own claim while the group has not answered it, and
// where it is organized.
func (h *Handler) helpCopyView(ctx context.Context, cal *models.HelpCalendar, d *helpPageData) error {
	cp, err := h.helpCopyOf(ctx, cal)
	if err != nil || cp == nil {
		return err
	}
	d.Home = copyHost(cp.URI)
	if g, err := models.ActorByID(ctx, h.db, cal.GroupID); err == nil {
		d.Group = h.linkActor(g) // its page here is its profile: its help list lives at home
	}
	taken, err := models.HelpCopySlotTaken(ctx, h.db, cal.ID)
	if err != nil {
		return err
	}
	pending, err := models.HelpCopyPendingClaims(ctx, h.db, cal.ID)
	if err != nil {
		return err
	}
	for i := range d.Days {
		for j := range d.Days[i].Slots {
			s := &d.Days[i].Slots[j]
			s.Free = max(s.Places-taken[s.ID], 0)
			s.CanClaim = d.Open && !s.Mine && s.Free > 0
			s.CanFill, s.CanClear = false, false
		}
	}
	for i := range d.Mine {
		d.Mine[i].Pending = pending[d.Mine[i].ClaimID]
	}
	d.Organizer, d.Moderator, d.CanPostNews, d.CanThank = false, false, false, false
	return nil
}

func copyHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	return u.Host
}
