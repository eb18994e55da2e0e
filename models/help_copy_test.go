package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// copyFixture is a group on another Village that two local members
// follow, and its calendar's copy here with one slot tomorrow.
type copyFixture struct {
	f       *testenv.Fixtures
	group   *models.Actor
	members []*models.Actor
	input   models.HelpCopyInput
	cal     int64
	slot    int64
}

func newCopyFixture(t *testing.T, places, taken int) *copyFixture {
	t.Helper()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	person := f.Lemmy(t).Person(t, "moms")
	g := *person
	g.ID, g.Type, g.URI, g.Username = 0, models.ActorGroup, person.URI+"-group", "moms_group"
	g.PublicKeyID = g.URI + "#main-key"
	group, err := models.UpsertRemoteActor(ctx, f.DB, &g)
	if err != nil {
		t.Fatal(err)
	}
	c := &copyFixture{f: f, group: group}
	for _, name := range []string{"bea", "cleo"} {
		m := f.Person(t, name)
		f.Follow(t, m, group)
		c.members = append(c.members, m)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	c.input = models.HelpCopyInput{URI: group.URI + "/help/1", GroupID: group.ID, Title: "Meals for Ana", Kind: "meals",
		Status: models.HelpOpen, StartsOn: today, EndsOn: today.AddDate(0, 0, 7), TimeZone: "UTC", RecipientName: "Ana",
		Slots: []models.HelpCopySlot{{URI: group.URI + "/help/1#slot-5", Label: "dinner", Day: today.AddDate(0, 0, 1),
			Places: places, Taken: taken}}}
	c.cal = c.keep(t, c.input).CalendarID
	slots, err := models.HelpSlots(ctx, f.DB, c.cal)
	if err != nil || len(slots) != 1 {
		t.Fatalf("slots of the copy: %v %v", slots, err)
	}
	c.slot = slots[0].ID
	return c
}

func (c *copyFixture) keep(t *testing.T, in models.HelpCopyInput) *models.HelpCopyKept {
	t.Helper()
	kept, err := models.KeepHelpCopy(context.Background(), c.f.DB, in)
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

// claim is a member's claim of the copy's slot, its Join sent at sent.
func (c *copyFixture) claim(t *testing.T, who *models.Actor, sent time.Time) (*models.HelpCopyClaim, error) {
	t.Helper()
	var k *models.HelpCopyClaim
	err := models.InTx(context.Background(), c.f.DB, func(tx pgx.Tx) error {
		var err error
		if k, err = models.ClaimHelpCopySlot(context.Background(), tx, c.cal, c.slot, who.ID, "soup", who.URI+"#join"); err != nil {
			return err
		}
		_, err = tx.Exec(context.Background(), `UPDATE help_claims SET updated_at = $2 WHERE id = $1`, k.ClaimID, sent)
		return err
	})
	return k, err
}

func (c *copyFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := c.f.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *copyFixture) released(t *testing.T, who *models.Actor) int {
	t.Helper()
	return c.count(t, `SELECT count(*) FROM notifications WHERE recipient_id = $1 AND type = 'help_released' AND help_calendar_id = $2`,
		who.ID, c.cal)
}

func TestHelpCopyClaimsFollowHomesHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		sent      time.Duration // how long ago bea's Join left
		confirmed bool          // the group accepted it before the Update
		listed    bool          // the Update lists her among the slot's helpers
		dropSlot  bool          // the Update no longer has the slot
		kept      bool
		pending   bool
	}{
		{name: "a member home lists keeps her place, waiting for the Accept", sent: 2 * time.Minute, listed: true, kept: true, pending: true},
		{name: "a confirmed member home no longer lists loses her place", confirmed: true, kept: false},
		{name: "a claim whose Join just left waits for home", sent: 5 * time.Second, kept: true, pending: true},
		{name: "a claim home never took goes after a minute", sent: 2 * time.Minute, kept: false},
		{name: "a slot home dropped takes her place with it", confirmed: true, listed: true, dropSlot: true, kept: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCopyFixture(t, 2, 0)
			bea := c.members[0]
			k, err := c.claim(t, bea, time.Now().Add(-tc.sent))
			if err != nil {
				t.Fatal(err)
			}
			if tc.confirmed {
				if err := models.InTx(context.Background(), c.f.DB, func(tx pgx.Tx) error {
					return models.AcceptHelpCopyClaim(context.Background(), tx, k, nil)
				}); err != nil {
					t.Fatal(err)
				}
			}
			in := c.input
			in.Slots = append([]models.HelpCopySlot(nil), c.input.Slots...)
			in.Slots[0].Taken = 0
			if tc.listed {
				in.Slots[0].Taken, in.Slots[0].Helpers = 1, []int64{bea.ID}
			}
			if tc.dropSlot {
				in.Slots = nil
			}
			kept := c.keep(t, in)
			mine := c.count(t, `SELECT count(*) FROM help_claims WHERE actor_id = $1`, bea.ID)
			if (mine == 1) != tc.kept {
				t.Fatalf("bea's places after the Update: %d, want kept %v", mine, tc.kept)
			}
			if tc.kept {
				if p := c.count(t, `SELECT count(*) FROM help_claims WHERE actor_id = $1 AND pending`, bea.ID); (p == 1) != tc.pending {
					t.Errorf("pending claims: %d, want pending %v", p, tc.pending)
				}
			}
			told := c.released(t, bea)
			if tc.kept == (told == 1) || (len(kept.Released) == 1) == tc.kept {
				t.Errorf("bea told %d times, released %v: want told only when her place went", told, kept.Released)
			}
		})
	}
}

