package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/helpform"
)

// The help calendar routes: list, get, create, and the members' and
// organizers' actions. Each answers with the calendar as it stands.

// helpGroup loads the group :name for the token's member (404 otherwise).
func (h *Handler) helpGroup(c echo.Context) (*models.Group, error) {
	ctx := c.Request().Context()
	g, err := models.GroupByName(ctx, h.db, c.Param("name"))
	if errors.Is(err, models.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return nil, err
	}
	ok, err := models.HelpMember(ctx, h.db, g.Actor.ID, currentAccount(c).Actor.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return g, nil
}

// GroupHelpCalendars answers GET /api/v1/village/groups/:name/help.
func (h *Handler) GroupHelpCalendars(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := h.helpGroup(c)
	if err != nil {
		return err
	}
	me := currentAccount(c).Actor.ID
	list, err := models.GroupHelpCalendars(ctx, h.db, g.Actor.ID, me)
	if err != nil {
		return err
	}
	return h.answerHelpList(c, list, me)
}

// MemberHelpCalendars answers GET /api/v1/village/help: the calendars of
// every group the member belongs to, here or on other servers.
func (h *Handler) MemberHelpCalendars(c echo.Context) error {
	me := currentAccount(c).Actor.ID
	list, err := models.MemberHelpCalendars(c.Request().Context(), h.db, me)
	if err != nil {
		return err
	}
	return h.answerHelpList(c, list, me)
}

// answerHelpList answers with the calendars of list that me may see.
func (h *Handler) answerHelpList(c echo.Context, list []*models.HelpCalendar, me int64) error {
	ctx := c.Request().Context()
	out := []*apiHelpCalendar{}
	for _, cal := range list {
		s, err := models.HelpStandingOf(ctx, h.db, cal, me)
		if err != nil {
			return err
		}
		if !s.SeesCalendar(cal) {
			continue
		}
		e, err := h.helpEntity(ctx, cal, s, false)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, out)
}

// CreateHelpCalendar answers POST /api/v1/village/groups/:name/help
// (helpform.Fields, as a form or JSON).
func (h *Handler) CreateHelpCalendar(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := h.helpGroup(c)
	if err != nil {
		return err
	}
	var f helpform.Fields
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: unreadable body")
	}
	me := currentAccount(c).Actor.ID
	story, _, _ := h.composer.Render(ctx, strings.TrimSpace(f.Story))
	n, err := helpform.Read(ctx, h.db, g.Actor.ID, me, f, story)
	if err != nil {
		return helpRefusal(err)
	}
	var cal *models.HelpCalendar
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		if cal, err = models.CreateHelpCalendar(ctx, tx, n); err != nil {
			return err
		}
		return h.outbox.HelpChanged(ctx, tx, cal.ID)
	})
	if err != nil {
		return helpRefusal(err)
	}
	return h.answerHelp(c, cal.ID)
}

// GetHelpCalendar answers GET /api/v1/village/help/:id.
func (h *Handler) GetHelpCalendar(c echo.Context) error {
	cal, s, err := h.helpCalendar(c)
	if err != nil {
		return err
	}
	e, err := h.helpEntity(c.Request().Context(), cal, s, true)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, e)
}

// answerHelp answers an action with the calendar as it now stands.
func (h *Handler) answerHelp(c echo.Context, id int64) error {
	c.SetParamNames("id")
	c.SetParamValues(idString(id))
	return h.GetHelpCalendar(c)
}

func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil {
		return 0, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return id, nil
}

// helpAction runs an action on :id, and its :sub id (a slot or a claim),
// for the token's member, and answers with the calendar. The action and
// the calendar's news to members on other servers (outbox.HelpChanged)
// are one transaction, db in act.
func (h *Handler) helpAction(sub string, act func(c echo.Context, db models.DB, cal *models.HelpCalendar, s models.HelpStanding, me, subID int64) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		cal, s, err := h.helpCalendar(c)
		if err != nil {
			return err
		}
		var subID int64
		if sub != "" {
			if subID, err = pathID(c, sub); err != nil {
				return err
			}
		}
		if cp, err := h.helpCopyOf(c.Request().Context(), cal); err != nil || cp != nil {
			if err != nil {
				return err
			}
			return h.helpCopyAction(c, cal, cp, sub, subID) // kept from another Village (help_copy.go)
		}
		ctx := c.Request().Context()
		err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
			if err := act(c, tx, cal, s, currentAccount(c).Actor.ID, subID); err != nil {
				return err
			}
			return h.outbox.HelpChanged(ctx, tx, cal.ID)
		})
		if err != nil {
			return helpRefusal(err)
		}
		return h.answerHelp(c, cal.ID)
	}
}

