package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// icalJSCalendar is what internal/icaltest/check.mjs reports of a file.
type icalJSCalendar struct {
	Name   string   `json:"name"`
	Zones  []string `json:"zones"`
	Events []struct {
		UID        string `json:"uid"`
		Summary    string `json:"summary"`
		Status     string `json:"status"`
		Sequence   int    `json:"sequence"`
		TZID       string `json:"tzid"`
		LocalStart string `json:"localStart"`
		UTCStart   string `json:"utcStart"`
		LocalEnd   string `json:"localEnd"`
		UTCEnd     string `json:"utcEnd"`
		PartStat   string `json:"partstat"`
	} `json:"events"`
}

// readWithICalJS parses calendars with ical.js, in node, as a calendar app
// imports them.
func readWithICalJS(t *testing.T, bodies ...string) []icalJSCalendar {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node, script, err := testenv.ICalJS(ctx)
	if err != nil {
		t.Fatalf("ical.js is not installed, and installing it failed: %v", err)
	}
	var files []string
	for i, body := range bodies {
		f := filepath.Join(t.TempDir(), "calendar-"+string(rune('a'+i))+".ics")
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{script}, files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ical.js could not read the calendars: %v\n%s", err, stderr.String())
	}
	var out []icalJSCalendar
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("check.mjs printed %q: %v", stdout.String(), err)
	}
	return out
}

// A weekly Saturday 10:00 meetup in Berlin, before and after the clocks
// go forward (2027-03-28): ical.js, knowing the zone only from our
// VTIMEZONE, reads 10:00 local each week, 09:00Z in winter and 08:00Z in
// summer, in the group's calendar and in a member's.
func TestICalJSReadsBerlinMeetupsAtTenAcrossTheDSTChange(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	anna := s.user("anna", "", false)
	bea := s.user("bea", "", false)
	g := s.group(models.NewGroup{Name: "kiez", Title: "Kiez Eltern, Berlin"}, "anna")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	type week struct {
		title, day, utcStart, utcEnd string
		answer                       string
		partstat                     string
	}
	weeks := []week{
		{"Spielplatz, Woche 1", "2027-03-20", "2027-03-20T09:00:00.000Z", "2027-03-20T11:00:00.000Z", models.RSVPGoing, "ACCEPTED"},
		{"Spielplatz, Woche 2", "2027-03-27", "2027-03-27T09:00:00.000Z", "2027-03-27T11:00:00.000Z", "", ""},
		{"Spielplatz, Woche 3", "2027-04-03", "2027-04-03T08:00:00.000Z", "2027-04-03T10:00:00.000Z", models.RSVPMaybe, "TENTATIVE"},
	}
	for _, w := range weeks {
		day, err := time.ParseInLocation("2006-01-02", w.day, berlin)
		if err != nil {
			t.Fatal(err)
		}
		e := s.meetup(anna.Actor, g, meetupSpec{title: w.title, start: day.Add(10 * time.Hour), zone: "Europe/Berlin",
			place: models.Place{Name: "Spielplatz am Weinbergsweg", Locality: "Berlin", Country: "DE"}})
		if w.answer != "" {
			s.answer(e, bea.Actor, w.answer)
		}
	}
	res, group, _ := s.calendar("/groups/kiez/events.ics")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the group calendar: %d %s", res.StatusCode, group)
	}
	res, mine, _ := s.calendar(calendarAddress(t, s.signedIn(bea)))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("bea's calendar: %d %s", res.StatusCode, mine)
	}
	cals := readWithICalJS(t, group, mine)
	if len(cals) != 2 {
		t.Fatalf("ical.js read %d calendars, want 2", len(cals))
	}
	for i, cal := range cals {
		name := []string{"group", "member"}[i]
		if len(cal.Zones) != 1 || cal.Zones[0] != "Europe/Berlin" {
			t.Errorf("%s calendar: zones %q, want Europe/Berlin", name, cal.Zones)
		}
		got := map[string]int{}
		for j, e := range cal.Events {
			got[e.Summary] = j
		}
		for _, w := range weeks {
			j, ok := got[w.title]
			if i == 1 && w.answer == "" {
				if ok {
					t.Errorf("bea's calendar has %q, which she did not answer", w.title)
				}
				continue
			}
			if !ok {
				t.Errorf("%s calendar: ical.js finds no %q", name, w.title)
				continue
			}
			e := cal.Events[j]
			if e.TZID != "Europe/Berlin" || e.LocalStart != w.day+"T10:00:00" || e.LocalEnd != w.day+"T12:00:00" {
				t.Errorf("%s calendar, %q: starts %s to %s in %q, want 10:00 to 12:00 Berlin time", name, w.title, e.LocalStart, e.LocalEnd, e.TZID)
			}
			if e.UTCStart != w.utcStart || e.UTCEnd != w.utcEnd {
				t.Errorf("%s calendar, %q: %s to %s, want %s to %s", name, w.title, e.UTCStart, e.UTCEnd, w.utcStart, w.utcEnd)
			}
			if e.Status != "CONFIRMED" || e.UID == "" {
				t.Errorf("%s calendar, %q: status %q uid %q", name, w.title, e.Status, e.UID)
			}
			if i == 1 && e.PartStat != w.partstat {
				t.Errorf("bea's calendar, %q: PARTSTAT %q, want %q", w.title, e.PartStat, w.partstat)
			}
		}
	}
}
