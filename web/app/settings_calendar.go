package app

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// "Calendar" (/settings/calendar): the secret address of a member's own
// meetup calendar, to copy into a calendar app, and a button that gives
// it a new address when the old one got out.

// memberCalendarPath is the route of the member's calendar (web/routes.go;
// web/feeds serves it), with the token in place of :token.
func memberCalendarPath(token string) string {
	return "/calendars/" + token + "/meetups.ics"
}

type calendarSettingsData struct {
	URL string // https (or http on a test instance)
	// The same with webcal://, which opens a calendar app; html/template
	// knows no such scheme and would blank it, so it is marked safe (it is
	// our own base URL and a base64url token).
	Webcal template.URL
	Reset  bool
}

// CalendarSettingsPage shows the member's calendar address, made on the
// first visit.
func (h *Handler) CalendarSettingsPage(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings/calendar")
	if v == nil {
		return err
	}
	token, err := models.CalendarToken(c.Request().Context(), h.db, v.Actor.ID)
	if err != nil {
		return err
	}
	d := calendarSettingsData{URL: h.urls.Base + memberCalendarPath(token), Reset: c.QueryParam("done") == "reset"}
	d.Webcal = template.URL(webcalURL(d.URL))
	// The page holds a secret: no cache keeps it.
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.page(c, http.StatusOK, "settings_calendar", i18n.Text("calendar.title"), d)
}

// ResetCalendar gives the member's calendar a new address; the old one
// answers 404 from then on.
func (h *Handler) ResetCalendar(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings/calendar")
	if v == nil {
		return err
	}
	if _, err := models.ResetCalendarToken(c.Request().Context(), h.db, v.Actor.ID); err != nil {
		return err
	}
	h.logger.InfoContext(c.Request().Context(), "calendar: address reset", "account", v.ID)
	return c.Redirect(http.StatusSeeOther, "/settings/calendar?done=reset")
}

// webcalURL is an http(s) address as webcal://, the scheme that hands a
// subscription to the calendar app.
func webcalURL(u string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(u, scheme); ok {
			return "webcal://" + rest
		}
	}
	return u
}
