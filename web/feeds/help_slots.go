package feeds

import (
	"context"
	"fmt"
	"strconv"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// helpSlotEvents are the places a member took in help calendars, as
// events of her own calendar feed: the calendar's title and the slot's
// label, at the slot's time (its whole day when it has none), with the
// address, since the feed is hers and she brings the help there.
func (h *Handler) helpSlotEvents(ctx context.Context, me *models.Actor) ([]calendarEvent, error) {
	slots, err := models.MemberHelpSlots(ctx, h.db, me.ID)
	if err != nil {
		return nil, fmt.Errorf("feeds: help slots: %w", err)
	}
	var out []calendarEvent
	for _, s := range slots {
		zone, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			zone = time.UTC
		}
		start := time.Date(s.Day.Year(), s.Day.Month(), s.Day.Day(), 0, 0, 0, 0, zone)
		end := start.AddDate(0, 0, 1)
		if at, err := time.Parse("15:04", s.At); err == nil {
			start = start.Add(time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute)
			end = start.Add(time.Hour)
		}
		page := h.urls.Base + "/help/" + strconv.FormatInt(s.CalendarID, 10)
		description := page
		if s.Bringing != "" {
			description = i18n.Format("calendar.help.bringing", s.Bringing) + "\n\n" + page
		}
		out = append(out, calendarEvent{
			UID:   page + "/claims/" + strconv.FormatInt(s.ClaimID, 10),
			Title: s.Title + ": " + s.Label, Description: description, URL: page,
			Start: start, End: &end, TimeZone: s.TimeZone, Location: s.Address, Status: "CONFIRMED", Modified: s.Updated,
			Attendee: &calendarPerson{URI: h.urls.Actor(me), Name: me.ShownName(), PartStat: ics.ParticipationStatusAccepted},
		})
	}
	return out, nil
}
