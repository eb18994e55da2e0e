package feeds

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
)

// golang-ical writes VTIMEZONE components but does not derive them; this
// derives one from Go's zone data. Each observance is written with its own
// onset (no RRULE): the observance in effect when the first event starts,
// then every change until the last one ends. That covers the events
// exactly, and stays right when a country changes its rules.

// maxTransitions bounds the walk; events span at most a few years.
const maxTransitions = 200

// vtimezone describes loc from the observance in effect at from through
// the last change at or before to.
func vtimezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	t := from.In(loc)
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		// No change before: an observance since a date before any event.
		_, off := t.Zone()
		onset := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second)
		if onset.After(t) {
			onset = t
		}
		addObservance(tz, onset.In(loc), off)
	} else {
		_, before := start.Add(-time.Second).Zone()
		addObservance(tz, start.In(loc), before)
	}
	for range maxTransitions {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.After(to) {
			break
		}
		_, before := t.Zone()
		t = end.In(loc)
		addObservance(tz, t, before)
	}
	return tz
}

// addObservance adds the observance that begins at onset (a time in the
// zone), coming from the UTC offset before (seconds east).
func addObservance(tz *ics.VTimezone, onset time.Time, before int) {
	name, after := onset.Zone()
	var obs *ics.ComponentBase
	if onset.IsDST() {
		d := &ics.Daylight{}
		tz.Components = append(tz.Components, d)
		obs = &d.ComponentBase
	} else {
		s := &ics.Standard{}
		tz.Components = append(tz.Components, s)
		obs = &s.ComponentBase
	}
	// DTSTART is the onset in local time as it was just before it.
	local := onset.UTC().Add(time.Duration(before) * time.Second)
	obs.SetProperty(ics.ComponentPropertyDtStart, local.Format(icalLocal))
	obs.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(before))
	obs.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(after))
	obs.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
}

// utcOffset writes seconds east of UTC as RFC 5545's UTC-OFFSET: +hhmm, or
// +hhmmss when there are seconds.
func utcOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