// ClaimHelpSlot answers POST /api/v1/village/help/:id/slots/:slot/claim (bringing).
func (h *Handler) ClaimHelpSlot() echo.HandlerFunc {
	return h.helpAction("slot", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, slot int64) error {
		_, err := models.ClaimHelpSlot(c.Request().Context(), db, cal.ID, slot, me, c.FormValue("bringing"))
		return err
	})
}

// ChangeHelpClaim answers PUT /api/v1/village/help/:id/claims/:claim (bringing).
func (h *Handler) ChangeHelpClaim() echo.HandlerFunc {
	return h.helpAction("claim", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, claim int64) error {
		return models.ChangeHelpClaim(c.Request().Context(), db, cal.ID, claim, me, c.FormValue("bringing"))
	})
}

// GiveBackHelpClaim answers DELETE /api/v1/village/help/:id/claims/:claim.
func (h *Handler) GiveBackHelpClaim() echo.HandlerFunc {
	return h.helpAction("claim", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, claim int64) error {
		return models.GiveBackHelpClaim(c.Request().Context(), db, cal.ID, claim, me)
	})
}

// FillHelpSlot answers POST /api/v1/village/help/:id/slots/:slot/fill (name).
func (h *Handler) FillHelpSlot() echo.HandlerFunc {
	return h.helpAction("slot", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, slot int64) error {
		return models.FillHelpSlot(c.Request().Context(), db, cal.ID, slot, me, c.FormValue("name"))
	})
}

// ClearHelpSlot answers POST /api/v1/village/help/:id/slots/:slot/clear.
func (h *Handler) ClearHelpSlot() echo.HandlerFunc {
	return h.helpAction("slot", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, slot int64) error {
		_, err := models.ClearHelpSlot(c.Request().Context(), db, cal.ID, slot, me)
		return err
	})
}

// AddHelpSlots answers POST /api/v1/village/help/:id/slots (starts_on,
// ends_on, days, slots, places: as when opening).
func (h *Handler) AddHelpSlots() echo.HandlerFunc {
	return h.helpAction("", func(c echo.Context, db models.DB, cal *models.HelpCalendar, s models.HelpStanding, _, _ int64) error {
		if !s.Organizer {
			return models.ErrHelpNotOrganizer
		}
		var f helpform.Fields
		if err := c.Bind(&f); err != nil {
			return &models.HelpInputError{Field: "body", Reason: "unreadable"}
		}
		slots, err := helpform.SlotsToAdd(f)
		if err != nil {
			return err
		}
		return models.AddHelpSlots(c.Request().Context(), db, cal.ID, slots)
	})
}

// SetHelpStatus answers POST /api/v1/village/help/:id/status (open, paused, closed).
func (h *Handler) SetHelpStatus() echo.HandlerFunc {
	return h.helpAction("", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, _ int64) error {
		return models.SetHelpStatus(c.Request().Context(), db, cal.ID, me, c.FormValue("status"))
	})
}

// ExtendHelpCalendar answers POST /api/v1/village/help/:id/extend (ends_on).
func (h *Handler) ExtendHelpCalendar() echo.HandlerFunc {
	return h.helpAction("", func(c echo.Context, db models.DB, cal *models.HelpCalendar, s models.HelpStanding, _, _ int64) error {
		if !s.Organizer {
			return models.ErrHelpNotOrganizer
		}
		end, err := helpform.Date("ends_on", c.FormValue("ends_on"))
		if err != nil {
			return err
		}
		return models.ExtendHelpCalendar(c.Request().Context(), db, cal.ID, end)
	})
}

// PostHelpUpdate answers POST /api/v1/village/help/:id/updates (kind: update, support, thanks; text).
func (h *Handler) PostHelpUpdate() echo.HandlerFunc {
	return h.helpAction("", func(c echo.Context, db models.DB, cal *models.HelpCalendar, _ models.HelpStanding, me, _ int64) error {
		_, err := h.outbox.PostHelpUpdate(c.Request().Context(), db, cal, me, c.FormValue("kind"), c.FormValue("text"))
		return err
	})
}
