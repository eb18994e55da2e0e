package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// helpAtHome is a local group's calendar of one slot tomorrow for one
// person, its address "12 Elm St", already sent to its members' servers.
type helpAtHome struct {
	*env
	moms, maria, lou *models.Actor
	cal              *models.HelpCalendar
	slot             string // the slot's id on the wire
	slotID           int64
}

func newHelpAtHome(t *testing.T) *helpAtHome {
	t.Helper()
	ctx := context.Background()
	e, moms, maria, lou := newGroupEnv(t)
	alice := e.Alice(t)
	e.Follow(t, alice, moms)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	cal, err := models.CreateHelpCalendar(ctx, e.DB, models.NewHelpCalendar{GroupID: moms.ID, OpenedBy: alice.ID,
		RecipientName: "Rosa", Title: "Meals for Rosa", Kind: "meals", StartsOn: today, EndsOn: today.AddDate(0, 0, 7),
		TimeZone: "UTC", Private: models.HelpPrivate{Address: "12 Elm St", Notes: "no nuts"},
		Slots: []models.NewHelpSlot{{Day: today.AddDate(0, 0, 1), Label: "dinner", At: "18:00", Places: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	slots, err := models.HelpSlots(ctx, e.DB, cal.ID)
	if err != nil || len(slots) != 1 {
		t.Fatalf("slots %v: %v", slots, err)
	}
	h := &helpAtHome{env: e, moms: moms, maria: maria, lou: lou, cal: cal, slotID: slots[0].ID,
		slot: federation.HelpSlotID(e.outbox.HelpCalendarURI(cal.ID), slots[0].ID)}
	h.changed(t)
	return h
}

// changed runs the hook every action on a calendar calls.
func (h *helpAtHome) changed(t *testing.T) {
	t.Helper()
	err := models.InTx(context.Background(), h.DB, func(tx pgx.Tx) error { return h.outbox.HelpChanged(context.Background(), tx, h.cal.ID) })
	if err != nil {
		t.Fatal(err)
	}
}

// memberInboxes are the inboxes that reach the group's remote members.
func (h *helpAtHome) memberInboxes(t *testing.T) []string {
	t.Helper()
	inboxes, err := models.FollowerInboxes(context.Background(), h.DB, h.moms.ID)
	if err != nil {
		t.Fatal(err)
	}
	return inboxes
}

func (h *helpAtHome) join(who *models.Actor, bringing string) map[string]any {
	j := h.activity(who, "Join", h.slot)
	j["target"], j["bringing"], j["to"] = h.outbox.HelpCalendarURI(h.cal.ID), bringing, []string{h.URLs.Actor(h.moms)}
	return j
}

// claims are the slot's claims, as "actor=bringing join" lines.
func (h *helpAtHome) claims(t *testing.T) string {
	t.Helper()
	rows, err := h.DB.Query(context.Background(), `SELECT coalesce(a.uri, ''), k.bringing, coalesce(k.join_uri, '')
		FROM help_claims k LEFT JOIN actors a ON a.id = k.actor_id WHERE k.slot_id = $1 ORDER BY k.id`, h.slotID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var who, bringing, join string
		if err := rows.Scan(&who, &bringing, &join); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%s %s", who, bringing, join))
	}
	return strings.Join(out, "\n")
}

func TestAHelpCalendarReachesMembersServersOnlyWhenItChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpAtHome(t)
	var sent federation.Object
	for _, a := range h.QueuedSince(t, 0) {
		if a.Doc.Type() == "Create" && a.Doc.Embedded("object").ID() == h.outbox.HelpCalendarURI(h.cal.ID) {
			sent = a.Doc
			if strings.Contains(string(a.Activity.Body), "12 Elm St") || strings.Contains(string(a.Activity.Body), "no nuts") {
				t.Errorf("the calendar sent to members' servers carries its private details: %s", a.Activity.Body)
			}
		}
	}
	if sent == nil {
		t.Fatal("opening the calendar sent no Create of it")
	}
	if to := sent.Refs("to"); len(to) != 1 || to[0] != h.URLs.Followers(h.moms) {
		t.Errorf("the calendar is addressed to %v, not the group's followers alone", to)
	}
	if _, err := federation.HelpCalendarFromObject(sent.Embedded("object")); err != nil {
		t.Errorf("the calendar sent does not read back: %v", err)
	}

	mark := h.QueueMark(t)
	h.changed(t)
	h.WantQueued(t, mark, nil) // nothing changed: nothing sent

	if err := models.SetHelpStatus(ctx, h.DB, h.cal.ID, h.cal.OpenedBy, models.HelpPaused); err != nil {
		t.Fatal(err)
	}
	h.changed(t)
	want := map[string][]string{}
	for _, inbox := range h.memberInboxes(t) {
		want[inbox] = []string{"Update{Note}"}
	}
	// Mastodon's kin get the sign-up poll's Update too (help_vote.go).
	mastodon := h.Mastodon(t).SharedInbox()
	want[mastodon] = append(want[mastodon], "Update{Question}")
	q := h.WantQueued(t, mark, want).Of("Update{Note}")
	if len(q) > 0 && q[0].Doc.Embedded("object").Embedded("helpCalendar").String("helpStatus") != models.HelpPaused {
		t.Errorf("the Update does not say the calendar is paused: %s", q[0].Activity.Body)
	}
}

func TestAHelpJoinFromAnotherServerClaimsASlotAndOnlyTheClaimerIsToldTheAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpAtHome(t)

	mark := h.QueueMark(t)
	join := h.join(h.maria, "soup")
	h.accept(t, h.maria, join)
	if got, want := h.claims(t), h.maria.URI+"=soup "+join["id"].(string); got != want {
		t.Fatalf("claims %q, want %q", got, want)
	}
	var accept federation.Object
	updates := 0
	for _, a := range h.QueuedSince(t, mark) {
		switch kind := a.Doc.Type(); {
		case kind == "Accept":
			if a.Inbox != h.URLs.DeliveryInbox(h.maria) || len(a.Doc.Refs("to")) != 1 || a.Doc.Refs("to")[0] != h.maria.URI {
				t.Errorf("the Accept with the address goes to %s, addressed %v: not maria's server for her alone", a.Inbox, a.Doc.Refs("to"))
			}
			accept = a.Doc
		case kind == "Update" && a.Doc.Embedded("object").Type() == "Note": // not the sign-up poll (help_vote.go)
			updates++
			if strings.Contains(string(a.Activity.Body), "12 Elm St") {
				t.Errorf("the calendar's Update carries the address: %s", a.Activity.Body)
			}
			slots := a.Doc.Embedded("object").Embedded("helpCalendar")["slots"].([]any)
			if helpers := federation.Object(slots[0].(map[string]any)).Refs("helpers"); len(helpers) != 1 || helpers[0] != h.maria.URI {
				t.Errorf("the Update's slot lists helpers %v, want maria", helpers)
			}
		}
	}
	if accept == nil || accept.Embedded("object").ID() != join["id"] {
		t.Fatalf("no Accept of maria's Join queued")
	}
	if d, ok := federation.HelpDetailsFrom(accept); !ok || d.Address != "12 Elm St" || d.Notes != "no nuts" {
		t.Errorf("the Accept's details are %+v", d)
	}
	if updates != len(h.memberInboxes(t)) {
		t.Errorf("%d Updates of the calendar queued, want one per member server", updates)
	}

	// The slot is full: lou is told so, and nothing is kept.
	mark = h.QueueMark(t)
	before := h.claims(t)
	h.accept(t, h.lou, h.join(h.lou, "bread"))
	if h.claims(t) != before {
		t.Errorf("a Join of a full slot changed the claims to %q", h.claims(t))
	}
	q := h.WantQueued(t, mark, map[string][]string{h.URLs.DeliveryInbox(h.lou): {"Reject{Join}"}})
	if len(q) == 1 && (!strings.Contains(q[0].Doc.String("content"), "taken") || strings.Contains(string(q[0].Activity.Body), "12 Elm St")) {
		t.Errorf("the Reject does not say the slot is taken, or carries the address: %s", q[0].Activity.Body)
	}

	// The same Join again with other food changes what she brings, once.
	again := h.join(h.maria, "lentil soup")
	h.accept(t, h.maria, again)
	if got, want := h.claims(t), h.maria.URI+"=lentil soup "+again["id"].(string); got != want {
		t.Fatalf("after a second Join: claims %q, want %q", got, want)
	}

	// Leave gives it back, and members' servers are told: the Update
	// still waiting to go (no queue runs here) now says the slot is free.
	leave := h.activity(h.maria, "Leave", h.slot)
	h.accept(t, h.maria, leave)
	if got := h.claims(t); got != "" {
		t.Fatalf("after Leave: claims %q", got)
	}
	last, err := models.LatestObject(ctx, h.DB, h.outbox.HelpCalendarURI(h.cal.ID))
	if err != nil {
		t.Fatal(err)
	}
	told, err := federation.ParseObject(last)
	if err != nil {
		t.Fatal(err)
	}
	slot := federation.Object(told.Embedded("helpCalendar")["slots"].([]any)[0].(map[string]any))
	if n, _ := slot["taken"].(float64); n != 0 || len(slot.Refs("helpers")) != 0 {
		t.Errorf("after Leave, members' servers are to be told the slot is %v", slot)
	}
	if slots, err := models.HelpSlots(ctx, h.DB, h.cal.ID); err != nil || slots[0].Free() != 1 {
		t.Errorf("the slot is not free again: %v", err)
	}
}

func TestJoinsOfAHelpSlotThatCannotCountAreRefusedAndLeaveNoTrace(t *testing.T) {
	t.Parallel()
	h := newHelpAtHome(t)
	stranger := h.Mastodon(t).Person(t, "stranger")
	otherCal := h.activity(h.maria, "Join", federation.HelpSlotID(h.URLs.Base+"/help/999999", h.slotID))
	long := h.join(h.maria, strings.Repeat("x", models.HelpBringingMax+1))
	for _, tc := range []struct {
		name   string
		signer *models.Actor
		join   map[string]any
		status int
	}{
		{"from someone who is not a member", stranger, h.join(stranger, "cake"), http.StatusForbidden},
		{"of a calendar that does not exist", h.maria, otherCal, http.StatusNotFound},
		{"saying more than a claim holds", h.maria, long, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.wantRefused(t, tc.signer, tc.join, tc.status, h.claims)
		})
	}
	body, _ := json.Marshal(h.join(h.maria, "x"))
	if strings.Contains(string(body), "12 Elm St") {
		t.Fatal("test set-up: a Join carries the address")
	}
}
