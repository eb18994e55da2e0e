package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// helpFixture is a group with an open calendar of one slot tomorrow for
// places people, opened by an organizer, and members to claim it.
type helpFixture struct {
	f         *testenv.Fixtures
	group     *models.Actor
	organizer *models.Actor
	members   []*models.Actor
	cal       *models.HelpCalendar
	slot      int64
}

func newHelpFixture(t *testing.T, places, members int) *helpFixture {
	t.Helper()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	h := &helpFixture{f: f, group: f.BrooklynMoms(t), organizer: f.Alice(t)}
	f.Follow(t, h.organizer, h.group)
	for i := range members {
		m := f.Person(t, "helper"+string(rune('a'+i)))
		f.Follow(t, m, h.group)
		h.members = append(h.members, m)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tomorrow := today.AddDate(0, 0, 1)
	cal, err := models.CreateHelpCalendar(ctx, f.DB, models.NewHelpCalendar{GroupID: h.group.ID, OpenedBy: h.organizer.ID,
		RecipientName: "Rosa", Title: "Meals for Rosa", Kind: "meals", StartsOn: today, EndsOn: today.AddDate(0, 0, 7),
		Private: models.HelpPrivate{Address: "12 Elm St", Notes: "no nuts"},
		Slots:   []models.NewHelpSlot{{Day: tomorrow, Label: "dinner", At: "18:00", Places: places}}})
	if err != nil {
		t.Fatal(err)
	}
	h.cal = cal
	slots, err := models.HelpSlots(ctx, f.DB, cal.ID)
	if err != nil || len(slots) != 1 {
		t.Fatalf("slots: %v %v", slots, err)
	}
	h.slot = slots[0].ID
	return h
}

func (h *helpFixture) claims(t *testing.T) int {
	t.Helper()
	var n int
	if err := h.f.DB.QueryRow(context.Background(), `SELECT count(*) FROM help_claims WHERE slot_id = $1`, h.slot).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHelpClaimRulesRefuseAndStoreNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		places int
		setup  func(t *testing.T, h *helpFixture) // before the claim under test
		who    func(t *testing.T, h *helpFixture) *models.Actor
		want   error
		claims int // places taken afterwards
	}{
		{name: "a member takes a free place", places: 2, who: func(_ *testing.T, h *helpFixture) *models.Actor { return h.members[0] }, claims: 1},
		{name: "a full slot refuses", places: 1,
			setup: func(t *testing.T, h *helpFixture) { claim(t, h, h.members[1]) },
			who:   func(_ *testing.T, h *helpFixture) *models.Actor { return h.members[0] }, want: models.ErrHelpSlotFull, claims: 1},
		{name: "claiming twice refuses", places: 3,
			setup: func(t *testing.T, h *helpFixture) { claim(t, h, h.members[0]) },
			who:   func(_ *testing.T, h *helpFixture) *models.Actor { return h.members[0] }, want: models.ErrHelpAlreadyClaimed, claims: 1},
		{name: "a paused calendar refuses", places: 2,
			setup: func(t *testing.T, h *helpFixture) { setStatus(t, h, models.HelpPaused) },
			who:   func(_ *testing.T, h *helpFixture) *models.Actor { return h.members[0] }, want: models.ErrHelpNotOpen},
		{name: "a closed calendar refuses", places: 2,
			setup: func(t *testing.T, h *helpFixture) { setStatus(t, h, models.HelpClosed) },
			who:   func(_ *testing.T, h *helpFixture) *models.Actor { return h.members[0] }, want: models.ErrHelpNotOpen},
		{name: "a non-member refuses", places: 2,
			who:  func(t *testing.T, h *helpFixture) *models.Actor { return h.f.Person(t, "stranger") },
			want: models.ErrHelpNotMember},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHelpFixture(t, tc.places, 2)
			if tc.setup != nil {
				tc.setup(t, h)
			}
			_, err := models.ClaimHelpSlot(ctx, h.f.DB, h.cal.ID, h.slot, tc.who(t, h).ID, "lasagna")
			if !errors.Is(err, tc.want) {
				t.Errorf("claim: %v, want %v", err, tc.want)
			}
			if got := h.claims(t); got != tc.claims {
				t.Errorf("%d places taken, want %d", got, tc.claims)
			}
		})
	}
}

