// Package eventform reads what a member fills in to plan or change a
// meetup, from the web app's form or the client API, into a models.Event;
// both faces read it the same way.
package eventform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/village-social/village/models"
)

// Fields are a meetup's fields as typed. Times are either full RFC 3339
// instants (start_time, end_time) or a date and clock times in the
// place's zone (date, start, end), as the web form has them.
type Fields struct {
	Title           string `form:"title" json:"title"`
	Description     string `form:"description" json:"description"`
	StartTime       string `form:"start_time" json:"start_time"`
	EndTime         string `form:"end_time" json:"end_time"`
	Date            string `form:"date" json:"date"`
	Start           string `form:"start" json:"start"`
	End             string `form:"end" json:"end"`
	TimeZone        string `form:"time_zone" json:"time_zone"`
	PlaceName       string `form:"place_name" json:"place_name"`
	StreetAddress   string `form:"street_address" json:"street_address"`
	PostalCode      string `form:"postal_code" json:"postal_code"`
	Locality        string `form:"locality" json:"locality"`
	Region          string `form:"region" json:"region"`
	Country         string `form:"country" json:"country"`
	Latitude        string `form:"latitude" json:"latitude"`
	Longitude       string `form:"longitude" json:"longitude"`
	Capacity        string `form:"capacity" json:"capacity"`
	JoinMode        string `form:"join_mode" json:"join_mode"`
	AddressForGoing string `form:"address_for_going" json:"address_for_going"`
}

// Error is a reason the fields cannot make a meetup, for the member to read.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func bad(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Event reads the fields into an event (and the title), filling into e,
// which holds the meetup as it was when it is an edit. The bounds of
// models.Event.Validate are checked by the caller, which knows whether a
// past start is allowed.
func (f *Fields) Event(e *models.Event) (title string, err error) {
	title = strings.TrimSpace(f.Title)
	switch {
	case title == "":
		return "", bad("a meetup needs a title")
	case utf8.RuneCountInString(title) > models.MaxEventTitle:
		return "", bad("the title is longer than %d characters", models.MaxEventTitle)
	case utf8.RuneCountInString(f.Description) > models.MaxPostLength:
		return "", bad("the description is longer than %d characters", models.MaxPostLength)
	}
	e.TimeZone = strings.TrimSpace(f.TimeZone)
	if e.TimeZone == "" {
		e.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil || strings.EqualFold(e.TimeZone, "local") {
		return "", bad("unknown time zone %q", e.TimeZone)
	}
	if e.StartsAt, e.EndsAt, err = f.times(loc); err != nil {
		return "", err
	}
	e.Place = models.Place{Name: strings.TrimSpace(f.PlaceName), StreetAddress: strings.TrimSpace(f.StreetAddress),
		PostalCode: strings.TrimSpace(f.PostalCode), Locality: strings.TrimSpace(f.Locality),
		Region: strings.TrimSpace(f.Region), Country: strings.TrimSpace(f.Country)}
	lat, lon := strings.TrimSpace(f.Latitude), strings.TrimSpace(f.Longitude)
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil {
			return "", bad("latitude and longitude must both be numbers")
		}
		e.Place.Latitude, e.Place.Longitude = &la, &lo
	}
	e.Capacity = nil
	if c := strings.TrimSpace(f.Capacity); c != "" && c != "0" {
		n, err := strconv.Atoi(c)
		if err != nil {
			return "", bad("capacity must be a whole number")
		}
		e.Capacity = &n
	}
	switch strings.TrimSpace(f.JoinMode) {
	case "", "free", "open":
		e.JoinMode = models.JoinFree
	case "restricted", "ask":
		e.JoinMode = models.JoinRestricted
	default:
		return "", bad("join mode is free or restricted")
	}
	switch strings.ToLower(strings.TrimSpace(f.AddressForGoing)) {
	case "", "0", "false", "off", "no":
		e.AddressForGoing = false
	default:
		e.AddressForGoing = true
	}
	return title, nil
}

// times reads the start and end, as instants or as a date and clock
// times in loc (converted there, so that the instant is right across a
// daylight-saving change). An end before the start on the same date is
// taken as the next day (a meetup past midnight).
func (f *Fields) times(loc *time.Location) (time.Time, *time.Time, error) {
	if strings.TrimSpace(f.StartTime) != "" {
		start, err := instant(f.StartTime, loc)
		if err != nil {
			return time.Time{}, nil, bad("start_time: %v", err)
		}
		if strings.TrimSpace(f.EndTime) == "" {
			return start, nil, nil
		}
		end, err := instant(f.EndTime, loc)
		if err != nil {
			return time.Time{}, nil, bad("end_time: %v", err)
		}
		return start, &end, nil
	}
	date := strings.TrimSpace(f.Date)
	if date == "" || strings.TrimSpace(f.Start) == "" {
		return time.Time{}, nil, bad("a meetup needs a date and a start time")
	}
	start, err := time.ParseInLocation("2006-01-02 15:04", date+" "+strings.TrimSpace(f.Start), loc)
	if err != nil {
		return time.Time{}, nil, bad("the date or start time is not valid")
	}
	if strings.TrimSpace(f.End) == "" {
		return start, nil, nil
	}
	end, err := time.ParseInLocation("2006-01-02 15:04", date+" "+strings.TrimSpace(f.End), loc)
	if err != nil {
		return time.Time{}, nil, bad("the end time is not valid")
	}
	if end.Before(start) {
		y, m, d := end.Date()
		end = time.Date(y, m, d+1, end.Hour(), end.Minute(), 0, 0, loc)
	}
	return start, &end, nil
}

// instant reads an RFC 3339 time, or one without an offset in loc.
func instant(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time", s)
}

// FromEvent fills the fields from a stored meetup (for the edit form),
// times in the place's zone.
func FromEvent(title, source string, e *models.Event) Fields {
	loc := e.Location()
	f := Fields{Title: title, Description: source, TimeZone: e.TimeZone, Date: e.StartsAt.In(loc).Format("2006-01-02"),
		Start: e.StartsAt.In(loc).Format("15:04"), PlaceName: e.Place.Name, StreetAddress: e.Place.StreetAddress,
		PostalCode: e.Place.PostalCode, Locality: e.Place.Locality, Region: e.Place.Region, Country: e.Place.Country,
		JoinMode: e.JoinMode}
	if e.EndsAt != nil {
		f.End = e.EndsAt.In(loc).Format("15:04")
	}
	if e.Place.Latitude != nil && e.Place.Longitude != nil {
		f.Latitude = strconv.FormatFloat(*e.Place.Latitude, 'f', -1, 64)
		f.Longitude = strconv.FormatFloat(*e.Place.Longitude, 'f', -1, 64)
	}
	if e.Capacity != nil {
		f.Capacity = strconv.Itoa(*e.Capacity)
	}
	if e.AddressForGoing {
		f.AddressForGoing = "on"
	}
	return f
}