func TestHelpCopyShowsTheAddressOnlyToAcceptedClaimers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCopyFixture(t, 2, 0)
	bea, cleo := c.members[0], c.members[1]
	stranger := c.f.Person(t, "dora")
	k, err := c.claim(t, bea, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sees := func(who *models.Actor) (calendar, private bool) {
		t.Helper()
		cal, err := models.HelpCalendarByID(ctx, c.f.DB, c.cal)
		if err != nil {
			t.Fatal(err)
		}
		s, err := models.HelpStandingOf(ctx, c.f.DB, cal, who.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.SeesCalendar(cal), s.SeesPrivate(cal)
	}
	// Another member's Accept put the address on the copy: a pending claim does not show it.
	if _, err := c.f.DB.Exec(ctx, `UPDATE help_calendars SET address = '12 Elm St' WHERE id = $1`, c.cal); err != nil {
		t.Fatal(err)
	}
	if _, private := sees(bea); private {
		t.Error("bea sees the address while the group has not accepted her place")
	}
	err = models.InTx(ctx, c.f.DB, func(tx pgx.Tx) error {
		return models.AcceptHelpCopyClaim(ctx, tx, k, &models.HelpPrivate{Address: "14 Elm St", Notes: "no nuts"})
	})
	if err != nil {
		t.Fatal(err)
	}
	listed := c.input
	listed.Slots = []models.HelpCopySlot{c.input.Slots[0]}
	listed.Slots[0].Taken, listed.Slots[0].Helpers = 1, []int64{bea.ID}
	c.keep(t, listed) // home's next Update lists her, and leaves the details as they are
	for _, tc := range []struct {
		who               *models.Actor
		calendar, private bool
	}{{bea, true, true}, {cleo, true, false}, {stranger, false, false}} {
		if cal, private := sees(tc.who); cal != tc.calendar || private != tc.private {
			t.Errorf("%s sees the calendar %v, the address %v; want %v, %v", tc.who.Username, cal, private, tc.calendar, tc.private)
		}
	}
	cal, err := models.HelpCalendarByID(ctx, c.f.DB, c.cal)
	if err != nil || cal.Private.Address != "14 Elm St" {
		t.Errorf("the copy's address: %+v %v", cal, err)
	}
	feed, err := models.MemberHelpSlots(ctx, c.f.DB, bea.ID)
	if err != nil || len(feed) != 1 || feed[0].Address != "14 Elm St" {
		t.Errorf("bea's feed: %+v %v", feed, err)
	}
}

func TestHelpCopyClaimRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		places, taken int
		who           int // 0 bea, 1 cleo, -1 a stranger
		want          error
	}{
		{name: "a member takes a place home counts free", places: 2, taken: 1, who: 0},
		{name: "a slot home counts full refuses", places: 1, taken: 1, who: 0, want: models.ErrHelpSlotFull},
		{name: "someone who does not follow the group is refused", places: 2, who: -1, want: models.ErrHelpNotMember},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCopyFixture(t, tc.places, tc.taken)
			who := c.f.Person(t, "erin")
			if tc.who >= 0 {
				who = c.members[tc.who]
			}
			_, err := c.claim(t, who, time.Now())
			if !errors.Is(err, tc.want) {
				t.Fatalf("claim: %v, want %v", err, tc.want)
			}
			if n := c.count(t, `SELECT count(*) FROM help_claims`); (n == 1) != (tc.want == nil) {
				t.Errorf("%d claims stored", n)
			}
		})
	}
	t.Run("a pending claim takes the last place for the next member", func(t *testing.T) {
		t.Parallel()
		c := newCopyFixture(t, 1, 0)
		if _, err := c.claim(t, c.members[0], time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.claim(t, c.members[1], time.Now()); !errors.Is(err, models.ErrHelpSlotFull) {
			t.Errorf("cleo's claim of a slot bea waits for: %v", err)
		}
	})
	t.Run("a refused Join removes the place and tells her", func(t *testing.T) {
		t.Parallel()
		c := newCopyFixture(t, 1, 0)
		k, err := c.claim(t, c.members[0], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		found, err := models.HelpCopyClaimByJoin(ctx, c.f.DB, k.JoinURI)
		if err != nil {
			t.Fatal(err)
		}
		if err := models.InTx(ctx, c.f.DB, func(tx pgx.Tx) error { return models.RejectHelpCopyClaim(ctx, tx, found) }); err != nil {
			t.Fatal(err)
		}
		if n := c.count(t, `SELECT count(*) FROM help_claims`); n != 0 || c.released(t, c.members[0]) != 1 {
			t.Errorf("after the Reject: %d claims, %d notices", n, c.released(t, c.members[0]))
		}
	})
	t.Run("a deleted calendar takes its copy and claims away", func(t *testing.T) {
		t.Parallel()
		c := newCopyFixture(t, 1, 0)
		if _, err := c.claim(t, c.members[0], time.Now()); err != nil {
			t.Fatal(err)
		}
		if ok, err := models.DeleteHelpCopy(ctx, c.f.DB, c.input.URI, c.members[0].ID); err != nil || ok {
			t.Errorf("a Delete by someone else than the group: %v %v", ok, err)
		}
		if ok, err := models.DeleteHelpCopy(ctx, c.f.DB, c.input.URI, c.group.ID); err != nil || !ok {
			t.Errorf("the group's Delete: %v %v", ok, err)
		}
		if n := c.count(t, `SELECT count(*) FROM help_claims`); n != 0 {
			t.Errorf("%d claims left", n)
		}
	})
}

// A member's place in a copy's slot is reminded here, the day before,
// once: her own server reminds her (home sends no note to a Village).
func TestHelpCopyPlacesAreRemindedTheDayBeforeOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCopyFixture(t, 2, 0)
	bea := c.members[0]
	k, err := c.claim(t, bea, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := models.InTx(ctx, c.f.DB, func(tx pgx.Tx) error { return models.AcceptHelpCopyClaim(ctx, tx, k, nil) }); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour).Add(9 * time.Hour)
	for i, want := range []int{1, 0} {
		n, err := models.RemindHelpers(ctx, c.f.DB, today)
		if err != nil || n != want {
			t.Fatalf("run %d reminded %d places (%v), want %d", i+1, n, err, want)
		}
	}
	if got := c.count(t, `SELECT count(*) FROM notifications WHERE recipient_id = $1 AND type = 'help_reminder' AND help_calendar_id = $2`,
		bea.ID, c.cal); got != 1 {
		t.Fatalf("bea has %d reminders of her place in the copy, want 1", got)
	}
}
