package app

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// helpPageData is a calendar's page. Private is nil for anyone who may
// not see the address and the notes: the template cannot show what it
// is not given.
type helpPageData struct {
	ID          int64
	CSRF        string
	Title       string
	Kind        string
	Status      string
	For         string
	ForLink     *actorLink
	Story       template.HTML
	Dates       string
	Zone        string
	Group       actorLink
	Organizers  []actorLink
	Private     *models.HelpPrivate
	FundURL     string
	FundNote    string
	IsFund      bool
	Days        []helpDayView
	Mine        []helpMineView
	Updates     []helpUpdateView
	Organizer   bool
	Moderator   bool
	CanThank    bool
	CanPostNews bool
	Open        bool
	// ReportURL reports who opened the calendar through the report flow
	// (a calendar is not a post: its opener answers for it).
	ReportURL string
	// Home is the server a calendar kept from another Village is organized on.
	Home string
}

type helpDayView struct {
	Day   string
	Slots []helpSlotView
}

type helpSlotView struct {
	ID        int64
	Label     string
	At        string
	Places    int
	Free      int
	Claimers  []helpClaimView
	Mine      bool
	CanClaim  bool
	CanFill   bool
	CanClear  bool
	LabelFull string // day, time and label, for screen readers on its buttons and her list of sign-ups
}

type helpClaimView struct {
	Name     string
	URL      string
	Bringing string
}

type helpMineView struct {
	ClaimID  int64
	Slot     string
	Bringing string
	Pending  bool // the group on another Village has not answered yet
}

type helpUpdateView struct {
	Author  string
	Kind    string
	Body    string
	Created string
}

const helpDayLayout = "Monday 2 January"

// HelpCalendarPage is GET /help/:id.
func (h *Handler) HelpCalendarPage(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := h.signInFirst(c, c.Request().URL.Path)
	if v == nil {
		return err
	}
	cal, s, err := h.helpCalendarOf(c, v)
	if err != nil {
		return err
	}
	d := helpPageData{ID: cal.ID, CSRF: csrfToken(c), Title: cal.Title, Kind: cal.Kind, Status: cal.Status,
		For: cal.RecipientName, Story: template.HTML(h.sanitizer.Sanitize(cal.Story)), Zone: cal.TimeZone,
		Dates:   cal.StartsOn.Format(helpDayLayout) + " – " + cal.EndsOn.Format(helpDayLayout),
		FundURL: cal.FundURL, FundNote: cal.FundNote, IsFund: cal.Kind == "fund" || cal.FundURL != "",
		Organizer: s.Organizer, Moderator: s.Moderator, Open: cal.Status == models.HelpOpen,
		CanPostNews: (s.Organizer || s.Recipient) && cal.Status != models.HelpClosed,
		CanThank:    (s.Recipient || (s.Organizer && cal.RecipientID == nil)) && cal.Status != models.HelpClosed}
	if s.SeesPrivate(cal) {
		p := cal.Private
		d.Private = &p
	}
	organizers, err := models.HelpOrganizers(ctx, h.db, cal.ID)
	if err != nil {
		return err
	}
	slots, err := models.HelpSlots(ctx, h.db, cal.ID)
	if err != nil {
		return err
	}
	updates, err := models.HelpUpdates(ctx, h.db, cal.ID)
	if err != nil {
		return err
	}
	ids := append([]int64{cal.GroupID}, organizers...)
	if cal.RecipientID != nil {
		ids = append(ids, *cal.RecipientID)
	}
	for _, sl := range slots {
		for _, k := range sl.Claims {
			if k.ActorID != nil {
				ids = append(ids, *k.ActorID)
			}
		}
	}
	for _, u := range updates {
		ids = append(ids, u.AuthorID)
	}
	actors, err := models.ActorsByID(ctx, h.db, ids)
	if err != nil {
		return fmt.Errorf("web: help calendar: %w", err)
	}
	if g := actors[cal.GroupID]; g != nil {
		d.Group = h.linkActor(g)
		d.Group.URL = "/groups/" + g.Username + "/help"
	}
	if opener := actors[cal.OpenedBy]; opener != nil && cal.OpenedBy != v.Actor.ID {
		d.ReportURL = "/report?actor=" + url.QueryEscape(h.urls.Actor(opener))
	} else if opener == nil {
		if a, err := models.ActorByID(ctx, h.db, cal.OpenedBy); err == nil && a.ID != v.Actor.ID {
			d.ReportURL = "/report?actor=" + url.QueryEscape(h.urls.Actor(a))
		}
	}
	for _, id := range organizers {
		if a := actors[id]; a != nil {
			d.Organizers = append(d.Organizers, h.linkActor(a))
		}
	}
	if cal.RecipientID != nil {
		if a := actors[*cal.RecipientID]; a != nil {
			l := h.linkActor(a)
			d.ForLink, d.For = &l, l.Name
		}
	}
	d.Days, d.Mine = h.helpDays(cal, s, slots, actors, v.Actor.ID)
	if err := h.helpCopyView(ctx, cal, &d); err != nil {
		return err
	}
	for _, u := range updates {
		view := helpUpdateView{Kind: u.Kind, Body: u.Body, Created: since(u.CreatedAt)}
		if a := actors[u.AuthorID]; a != nil {
			view.Author = h.linkActor(a).Name
		}
		d.Updates = append(d.Updates, view)
	}
	// The page may hold an address: no shared cache keeps it.
	c.Response().Header().Set("Cache-Control", "private, no-store")
	flash := ""
	if key := "help.done." + c.QueryParam("done"); i18n.Text(key) != key { // only our own words
		flash = i18n.Text(key)
	}
	return h.memberPage(c, http.StatusOK, "help_calendar", cal.Title, flash, d)
}

// helpDays groups the slots by day with what the viewer may do with each,
// and lists her own places.
func (h *Handler) helpDays(cal *models.HelpCalendar, s models.HelpStanding, slots []*models.HelpSlot,
	actors map[int64]*models.Actor, me int64) ([]helpDayView, []helpMineView) {
	var days []helpDayView
	var mine []helpMineView
	for _, sl := range slots {
		day := sl.Day.Format(helpDayLayout)
		if len(days) == 0 || days[len(days)-1].Day != day {
			days = append(days, helpDayView{Day: day})
		}
		view := helpSlotView{ID: sl.ID, Label: sl.Label, At: sl.At, Places: sl.Places, Free: sl.Free(),
			LabelFull: day + ", " + strings.TrimSpace(sl.At+" "+sl.Label)}
		for _, k := range sl.Claims {
			cv := helpClaimView{Name: k.Name, Bringing: k.Bringing}
			if k.ActorID != nil {
				if a := actors[*k.ActorID]; a != nil {
					l := h.linkActor(a)
					cv.Name, cv.URL = l.Name, l.URL
				}
			}
			if k.By(me) {
				view.Mine = true
				mine = append(mine, helpMineView{ClaimID: k.ID, Slot: view.LabelFull, Bringing: k.Bringing})
			}
			view.Claimers = append(view.Claimers, cv)
		}
		open := cal.Status == models.HelpOpen
		view.CanClaim = open && !view.Mine && view.Free > 0
		view.CanFill = s.Organizer && cal.Status != models.HelpClosed && view.Free > 0
		view.CanClear = s.Organizer && cal.Status != models.HelpClosed && len(sl.Claims) > 0
		days[len(days)-1].Slots = append(days[len(days)-1].Slots, view)
	}
	return days, mine
}
