package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// MyHelpCalendarsPage is GET /help: the help calendars of every group the
// member belongs to, here and on other servers, in one list, so that a
// calendar of a group on another Village is as near as one of hers here.
func (h *Handler) MyHelpCalendarsPage(c echo.Context) error {
	v, err := h.signInFirst(c, "/help")
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := models.MemberHelpCalendars(ctx, h.db, v.Actor.ID)
	if err != nil {
		return err
	}
	var d helpListData
	groups := map[int64]string{}
	for _, cal := range list {
		s, err := models.HelpStandingOf(ctx, h.db, cal, v.Actor.ID)
		if err != nil {
			return err
		}
		if !s.SeesCalendar(cal) {
			continue
		}
		name, ok := groups[cal.GroupID]
		if !ok {
			g, err := models.ActorByID(ctx, h.db, cal.GroupID)
			if err != nil {
				return err
			}
			name = g.ShownName()
			groups[cal.GroupID] = name
		}
		d.Calendars = append(d.Calendars, helpListItem{URL: helpPath(cal.ID), Title: cal.Title, Kind: cal.Kind, Status: cal.Status,
			Dates: cal.StartsOn.Format(helpDayLayout) + " – " + cal.EndsOn.Format(helpDayLayout), Group: name})
	}
	return h.memberPage(c, http.StatusOK, "help_mine", i18n.Text("help.mine.title"), "", d)
}
