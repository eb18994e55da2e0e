package app

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/helpform"
	"github.com/village-social/village/web/i18n"
)

// A group's help calendars (/groups/:name/help) and the form that opens
// one (/groups/:name/help/new), for its members only.

type helpListData struct {
	Group     string
	Title     string
	Calendars []helpListItem
}

type helpListItem struct {
	URL    string
	Title  string
	Kind   string
	Status string
	Dates  string
	Group  string // on the list of all her groups' calendars
}

type helpFormData struct {
	Group    string
	Title    string
	CSRF     string
	Fields   helpform.Fields
	Kinds    []string
	Weekdays []string
	Chosen   map[string]bool
	Zones    []string
	Error    string
}

// helpGroup loads the group :name for a signed-in member (404 for anyone
// else: a calendar's existence is the members' business).
func (h *Handler) helpGroup(c echo.Context) (*models.Group, *models.Account, error) {
	g, err := h.groupParam(c)
	if err != nil {
		return nil, nil, err
	}
	v, err := h.signInFirst(c, "/groups/"+g.Actor.Username+"/help")
	if v == nil {
		return nil, nil, err
	}
	ok, err := models.HelpMember(c.Request().Context(), h.db, g.Actor.ID, v.Actor.ID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound)
	}
	return g, v, nil
}

// HelpCalendarsPage is GET /groups/:name/help.
func (h *Handler) HelpCalendarsPage(c echo.Context) error {
	g, v, err := h.helpGroup(c)
	if v == nil {
		return err
	}
	list, err := models.GroupHelpCalendars(c.Request().Context(), h.db, g.Actor.ID, v.Actor.ID)
	if err != nil {
		return err
	}
	d := helpListData{Group: g.Actor.Username, Title: g.Title}
	for _, cal := range list {
		d.Calendars = append(d.Calendars, helpListItem{URL: helpPath(cal.ID), Title: cal.Title, Kind: cal.Kind, Status: cal.Status,
			Dates: cal.StartsOn.Format(helpDayLayout) + " – " + cal.EndsOn.Format(helpDayLayout)})
	}
	return h.memberPage(c, http.StatusOK, "help_list", i18n.Format("help.list.title", g.Title), "", d)
}

// OpenHelpCalendarPage is GET /groups/:name/help/new.
func (h *Handler) OpenHelpCalendarPage(c echo.Context) error {
	g, v, err := h.helpGroup(c)
	if v == nil {
		return err
	}
	today := h.now()
	f := helpform.Fields{Kind: "meals", StartsOn: today.Format(time.DateOnly), EndsOn: today.AddDate(0, 0, 13).Format(time.DateOnly),
		Slots: "dinner", Places: "1", TimeZone: "UTC"}
	return h.helpForm(c, g, f, "", http.StatusOK)
}

func (h *Handler) now() time.Time {
	if h.clock != nil {
		return h.clock()
	}
	return time.Now()
}

func (h *Handler) helpForm(c echo.Context, g *models.Group, f helpform.Fields, problem string, status int) error {
	d := helpFormData{Group: g.Actor.Username, Title: g.Title, CSRF: csrfToken(c), Fields: f, Kinds: models.HelpKinds(),
		Weekdays: helpform.Weekdays(), Chosen: map[string]bool{}, Zones: meetupZones(), Error: problem}
	for _, day := range f.Days {
		d.Chosen[strings.ToLower(day)] = true
	}
	return h.memberPage(c, status, "help_form", i18n.Text("help.open.title"), "", d)
}

// OpenHelpCalendar is POST /groups/:name/help/new.
func (h *Handler) OpenHelpCalendar(c echo.Context) error {
	g, v, err := h.helpGroup(c)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	var f helpform.Fields
	if err := c.Bind(&f); err != nil {
		return h.helpForm(c, g, f, i18n.Text("help.open.unreadable"), http.StatusUnprocessableEntity)
	}
	story, _, _ := h.composer.Render(ctx, strings.TrimSpace(f.Story))
	n, err := helpform.Read(ctx, h.db, g.Actor.ID, v.Actor.ID, f, story)
	var cal *models.HelpCalendar
	if err == nil {
		err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
			if cal, err = models.CreateHelpCalendar(ctx, tx, n); err != nil {
				return err
			}
			return h.outbox.HelpChanged(ctx, tx, cal.ID)
		})
	}
	var input *models.HelpInputError
	if errors.As(err, &input) {
		return h.helpForm(c, g, f, i18n.Format("help.refused.input", helpFieldName(input.Field), input.Reason), http.StatusUnprocessableEntity)
	}
	if err != nil {
		return h.helpRefused(c, err)
	}
	return doneAt(c, cal.ID, "opened", "")
}
