package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Help calendars in the client API (Village's own, under
// /api/v1/village/): for the group's members only. Anyone else gets 404,
// as for a calendar that does not exist; the address and the notes are
// in the JSON only for organizers, the recipient and helpers.

// apiHelpCalendar is a calendar as the viewer may see it.
type apiHelpCalendar struct {
	ID            string         `json:"id"`
	URI           string         `json:"uri"`
	URL           string         `json:"url"`
	Group         string         `json:"group"`
	Title         string         `json:"title"`
	Story         string         `json:"story"`
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	RecipientName string         `json:"recipient_name"`
	RecipientID   *string        `json:"recipient_id"`
	StartsOn      string         `json:"starts_on"`
	EndsOn        string         `json:"ends_on"`
	TimeZone      string         `json:"time_zone"`
	Organizers    []string       `json:"organizer_ids"`
	FundURL       string         `json:"fund_url"`
	FundNote      string         `json:"fund_note"`
	Private       *apiHelpNotes  `json:"private"` // null for anyone who may not see it
	Slots         []apiHelpSlot  `json:"slots,omitempty"`
	Updates       []apiHelpWords `json:"updates,omitempty"`
	Viewer        apiHelpViewer  `json:"viewer"`
	// Home is the server a calendar kept from another Village is organized on; "" for ours.
	Home string `json:"home,omitempty"`
}

type apiHelpNotes struct {
	Address  string `json:"address"`
	Notes    string `json:"notes"`
	DropOff  string `json:"drop_off"`
	NoVisits bool   `json:"no_visits"`
}

type apiHelpSlot struct {
	ID     string         `json:"id"`
	URI    string         `json:"uri"`
	Day    string         `json:"day"`
	Time   string         `json:"time"`
	Label  string         `json:"label"`
	Places int            `json:"places"`
	Free   int            `json:"free"`
	Claims []apiHelpClaim `json:"claims"`
}

type apiHelpClaim struct {
	ID        string  `json:"id"`
	URI       string  `json:"uri"`
	AccountID *string `json:"account_id"`
	Name      string  `json:"name"`
	Bringing  string  `json:"bringing"`
	// Pending: a claim of another Village's calendar its group has not answered yet.
	Pending bool `json:"pending"`
}

type apiHelpWords struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	CreatedAt string `json:"created_at"`
}

type apiHelpViewer struct {
	Organizer bool `json:"organizer"`
	Recipient bool `json:"recipient"`
	Helper    bool `json:"helper"`
	Moderator bool `json:"moderator"`
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// helpURI is a calendar's stable id under the instance ({base}/help/{id}),
// and what its slots' and claims' ids hang from.
func (h *Handler) helpURI(id int64) string { return h.urls.Base + "/help/" + idString(id) }

// helpEntity is a calendar as viewer may see it; full adds its slots and
// updates.
func (h *Handler) helpEntity(ctx context.Context, cal *models.HelpCalendar, s models.HelpStanding, full bool) (*apiHelpCalendar, error) {
	uri := h.helpURI(cal.ID)
	out := &apiHelpCalendar{ID: idString(cal.ID), URI: uri, URL: uri, Title: cal.Title, Story: cal.Story, Kind: cal.Kind,
		Status: cal.Status, RecipientName: cal.RecipientName, StartsOn: cal.StartsOn.Format(time.DateOnly),
		EndsOn: cal.EndsOn.Format(time.DateOnly), TimeZone: cal.TimeZone, FundURL: cal.FundURL, FundNote: cal.FundNote,
		Viewer: apiHelpViewer{Organizer: s.Organizer, Recipient: s.Recipient, Helper: s.Claimer, Moderator: s.Moderator}}
	if g, err := models.ActorByID(ctx, h.db, cal.GroupID); err == nil {
		out.Group = g.Username
	}
	if cal.RecipientID != nil {
		id := idString(*cal.RecipientID)
		out.RecipientID = &id
	}
	if s.SeesPrivate(cal) {
		p := cal.Private
		out.Private = &apiHelpNotes{Address: p.Address, Notes: p.Notes, DropOff: p.DropOff, NoVisits: p.NoVisits}
	}
	organizers, err := models.HelpOrganizers(ctx, h.db, cal.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range organizers {
		out.Organizers = append(out.Organizers, idString(id))
	}
	if !full {
		return out, nil
	}
	slots, err := models.HelpSlots(ctx, h.db, cal.ID)
	if err != nil {
		return nil, err
	}
	out.Slots = []apiHelpSlot{}
	for _, sl := range slots {
		v := apiHelpSlot{ID: idString(sl.ID), URI: uri + "/slots/" + idString(sl.ID), Day: sl.Day.Format(time.DateOnly),
			Time: sl.At, Label: sl.Label, Places: sl.Places, Free: sl.Free(), Claims: []apiHelpClaim{}}
		for _, k := range sl.Claims {
			cv := apiHelpClaim{ID: idString(k.ID), URI: uri + "/claims/" + idString(k.ID), Name: k.Name, Bringing: k.Bringing}
			if k.ActorID != nil {
				id := idString(*k.ActorID)
				cv.AccountID = &id
			}
			v.Claims = append(v.Claims, cv)
		}
		out.Slots = append(out.Slots, v)
	}
	if cp, err := h.helpCopyOf(ctx, cal); err != nil {
		return nil, err
	} else if cp != nil {
		out.URI, out.Home = cp.URI, hostOf(cp.URI)
		if err := h.copySlots(ctx, cal.ID, out.Slots); err != nil {
			return nil, err
		}
	}
	updates, err := models.HelpUpdates(ctx, h.db, cal.ID)
	if err != nil {
		return nil, err
	}
	for _, u := range updates {
		out.Updates = append(out.Updates, apiHelpWords{ID: idString(u.ID), AccountID: idString(u.AuthorID), Kind: u.Kind,
			Text: u.Body, CreatedAt: u.CreatedAt.UTC().Format(apiTime)})
	}
	return out, nil
}

// helpCalendar loads :id for the token's member; 404 unless she may see it.
func (h *Handler) helpCalendar(c echo.Context) (*models.HelpCalendar, models.HelpStanding, error) {
	ctx := c.Request().Context()
	var s models.HelpStanding
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, s, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	cal, err := models.HelpCalendarByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, s, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return nil, s, err
	}
	if s, err = models.HelpStandingOf(ctx, h.db, cal, currentAccount(c).Actor.ID); err != nil {
		return nil, s, err
	}
	if !s.SeesCalendar(cal) {
		return nil, s, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return cal, s, nil
}

// helpRefusal turns the reasons models refuse into statuses: 422 with
// the reason for bad input or a slot or calendar that takes no change,
// 403 for what the person may not do.
func helpRefusal(err error) error {
	var input *models.HelpInputError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &input):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+input.Error())
	case errors.Is(err, models.ErrHelpNotMember), errors.Is(err, models.ErrHelpNotOrganizer), errors.Is(err, models.ErrHelpNotYours):
		return echo.NewHTTPError(http.StatusForbidden, err.Error())
	case errors.Is(err, models.ErrHelpSlotFull), errors.Is(err, models.ErrHelpAlreadyClaimed), errors.Is(err, models.ErrHelpNotOpen),
		errors.Is(err, models.ErrHelpClosed), errors.Is(err, models.ErrHelpSlotOver):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return err
}
