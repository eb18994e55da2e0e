package federation_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

const helpBase = "https://village.example"

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

// mealsForAna is a calendar from 8 to 20 Dec 2031 in Berlin, with its
// private fields filled, and the slots given.
func mealsForAna(slots ...*models.HelpSlot) (*models.HelpCalendar, []*models.HelpSlot) {
	created := time.Date(2031, 12, 1, 9, 0, 0, 0, time.UTC)
	c := &models.HelpCalendar{ID: 12, GroupID: 3, Title: "Meals for Ana", Kind: "meals", StartsOn: day("2031-12-08"),
		EndsOn: day("2031-12-20"), TimeZone: "Europe/Berlin", Status: models.HelpOpen, CreatedAt: created, UpdatedAt: created,
		Private: models.HelpPrivate{Address: "12 Elm Street", Notes: "peanut allergy", DropOff: "17:00-18:00", NoVisits: true}}
	return c, slots
}

func slot(id int64, d, at, label string, places, taken int) *models.HelpSlot {
	s := &models.HelpSlot{ID: id, CalendarID: 12, Day: day(d), At: at, Label: label, Places: places}
	for i := range taken {
		actor := int64(100 + i)
		s.Claims = append(s.Claims, &models.HelpClaim{ID: id*10 + int64(i), SlotID: id, ActorID: &actor})
	}
	return s
}

func TestHelpOptionNamesAreShortStableAndUnique(t *testing.T) {
	long := strings.Repeat("very long label ", 10)
	slots := []*models.HelpSlot{
		slot(1, "2031-12-08", "18:00", "Dinner", 1, 0),
		slot(2, "2031-12-08", "18:00", "Dinner", 2, 1), // the same day, time and label
		slot(3, "2031-12-09", "", "School pick-up", 1, 0),
		slot(4, "2031-12-09", "", "  school\n run ", 1, 0),
		slot(5, "2031-12-10", "", long, 1, 0),
	}
	names := federation.HelpOptionNames(slots)
	for _, c := range []struct {
		slot int64
		want string
	}{
		{1, "Mon 8 Dec 18:00 · Dinner"},
		{2, "Mon 8 Dec 18:00 · Dinner (2)"},
		{3, "Tue 9 Dec · School pick-up"},
		{4, "Tue 9 Dec · school run"},
	} {
		if got := names[c.slot]; got != c.want {
			t.Errorf("slot %d is named %q, want %q", c.slot, got, c.want)
		}
	}
	if n := len([]rune(names[5])); n > 60 || !strings.HasSuffix(names[5], "…") {
		t.Errorf("a long label's option is %d runes: %q", n, names[5])
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("two slots are named %q", n)
		}
		seen[n] = true
	}

	// Claims change no name: a poll's option keeps matching the same slot.
	slots[0].Claims = slots[1].Claims
	again := federation.HelpOptionNames(slots)
	for id, n := range names {
		if again[id] != n {
			t.Errorf("slot %d was %q, is %q after a claim", id, n, again[id])
		}
	}
}

func TestHelpOptionSlotMapsAVoteToItsSlot(t *testing.T) {
	slots := []*models.HelpSlot{
		slot(1, "2031-12-08", "18:00", "Dinner", 1, 1), // full: no longer offered
		slot(2, "2031-12-08", "18:00", "Dinner", 1, 0),
		slot(3, "2031-12-09", "", "Lunch", 1, 0),
	}
	for _, c := range []struct {
		name string
		want int64 // 0: none
	}{
		{"Mon 8 Dec 18:00 · Dinner", 1}, // a vote from an older poll still finds its (full) slot
		{"Mon 8 Dec 18:00 · Dinner (2)", 2},
		{"Tue 9 Dec · Lunch", 3},
		{"Tue 9 Dec · Dinner", 0},
		{"", 0},
	} {
		got := federation.HelpOptionSlot(c.name, slots)
		switch {
		case c.want == 0 && got != nil:
			t.Errorf("%q maps to slot %d, want none", c.name, got.ID)
		case c.want != 0 && (got == nil || got.ID != c.want):
			t.Errorf("%q maps to %v, want slot %d", c.name, got, c.want)
		}
	}
}

func TestHelpSignupCalendarReadsOnlyLocalSignupIDs(t *testing.T) {
	for _, c := range []struct {
		uri  string
		want int64
		ok   bool
	}{
		{helpBase + "/help/12/signup", 12, true},
		{federation.HelpSignupID(helpBase + "/help/7"), 7, true},
		{helpBase + "/help/12", 0, false},
		{helpBase + "/help/12/signup/x", 0, false},
		{helpBase + "/help/x12/signup", 0, false},
		{helpBase + "/help/012/signup", 0, false},
		{helpBase + "/help//signup", 0, false},
		{"https://elsewhere.example/help/12/signup", 0, false},
		{helpBase + "/users/alice/statuses/12/rsvp", 0, false},
		{helpBase + "/help/99999999999999999999/signup", 0, false},
	} {
		id, ok := federation.HelpSignupCalendar(helpBase, c.uri)
		if id != c.want || ok != c.ok {
			t.Errorf("%s: %d, %v; want %d, %v", c.uri, id, ok, c.want, c.ok)
		}
	}
}

