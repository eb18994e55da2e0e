package federation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

func sampleHelpCalendar() HelpCalendarDoc {
	day := func(s string) time.Time { d, _ := time.Parse(dateLayout, s); return d }
	cal := "https://a.example/help/12"
	return HelpCalendarDoc{ID: cal, Group: "https://a.example/groups/park", Followers: "https://a.example/groups/park/followers",
		Title: "Meals for Ana", Content: "<p>Meals for Ana</p>", Story: "<p>Ana had surgery.</p>", Kind: "meals", Status: "open",
		TimeZone: "Europe/Berlin", StartsOn: day("2026-12-08"), EndsOn: day("2026-12-10"), OpenedBy: "https://a.example/users/mod",
		RecipientName: "Ana", Organizers: []string{"https://a.example/users/mod"}, Signup: cal + "/signup",
		Slots: []HelpSlotDoc{
			{ID: HelpSlotID(cal, 5), Name: "Dinner", Day: day("2026-12-08"), At: "18:00", Places: 2, Taken: 1,
				Helpers: []string{"https://b.example/users/bea"}},
			{ID: HelpSlotID(cal, 6), Name: "School pick-up", Day: day("2026-12-09"), Places: 1},
		},
		Published: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
}

// roundTrip serializes a document and reads it back as another server would.
func roundTrip(t *testing.T, doc map[string]any) Object {
	t.Helper()
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var o Object
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestHelpCalendarTravelsAsANoteAndReadsBackWhole(t *testing.T) {
	sent := sampleHelpCalendar()
	doc := HelpCalendarDocument("https://a.example", sent)
	if doc["type"] != "Note" || doc["url"] != sent.ID {
		t.Fatalf("a calendar is a Note with its page as url, got type %v url %v", doc["type"], doc["url"])
	}
	o := roundTrip(t, doc)
	if to := o.Refs("to"); len(to) != 1 || to[0] != sent.Followers {
		t.Fatalf("a calendar goes to the group's followers only, got to %v", to)
	}
	if !IsHelpCalendar(o) {
		t.Fatal("the document does not say it carries a help calendar")
	}
	got, err := HelpCalendarFromObject(o)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != sent.Title || got.Kind != "meals" || got.Status != "open" || got.TimeZone != "Europe/Berlin" ||
		!got.StartsOn.Equal(sent.StartsOn) || !got.EndsOn.Equal(sent.EndsOn) || got.Signup != sent.Signup ||
		got.RecipientName != "Ana" || len(got.Organizers) != 1 {
		t.Fatalf("read back %+v, sent %+v", got, sent)
	}
	if len(got.Slots) != 2 || got.Slots[0].At != "18:00" || got.Slots[0].Taken != 1 || got.Slots[0].Places != 2 ||
		len(got.Slots[0].Helpers) != 1 || got.Slots[1].At != "" || got.Slots[1].Name != "School pick-up" {
		t.Fatalf("slots read back as %+v", got.Slots)
	}
	ctx := roundTrip(t, HelpContextDocument()).Embedded("@context")
	for _, key := range []string{"helpCalendar", "HelpSlot", "places", "taken", "helpers", "bringing", "helpDetails", "address"} {
		if _, ok := ctx[key]; !ok {
			t.Errorf("the served context does not define %q", key)
		}
	}
}

func TestHelpCalendarDocumentNeverCarriesPrivateDetails(t *testing.T) {
	body, err := json.Marshal(HelpCalendarDocument("https://a.example", sampleHelpCalendar()))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"address"`, `"notes"`, `"dropOff"`, `"noVisits"`, `"bringing"`, `"helpDetails"`} {
		if strings.Contains(string(body), key) {
			t.Errorf("the calendar document carries %s: %s", key, body)
		}
	}
}

func TestHelpCalendarFromObjectRefusesWhatIsNotItsOwn(t *testing.T) {
	cases := []struct {
		name   string
		change func(d *HelpCalendarDoc)
	}{
		{"a slot of another calendar", func(d *HelpCalendarDoc) { d.Slots[0].ID = HelpSlotID("https://a.example/help/99", 5) }},
		{"a calendar of another server's group", func(d *HelpCalendarDoc) { d.Group = "https://evil.example/groups/park" }},
		{"a status nobody knows", func(d *HelpCalendarDoc) { d.Status = "maybe" }},
		{"a slot outside the calendar's days", func(d *HelpCalendarDoc) { d.Slots[1].Day = d.EndsOn.AddDate(0, 0, 1) }},
		{"a slot of no places", func(d *HelpCalendarDoc) { d.Slots[1].Places = 0 }},
		{"a slot of too many places", func(d *HelpCalendarDoc) { d.Slots[1].Places = models.HelpMaxPlaces + 1 }},
		{"no name", func(d *HelpCalendarDoc) { d.Title = "  " }},
		{"an end before the start", func(d *HelpCalendarDoc) { d.EndsOn = d.StartsOn.AddDate(0, 0, -1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := sampleHelpCalendar()
			tc.change(&d)
			if _, err := HelpCalendarFromObject(roundTrip(t, HelpCalendarDocument("https://a.example", d))); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestHelpCalendarFromObjectBringsOddValuesWithinBounds(t *testing.T) {
	d := sampleHelpCalendar()
	d.Kind, d.TimeZone, d.FundURL = "bake-sale", "Mars/Olympus", "javascript:alert(1)"
	d.Title = strings.Repeat("x", models.HelpTitleMax+50)
	d.Slots[0].Taken = 7 // more than its places
	got, err := HelpCalendarFromObject(roundTrip(t, HelpCalendarDocument("https://a.example", d)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "other" || got.TimeZone != "UTC" || got.FundURL != "" || len([]rune(got.Title)) != models.HelpTitleMax ||
		got.Slots[0].Taken != got.Slots[0].Places {
		t.Fatalf("read as %+v", got)
	}
}

func TestHelpSlotIDsSplitBackIntoTheirCalendar(t *testing.T) {
	cases := []struct {
		id   string
		cal  string
		slot int64
		ok   bool
	}{
		{"https://a.example/help/12#slot-5", "https://a.example/help/12", 5, true},
		{"https://a.example/help/12#slot-x", "", 0, false},
		{"https://a.example/help/12#slot--1", "", 0, false},
		{"https://a.example/help/12", "", 0, false},
		{"#slot-5", "", 0, false},
	}
	for _, tc := range cases {
		cal, slot, ok := ParseHelpSlotID(tc.id)
		if cal != tc.cal || slot != tc.slot || ok != tc.ok {
			t.Errorf("ParseHelpSlotID(%q) = %q, %d, %v", tc.id, cal, slot, ok)
		}
	}
}

func TestHelpAcceptCarriesTheDetailsToTheClaimerAlone(t *testing.T) {
	join := JoinRef{ID: "https://b.example/activities/1", Actor: "https://b.example/users/bea", Event: "https://a.example/help/12#slot-5"}
	doc := HelpAnswerDocument("https://a.example", "Accept", HelpAnswer{ID: "https://a.example/activities/2",
		Group: "https://a.example/groups/park", Join: join, Claim: "https://a.example/help/12/claims/7",
		Details: &models.HelpPrivate{Address: "12 Elm St", Notes: "no nuts", NoVisits: true}})
	o := roundTrip(t, doc)
	if to := o.Refs("to"); len(to) != 1 || to[0] != join.Actor {
		t.Fatalf("the Accept goes to %v, not the claimer alone", to)
	}
	got, ok := HelpDetailsFrom(o)
	if !ok || got.Address != "12 Elm St" || got.Notes != "no nuts" || !got.NoVisits {
		t.Fatalf("details read back as %+v, %v", got, ok)
	}
	if _, ok := HelpDetailsFrom(roundTrip(t, HelpAnswerDocument("https://a.example", "Reject", HelpAnswer{Join: join, Reason: "taken"}))); ok {
		t.Fatal("a Reject carries details")
	}
}
