package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// A local member's claim, change and give-back of a slot in another
// Village's calendar each send the group one Join or Leave of the slot,
// with what she brings; a refused claim sends nothing.
func TestHelpCopyClaimsTravelAsJoinAndLeave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	person := e.Lemmy(t).Person(t, "moms")
	g := *person
	g.ID, g.Type, g.URI, g.Username = 0, models.ActorGroup, person.URI+"-group", "moms_group"
	g.PublicKeyID, g.InboxURL = g.URI+"#main-key", g.URI+"/inbox"
	group, err := models.UpsertRemoteActor(ctx, e.DB, &g)
	if err != nil {
		t.Fatal(err)
	}
	bea, cleo := e.Person(t, "bea"), e.Person(t, "cleo")
	e.Follow(t, bea, group)
	e.Follow(t, cleo, group)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	calURI, slotURI := group.URI+"/help/1", group.URI+"/help/1#slot-5"
	kept, err := models.KeepHelpCopy(ctx, e.DB, models.HelpCopyInput{URI: calURI, GroupID: group.ID, Title: "Meals", Kind: "meals",
		Status: models.HelpOpen, StartsOn: today, EndsOn: today.AddDate(0, 0, 3), TimeZone: "UTC",
		Slots: []models.HelpCopySlot{{URI: slotURI, Label: "dinner", Day: today.AddDate(0, 0, 1), Places: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	inbox := group.InboxURL
	if group.SharedInboxURL != "" {
		inbox = group.SharedInboxURL // the group's server's shared inbox, as for any delivery
	}
	slots, err := models.HelpSlots(ctx, e.DB, kept.CalendarID)
	if err != nil {
		t.Fatal(err)
	}
	claimID := func() int64 {
		var id int64
		if err := e.DB.QueryRow(ctx, `SELECT id FROM help_claims WHERE actor_id = $1`, bea.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for _, step := range []struct {
		name     string
		act      func() error
		want     string // the one activity queued to the group, "" for none
		bringing string
		err      error
	}{
		{name: "a claim sends Join", act: func() error {
			return e.outbox.ClaimHelpCopySlot(ctx, bea, kept.CalendarID, slots[0].ID, " soup ")
		}, want: "Join", bringing: "soup"},
		{name: "a claim of the slot she waits for is refused", act: func() error {
			return e.outbox.ClaimHelpCopySlot(ctx, cleo, kept.CalendarID, slots[0].ID, "")
		}, err: models.ErrHelpSlotFull},
		{name: "a change sends Join again", act: func() error {
			return e.outbox.ChangeHelpCopyClaim(ctx, bea, kept.CalendarID, claimID(), "bread")
		}, want: "Join", bringing: "bread"},
		{name: "only she changes her place", act: func() error {
			return e.outbox.ChangeHelpCopyClaim(ctx, cleo, kept.CalendarID, claimID(), "cake")
		}, err: models.ErrHelpNotYours},
		{name: "a give-back sends Leave", act: func() error {
			return e.outbox.GiveBackHelpCopyClaim(ctx, bea, kept.CalendarID, claimID())
		}, want: "Leave"},
	} {
		mark := e.QueueMark(t)
		err := step.act()
		if !errors.Is(err, step.err) {
			t.Fatalf("%s: %v, want %v", step.name, err, step.err)
		}
		queued := e.QueuedSince(t, mark)
		if step.want == "" {
			if len(queued) != 0 {
				t.Errorf("%s: queued %v", step.name, queued.ByInbox())
			}
			continue
		}
		if len(queued) != 1 || queued[0].Inbox != inbox {
			t.Fatalf("%s: queued %v, want one activity to the group's inbox", step.name, queued.ByInbox())
		}
		doc := queued[0].Doc
		if doc.Type() != step.want || doc.Ref("object") != slotURI || doc.Ref("target") != calURI || doc.String("bringing") != step.bringing {
			t.Errorf("%s: sent %v", step.name, doc)
		}
	}
	var left int
	if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM help_claims`).Scan(&left); err != nil || left != 0 {
		t.Errorf("claims left after the give-back: %d %v", left, err)
	}
}