func claim(t *testing.T, h *helpFixture, who *models.Actor) *models.HelpClaim {
	t.Helper()
	c, err := models.ClaimHelpSlot(context.Background(), h.f.DB, h.cal.ID, h.slot, who.ID, "soup")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func setStatus(t *testing.T, h *helpFixture, status string) {
	t.Helper()
	if err := models.SetHelpStatus(context.Background(), h.f.DB, h.cal.ID, h.organizer.ID, status); err != nil {
		t.Fatal(err)
	}
}

// Two members who want the last place at once: the slot's row lock lets
// one take it and tells the other it is full.
func TestHelpClaimOfTheLastPlaceGoesToOneOfTwoAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpFixture(t, 1, 2)
	// The first transaction holds the slot's row; the second waits for it.
	tx, err := h.f.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := models.ClaimHelpSlot(ctx, tx, h.cal.ID, h.slot, h.members[0].ID, "pie"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var second error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, second = models.ClaimHelpSlot(ctx, h.f.DB, h.cal.ID, h.slot, h.members[1].ID, "cake")
	}()
	time.Sleep(200 * time.Millisecond) // let the second reach the lock
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if !errors.Is(second, models.ErrHelpSlotFull) {
		t.Errorf("second claim: %v, want full", second)
	}
	if got := h.claims(t); got != 1 {
		t.Errorf("%d places taken of 1", got)
	}
}

