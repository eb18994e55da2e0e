package inbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// remoteHelpGroup is a group on another Village (a Lemmy fixture server
// stands in for it) and the calendar it sends, as a document to change.
func remoteHelpGroup(t *testing.T, e *env) (*models.Actor, federation.HelpCalendarDoc) {
	t.Helper()
	person := e.Lemmy(t).Person(t, "moms")
	g := *person
	g.ID, g.Type, g.URI, g.Username = 0, models.ActorGroup, person.URI+"-group", "moms_group"
	g.PublicKeyID = g.URI + "#main-key"
	group, err := models.UpsertRemoteActor(context.Background(), e.DB, &g)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	cal := group.URI + "/help/12"
	return group, federation.HelpCalendarDoc{ID: cal, Group: group.URI, Followers: group.URI + "/followers", Title: "Meals for Ana",
		Content: "<p>Meals</p>", Story: "<p>Ana had a baby<script>x()</script></p>", Kind: "meals", Status: models.HelpOpen,
		TimeZone: "UTC", StartsOn: today, EndsOn: today.AddDate(0, 0, 7), RecipientName: "Ana", OpenedBy: group.URI,
		Slots:     []federation.HelpSlotDoc{{ID: federation.HelpSlotID(cal, 5), Name: "dinner", Day: today.AddDate(0, 0, 1), Places: 1}},
		Published: time.Now()}
}

func helpActivity(e *env, actor *models.Actor, typ string, d federation.HelpCalendarDoc) map[string]any {
	return map[string]any{"id": actor.URI + "/activities/" + typ + time.Now().Format("150405.000000000"), "type": typ,
		"actor": actor.URI, "object": federation.HelpCalendarDocument(e.URLs.Base, d)}
}

func TestHelpCalendarFromAGroupIsKeptAsACopyNotAPost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		follow   bool // a member here follows the group
		byPerson bool // a person signs it, not the group
		status   int
		copies   int
	}{
		{name: "the group's calendar is kept for its members here", follow: true, copies: 1},
		{name: "a calendar nobody here follows is accepted and forgotten", copies: 0},
		{name: "a person may not send her group's calendar", follow: true, byPerson: true, status: http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			group, d := remoteHelpGroup(t, e)
			if tc.follow {
				e.Follow(t, e.Alice(t), group)
			}
			signer := group
			if tc.byPerson {
				signer = e.Lemmy(t).Person(t, "moms")
			}
			act := helpActivity(e, signer, "Create", d)
			wantStatus(t, e.process(t, signer, act), tc.status)
			var copies, posts int
			if err := e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM help_calendars WHERE uri = $1),
				(SELECT count(*) FROM posts WHERE uri = $1)`, d.ID).Scan(&copies, &posts); err != nil {
				t.Fatal(err)
			}
			if copies != tc.copies || posts != 0 {
				t.Errorf("%d copies, %d posts; want %d copies, no post", copies, posts, tc.copies)
			}
		})
	}
}

// A member's Join is settled by the group's answer, and its Updates and
// Delete bring the copy along: the story sanitized, the address kept for
// her from the Accept, her place gone when home no longer lists her.
func TestHelpCopyFollowsItsGroupsAnswersUpdatesAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	group, d := remoteHelpGroup(t, e)
	bea := e.Alice(t)
	e.Follow(t, bea, group)
	e.accept(t, group, helpActivity(e, group, "Create", d))
	cp, err := models.HelpCopyByURI(ctx, e.DB, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := models.HelpCalendarByID(ctx, e.DB, cp.CalendarID)
	if err != nil || cal.Story != "<p>Ana had a baby</p>" {
		t.Fatalf("the copy's story: %+v %v", cal, err)
	}
	slots, err := models.HelpSlots(ctx, e.DB, cp.CalendarID)
	if err != nil || len(slots) != 1 {
		t.Fatalf("the copy's slots: %v %v", slots, err)
	}
	if err := e.outbox.ClaimHelpCopySlot(ctx, bea, cp.CalendarID, slots[0].ID, "soup"); err != nil {
		t.Fatal(err)
	}
	var join string
	if err := e.DB.QueryRow(ctx, `SELECT join_uri FROM help_claims WHERE actor_id = $1`, bea.ID).Scan(&join); err != nil {
		t.Fatal(err)
	}
	answer := func(by *models.Actor, typ string) map[string]any {
		return federation.HelpAnswerDocument(e.URLs.Base, typ, federation.HelpAnswer{ID: by.URI + "/answers/" + typ, Group: by.URI,
			Join:    federation.JoinRef{ID: join, Actor: e.URLs.Actor(bea), Event: d.Slots[0].ID},
			Details: &models.HelpPrivate{Address: "12 Elm St"}})
	}
	someone := e.Lemmy(t).Person(t, "lou")
	wantStatus(t, e.process(t, someone, answer(someone, "Accept")), http.StatusForbidden)
	e.accept(t, group, answer(group, "Accept"))
	var pending bool
	var address string
	if err := e.DB.QueryRow(ctx, `SELECT k.pending, c.address FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
		JOIN help_calendars c ON c.id = s.calendar_id WHERE k.actor_id = $1`, bea.ID).Scan(&pending, &address); err != nil {
		t.Fatal(err)
	}
	if pending || address != "12 Elm St" {
		t.Errorf("after the Accept: pending %v, address %q", pending, address)
	}

	count := func(sql string) int {
		var n int
		if err := e.DB.QueryRow(ctx, sql, bea.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	closed := d
	closed.Status = models.HelpClosed
	closed.Slots = []federation.HelpSlotDoc{d.Slots[0]} // home freed her place on closing: she is no helper
	e.accept(t, group, helpActivity(e, group, "Update", closed))
	if n := count(`SELECT count(*) FROM help_claims WHERE actor_id = $1`); n != 0 {
		t.Errorf("bea keeps %d places home no longer lists", n)
	}
	if n := count(`SELECT count(*) FROM notifications WHERE recipient_id = $1 AND type = 'help_released'`); n != 1 {
		t.Errorf("bea told %d times that her place went", n)
	}
	e.accept(t, group, map[string]any{"id": group.URI + "/delete/1", "type": "Delete", "actor": group.URI, "object": d.ID})
	if _, err := models.HelpCopyByURI(ctx, e.DB, d.ID); err == nil {
		t.Error("the copy outlives its calendar's Delete")
	}
}
