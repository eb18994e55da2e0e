package app

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// Help calendars in the web app (help_*.go): who may see a calendar and
// how a refusal reads. A calendar is the group's members' only: anyone
// else, signed in or not, gets the same 404 as for a calendar that does
// not exist.

// helpCalendarOf loads the calendar :id for the signed-in viewer, with
// who she is to it; 404 unless she may see it.
func (h *Handler) helpCalendarOf(c echo.Context, v *models.Account) (*models.HelpCalendar, models.HelpStanding, error) {
	ctx := c.Request().Context()
	var s models.HelpStanding
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, s, echo.NewHTTPError(http.StatusNotFound)
	}
	cal, err := models.HelpCalendarByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, s, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return nil, s, fmt.Errorf("web: help calendar: %w", err)
	}
	if s, err = models.HelpStandingOf(ctx, h.db, cal, v.Actor.ID); err != nil {
		return nil, s, fmt.Errorf("web: help calendar: %w", err)
	}
	if !s.SeesCalendar(cal) {
		return nil, s, echo.NewHTTPError(http.StatusNotFound)
	}
	return cal, s, nil
}

// helpPath is a calendar's page.
func helpPath(id int64) string { return "/help/" + strconv.FormatInt(id, 10) }

// helpRefused answers a refused action with a page saying why: 422 for
// what the form or the calendar's state refuses, 403 for what the person
// may not do.
func (h *Handler) helpRefused(c echo.Context, err error) error {
	var input *models.HelpInputError
	status, text := http.StatusUnprocessableEntity, ""
	switch {
	case errors.As(err, &input):
		text = i18n.Format("help.refused.input", helpFieldName(input.Field), input.Reason)
	case helpReason(err) != "":
		text = i18n.Text(helpReason(err))
		if helpForbidden(err) {
			status = http.StatusForbidden
		}
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	default:
		return err
	}
	d := errorData{Status: status, Heading: i18n.Text("help.refused.title"), Text: text}
	return h.page(c, status, "error", d.Heading, d)
}

// helpFieldName is the form's label of a field models names in a
// refusal ("ends_on" reads "Last day"): a person never saw the field's name.
func helpFieldName(field string) string {
	key := "help.form." + field
	switch field { // the fields whose label is not help.form.<field>
	case "for":
		key = "help.form.for_member"
	case "time_zone":
		key = "help.form.zone"
	case "bringing":
		key = "help.bringing"
	case "name":
		key = "help.fill.name"
	case "text":
		key = "help.update.text"
	}
	if i18n.Text(key) == key {
		return field
	}
	return i18n.Text(key)
}

// helpReason is the string key that says why models refused, "" for
// an error that is not a refusal.
func helpReason(err error) string {
	for _, r := range []struct {
		err error
		key string
	}{
		{models.ErrHelpNotMember, "help.refused.member"}, {models.ErrHelpNotOrganizer, "help.refused.organizer"},
		{models.ErrHelpNotYours, "help.refused.yours"}, {models.ErrHelpSlotFull, "help.refused.full"},
		{models.ErrHelpAlreadyClaimed, "help.refused.twice"}, {models.ErrHelpNotOpen, "help.refused.notopen"},
		{models.ErrHelpClosed, "help.refused.closed"}, {models.ErrHelpSlotOver, "help.refused.over"},
	} {
		if errors.Is(err, r.err) {
			return r.key
		}
	}
	return ""
}

// helpForbidden: refusals of who the person is, not of what she asked.
func helpForbidden(err error) bool {
	return errors.Is(err, models.ErrHelpNotMember) || errors.Is(err, models.ErrHelpNotOrganizer) || errors.Is(err, models.ErrHelpNotYours)
}