func helpQuestion(c *models.HelpCalendar, slots []*models.HelpSlot, now time.Time) map[string]any {
	return federation.HelpQuestionDocument(federation.HelpQuestion{CalendarURI: helpBase + "/help/12",
		Group: helpBase + "/groups/park", Followers: helpBase + "/groups/park/followers",
		Content: "<p>Meals for Ana</p>", Calendar: c, Slots: slots, Now: now})
}

func optionsOf(t *testing.T, doc map[string]any) map[string]int {
	t.Helper()
	out := map[string]int{}
	list, ok := doc["anyOf"].([]any)
	if !ok {
		t.Fatalf("anyOf is %T", doc["anyOf"])
	}
	for _, o := range list {
		m := o.(map[string]any)
		out[m["name"].(string)] = m["replies"].(map[string]any)["totalItems"].(int)
	}
	return out
}

func TestHelpQuestionOffersOpenSlotsNearestFirstToMembersOnly(t *testing.T) {
	c, slots := mealsForAna(
		slot(1, "2031-12-08", "18:00", "Dinner", 1, 0), // past on the 9th
		slot(2, "2031-12-09", "18:00", "Dinner", 2, 1),
		slot(3, "2031-12-09", "", "Lunch", 1, 1), // full
		slot(4, "2031-12-10", "18:00", "Dinner", 1, 0),
	)
	// 23:30 UTC on the 8th is already the 9th in Berlin.
	now := time.Date(2031, 12, 8, 23, 30, 0, 0, time.UTC)
	doc := helpQuestion(c, slots, now)
	got := optionsOf(t, doc)
	want := map[string]int{"Tue 9 Dec 18:00 · Dinner": 1, "Wed 10 Dec 18:00 · Dinner": 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("options %v, want %v", got, want)
	}
	if first := doc["anyOf"].([]any)[0].(map[string]any)["name"]; first != "Tue 9 Dec 18:00 · Dinner" {
		t.Errorf("the first option is %v, want the nearest", first)
	}
	for key, want := range map[string]any{
		"type": "Question", "id": helpBase + "/help/12/signup", "attributedTo": helpBase + "/groups/park",
		"audience": helpBase + "/groups/park", "to": fmt.Sprint([]string{helpBase + "/groups/park/followers"}),
		"cc": "[]", "endTime": "2031-12-20T23:00:00Z", "votersCount": 1, "url": helpBase + "/help/12",
	} {
		if fmt.Sprint(doc[key]) != fmt.Sprint(want) {
			t.Errorf("%s is %v, want %v", key, doc[key], want)
		}
	}
	if _, ok := doc["closed"]; ok {
		t.Errorf("an open calendar's poll is closed: %v", doc["closed"])
	}
	if _, ok := doc["oneOf"]; ok {
		t.Error("the sign-up poll is single-choice (oneOf)")
	}
	body, _ := json.Marshal(doc)
	for _, private := range []string{"Elm Street", "peanut", "17:00-18:00", "Public"} {
		if strings.Contains(string(body), private) {
			t.Errorf("the poll carries %q: %s", private, body)
		}
	}
}

func TestHelpQuestionListsAtMostTwentyOptions(t *testing.T) {
	var many []*models.HelpSlot
	for i := range 30 {
		many = append(many, slot(int64(i+1), day("2031-12-08").AddDate(0, 0, i/3).Format(time.DateOnly), "", fmt.Sprint("Task ", i), 1, 0))
	}
	c, slots := mealsForAna(many...)
	doc := helpQuestion(c, slots, time.Date(2031, 12, 1, 0, 0, 0, 0, time.UTC))
	list := doc["anyOf"].([]any)
	if len(list) != federation.HelpSignupMaxOptions {
		t.Fatalf("%d options, want %d", len(list), federation.HelpSignupMaxOptions)
	}
	if last := list[19].(map[string]any)["name"]; last != "Sun 14 Dec · Task 19" {
		t.Errorf("the last option is %v, want the 20th nearest slot", last)
	}
}

func TestHelpQuestionClosesWithTheCalendar(t *testing.T) {
	closedAt := time.Date(2031, 12, 10, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name       string
		status     string
		updated    time.Time
		now        time.Time
		wantClosed string // "" for open
	}{
		{"open", models.HelpOpen, time.Time{}, time.Date(2031, 12, 9, 0, 0, 0, 0, time.UTC), ""},
		{"paused stays open to be answered", models.HelpPaused, closedAt, time.Date(2031, 12, 11, 0, 0, 0, 0, time.UTC), ""},
		{"closed by its organizer", models.HelpClosed, closedAt, time.Date(2031, 12, 11, 0, 0, 0, 0, time.UTC), "2031-12-10T08:00:00Z"},
		{"over", models.HelpOpen, time.Time{}, time.Date(2031, 12, 21, 0, 0, 0, 0, time.UTC), "2031-12-20T23:00:00Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cal, slots := mealsForAna(slot(1, "2031-12-15", "", "Lunch", 1, 0))
			cal.Status = c.status
			if !c.updated.IsZero() {
				cal.UpdatedAt = c.updated
			}
			doc := helpQuestion(cal, slots, c.now)
			closed, _ := doc["closed"].(string)
			if closed != c.wantClosed {
				t.Errorf("closed %q, want %q", closed, c.wantClosed)
			}
			if _, edited := doc["updated"]; edited != !c.updated.IsZero() {
				t.Errorf("updated %v, want it only after a change of the calendar", doc["updated"])
			}
		})
	}
}