func TestHelpClaimChangesAndGiveBacksAreOnlyTheHelpers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpFixture(t, 2, 2)
	mine := claim(t, h, h.members[0])
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"another changes it", func() error {
			return models.ChangeHelpClaim(ctx, h.f.DB, h.cal.ID, mine.ID, h.members[1].ID, "stolen")
		}, models.ErrHelpNotYours},
		{"another gives it back", func() error {
			return models.GiveBackHelpClaim(ctx, h.f.DB, h.cal.ID, mine.ID, h.members[1].ID)
		}, models.ErrHelpNotYours},
		{"an organizer gives it back", func() error {
			return models.GiveBackHelpClaim(ctx, h.f.DB, h.cal.ID, mine.ID, h.organizer.ID)
		}, models.ErrHelpNotYours},
		{"oversized bringing", func() error {
			return models.ChangeHelpClaim(ctx, h.f.DB, h.cal.ID, mine.ID, h.members[0].ID, string(make([]byte, 301)))
		}, &models.HelpInputError{}},
		{"she changes it", func() error {
			return models.ChangeHelpClaim(ctx, h.f.DB, h.cal.ID, mine.ID, h.members[0].ID, "stew")
		}, nil},
	} {
		err := tc.do()
		var input *models.HelpInputError
		if _, wantInput := tc.want.(*models.HelpInputError); wantInput {
			if !errors.As(err, &input) {
				t.Errorf("%s: %v, want an input error", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	slots, err := models.HelpSlots(ctx, h.f.DB, h.cal.ID)
	if err != nil || len(slots[0].Claims) != 1 || slots[0].Claims[0].Bringing != "stew" {
		t.Fatalf("after the changes: %+v %v", slots, err)
	}
	if err := models.GiveBackHelpClaim(ctx, h.f.DB, h.cal.ID, mine.ID, h.members[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := h.claims(t); got != 0 {
		t.Errorf("%d places taken after giving back", got)
	}
}

func TestHelpOrganizersFillAndClearSlotsOthersCannot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpFixture(t, 3, 1)
	claim(t, h, h.members[0])
	if err := models.FillHelpSlot(ctx, h.f.DB, h.cal.ID, h.slot, h.members[0].ID, "Grandma"); !errors.Is(err, models.ErrHelpNotOrganizer) {
		t.Errorf("a helper fills: %v", err)
	}
	if err := models.FillHelpSlot(ctx, h.f.DB, h.cal.ID, h.slot, h.organizer.ID, "Grandma"); err != nil {
		t.Fatal(err)
	}
	if got := h.claims(t); got != 3 {
		t.Errorf("filled: %d places taken of 3", got)
	}
	if _, err := models.ClearHelpSlot(ctx, h.f.DB, h.cal.ID, h.slot, h.members[0].ID); !errors.Is(err, models.ErrHelpNotOrganizer) {
		t.Errorf("a helper clears: %v", err)
	}
	freed, err := models.ClearHelpSlot(ctx, h.f.DB, h.cal.ID, h.slot, h.organizer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(freed) != 1 || freed[0] != h.members[0].ID || h.claims(t) != 0 {
		t.Errorf("cleared: freed %v, %d places left taken", freed, h.claims(t))
	}
}

// Closing frees the places from today on, and a ban frees the banned
// member's; a moderator may close but not pause.
func TestHelpClosingAndABanReleaseClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpFixture(t, 3, 2)
	claim(t, h, h.members[0])
	claim(t, h, h.members[1])
	if n, err := models.ReleaseHelpClaimsOf(ctx, h.f.DB, h.group.ID, h.members[0].ID); err != nil || n != 1 {
		t.Fatalf("ban released %d (%v)", n, err)
	}
	if got := h.claims(t); got != 1 {
		t.Errorf("after the ban: %d places taken, want 1", got)
	}
	mod := h.f.Person(t, "groupmod")
	h.f.Moderate(t, mod, h.group, models.GroupModerator)
	if err := models.SetHelpStatus(ctx, h.f.DB, h.cal.ID, mod.ID, models.HelpPaused); !errors.Is(err, models.ErrHelpNotOrganizer) {
		t.Errorf("a moderator pauses: %v", err)
	}
	if err := models.SetHelpStatus(ctx, h.f.DB, h.cal.ID, h.members[1].ID, models.HelpClosed); !errors.Is(err, models.ErrHelpNotOrganizer) {
		t.Errorf("a helper closes: %v", err)
	}
	if err := models.SetHelpStatus(ctx, h.f.DB, h.cal.ID, mod.ID, models.HelpClosed); err != nil {
		t.Fatal(err)
	}
	if got := h.claims(t); got != 0 {
		t.Errorf("after closing: %d places taken", got)
	}
}

func TestHelpCalendarRefusesBadInput(t *testing.T) {
	t.Parallel()
	day := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	good := func() models.NewHelpCalendar {
		return models.NewHelpCalendar{GroupID: 1, OpenedBy: 1, RecipientName: "Rosa", Title: "Meals", Kind: "meals",
			StartsOn: day, EndsOn: day.AddDate(0, 0, 6), Slots: []models.NewHelpSlot{{Day: day, Label: "dinner", Places: 1}}}
	}
	long := string(make([]rune, 2001))
	for _, tc := range []struct {
		name  string
		field string
		edit  func(n *models.NewHelpCalendar)
	}{
		{"no title", "title", func(n *models.NewHelpCalendar) { n.Title = " " }},
		{"an unknown kind", "kind", func(n *models.NewHelpCalendar) { n.Kind = "money" }},
		{"nobody to help", "recipient_name", func(n *models.NewHelpCalendar) { n.RecipientName = "" }},
		{"oversized notes", "notes", func(n *models.NewHelpCalendar) { n.Private.Notes = long }},
		{"a fund link that is not a web address", "fund_url", func(n *models.NewHelpCalendar) { n.FundURL = "javascript:alert(1)" }},
		{"backwards dates", "ends_on", func(n *models.NewHelpCalendar) { n.EndsOn = day.AddDate(0, 0, -1) }},
		{"half a year", "ends_on", func(n *models.NewHelpCalendar) { n.EndsOn = day.AddDate(0, 6, 0) }},
		{"a slot outside the dates", "slots", func(n *models.NewHelpCalendar) { n.Slots[0].Day = day.AddDate(0, 1, 0) }},
		{"a slot for nobody", "places", func(n *models.NewHelpCalendar) { n.Slots[0].Places = 0 }},
		{"a bad time", "slots", func(n *models.NewHelpCalendar) { n.Slots[0].At = "25:00" }},
	} {
		n := good()
		tc.edit(&n)
		var input *models.HelpInputError
		if err := n.Validate(); !errors.As(err, &input) || input.Field != tc.field {
			t.Errorf("%s: %v, want an error of %s", tc.name, err, tc.field)
		}
	}
	n := good()
	if err := n.Validate(); err != nil {
		t.Errorf("a good calendar: %v", err)
	}
}

func TestGenerateSlotsRepeatsLabelsOnChosenDays(t *testing.T) {
	t.Parallel()
	monday := time.Date(2030, 4, 29, 0, 0, 0, 0, time.UTC)
	patterns := models.ParseSlotPatterns("18:00 dinner\n\nschool pick-up 3 pm\n")
	if len(patterns) != 2 || patterns[0] != (models.SlotPattern{At: "18:00", Label: "dinner"}) ||
		patterns[1] != (models.SlotPattern{Label: "school pick-up 3 pm"}) {
		t.Fatalf("patterns: %+v", patterns)
	}
	for _, tc := range []struct {
		name string
		days []time.Weekday
		want int
	}{
		{"every day of a week", nil, 14},
		{"Mondays and Wednesdays", []time.Weekday{time.Monday, time.Wednesday}, 4},
		{"Sundays only", []time.Weekday{time.Sunday}, 2},
	} {
		got := models.GenerateSlots(monday, monday.AddDate(0, 0, 6), tc.days, patterns, 2)
		if len(got) != tc.want {
			t.Errorf("%s: %d slots, want %d", tc.name, len(got), tc.want)
		}
	}
}
