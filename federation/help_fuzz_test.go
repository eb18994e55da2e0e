package federation

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/village-social/village/models"
)

// helpSeed is a help calendar as another Village sends it, for the fuzzer to start from.
const helpSeed = `{"id":"https://h.example/help/1","type":"Note","attributedTo":"https://h.example/groups/g","name":"Meals",` +
	`"helpCalendar":{"type":"HelpCalendar","helpKind":"meals","helpStatus":"open","startDate":"2026-12-08","endDate":"2026-12-09",` +
	`"timeZone":"Europe/Berlin","slots":[{"type":"HelpSlot","id":"https://h.example/help/1#slot-2","name":"Dinner","day":"2026-12-08",` +
	`"atTime":"18:00","places":2,"taken":1,"helpers":["https://o.example/u/b"]}]},` +
	`"helpDetails":{"type":"HelpDetails","address":"12 Elm St","noVisits":true}}`

// checkIncomingHelp: whatever a help calendar or an Accept's details
// say, what is read stays within Village's bounds.
func checkIncomingHelp(t *testing.T, o Object) {
	if d, err := HelpCalendarFromObject(o); err == nil {
		if utf8.RuneCountInString(d.Title) > models.HelpTitleMax || d.Title == "" || !slices.Contains(models.HelpKinds(), d.Kind) ||
			d.EndsOn.Before(d.StartsOn) || len(d.Slots) > models.HelpMaxSlots {
			t.Fatalf("help calendar read out of bounds: %+v", d)
		}
		for _, s := range d.Slots {
			if s.Places < 1 || s.Places > models.HelpMaxPlaces || s.Taken < 0 || s.Taken > s.Places ||
				!strings.HasPrefix(s.ID, d.ID+helpSlotMark) || s.Day.Before(d.StartsOn) || s.Day.After(d.EndsOn) {
				t.Fatalf("help slot read out of bounds: %+v of %s", s, d.ID)
			}
		}
	}
	if p, ok := HelpDetailsFrom(o); ok {
		if utf8.RuneCountInString(p.Address) > models.HelpAddressMax || utf8.RuneCountInString(p.Notes) > models.HelpNotesMax ||
			utf8.RuneCountInString(p.DropOff) > models.HelpDropOffMax {
			t.Fatalf("help details read out of bounds: %+v", p)
		}
	}
}
