package outbox_test

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

const helpAddress = "12 Elm Street, apt 3"

// helpEnv is the members-only group nicu_parents with alice (local),
// maria (Mastodon), gina (GoToSocial), lou (Lemmy) and vic (another
// Village) as members, and a calendar alice opened: tomorrow's dinner
// for one, the day after's lunch for two.
type helpEnv struct {
	*env
	group, alice, maria, gina, lou, vic *models.Actor
	cal                                 *models.HelpCalendar
	dinner, lunch                       int64
}

func newHelpEnv(t *testing.T) *helpEnv {
	t.Helper()
	e := newEnv(t)
	h := &helpEnv{env: e, group: e.NICUParents(t), alice: e.Alice(t), maria: e.Maria(t), lou: e.Lou(t)}
	h.gina = e.NewServer(t, testenv.ServerShape{Software: "gotosocial", PeoplePath: "/users/"}).Person(t, "gina")
	h.vic = e.NewServer(t, testenv.ServerShape{Software: "village", PeoplePath: "/users/", SharedInbox: true}).Person(t, "vic")
	for _, m := range []*models.Actor{h.alice, h.maria, h.gina, h.lou, h.vic} {
		e.Follow(t, m, h.group)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	cal, err := models.CreateHelpCalendar(context.Background(), e.DB, models.NewHelpCalendar{GroupID: h.group.ID,
		OpenedBy: h.alice.ID, RecipientName: "Rosa", Title: "Meals for Rosa", Kind: "meals", StartsOn: today,
		EndsOn: today.AddDate(0, 0, 5), TimeZone: "UTC",
		Private: models.HelpPrivate{Address: helpAddress, Notes: "no peanuts"},
		Slots: []models.NewHelpSlot{{Day: today.AddDate(0, 0, 1), Label: "dinner", At: "18:00", Places: 1},
			{Day: today.AddDate(0, 0, 2), Label: "lunch", Places: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	h.cal = cal
	slots, err := models.HelpSlots(context.Background(), e.DB, cal.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.dinner, h.lunch = slots[0].ID, slots[1].ID
	return h
}

func (h *helpEnv) inTx(t *testing.T, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := models.InTx(ctx, h.DB, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func (h *helpEnv) sendQuestion(t *testing.T, kind string) {
	t.Helper()
	h.inTx(t, func(ctx context.Context, tx pgx.Tx) error { return h.outbox.SendHelpQuestion(ctx, tx, h.cal.ID, kind) })
}

func (h *helpEnv) claim(t *testing.T, slot int64, who *models.Actor) {
	t.Helper()
	if _, err := models.ClaimHelpSlot(context.Background(), h.DB, h.cal.ID, slot, who.ID, ""); err != nil {
		t.Fatalf("%s claims: %v", who.Username, err)
	}
}

// notesTo are the texts of the direct notes queued since mark, by inbox.
func (h *helpEnv) notesTo(t *testing.T, mark int64) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, q := range h.QueuedSince(t, mark).Of("Create{Note}") {
		out[q.Inbox] = append(out[q.Inbox], html.UnescapeString(q.Doc.Embedded("object").String("content")))
	}
	return out
}

// TestSendHelpQuestionReachesMastodonFamilyMembersOnce: the sign-up poll
// goes to Mastodon and GoToSocial members only (Lemmy and Village read
// the calendar itself), first as Create, then as Update; a burst of
// changes is one Update that carries the latest counts.
func TestSendHelpQuestionReachesMastodonFamilyMembersOnce(t *testing.T) {
	t.Parallel()
	h := newHelpEnv(t)
	mastodonInbox := h.Mastodon(t).SharedInbox()
	mark := h.QueueMark(t)
	h.sendQuestion(t, "Create")
	h.WantQueued(t, mark, map[string][]string{mastodonInbox: {"Create{Question}"}, h.gina.InboxURL: {"Create{Question}"}})

	mark = h.QueueMark(t)
	h.claim(t, h.lunch, h.maria)
	h.sendQuestion(t, "Create") // sent already: an Update
	h.claim(t, h.dinner, h.gina)
	h.sendQuestion(t, "Update")
	q := h.WantQueued(t, mark, map[string][]string{mastodonInbox: {"Update{Question}"}, h.gina.InboxURL: {"Update{Question}"}})
	act, err := models.ActivityByID(context.Background(), h.DB, q[0].Activity.ID)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Object struct {
			AnyOf []struct {
				Name    string
				Replies struct{ TotalItems int }
			}
			Content string
		}
	}
	if err := json.Unmarshal(act.Body, &doc); err != nil {
		t.Fatal(err)
	}
	// The dinner is full now: only the lunch is offered, with one place taken.
	if len(doc.Object.AnyOf) != 1 || !strings.HasSuffix(doc.Object.AnyOf[0].Name, "· lunch") || doc.Object.AnyOf[0].Replies.TotalItems != 1 {
		t.Errorf("the coalesced Update offers %+v, want the lunch with 1 taken", doc.Object.AnyOf)
	}
	if strings.Contains(string(act.Body), "Elm Street") || strings.Contains(string(act.Body), "peanuts") {
		t.Errorf("the poll carries the private notes: %s", act.Body)
	}
}

// TestTellRemoteHelpersSendsUpdatesAndThanksToRemoteHelpers: an
// organizer's update and the recipient's thanks reach each remote helper
// still a member as a direct note (local ones get a notice instead);
// a note of support tells nobody.
func TestTellRemoteHelpersSendsUpdatesAndThanksToRemoteHelpers(t *testing.T) {
	t.Parallel()
	h := newHelpEnv(t)
	ctx := context.Background()
	h.claim(t, h.lunch, h.maria)
	h.claim(t, h.lunch, h.lou)
	h.claim(t, h.dinner, h.alice)
	h.Follow(t, h.Mastodon(t).Person(t, "bea"), h.group) // a member who took no place: not told
	for _, tt := range []struct {
		kind, text string
		want       map[string]bool // inboxes told
	}{
		{models.HelpUpdateNews, "Rosa is home from the hospital", map[string]bool{h.maria.InboxURL: true, h.lou.InboxURL: true}},
		{models.HelpUpdateThanks, "Thank you all!", map[string]bool{h.maria.InboxURL: true, h.lou.InboxURL: true}},
		{models.HelpUpdateSupport, "Thinking of you", map[string]bool{}},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			mark := h.QueueMark(t)
			if _, err := h.outbox.PostHelpUpdate(ctx, h.DB, h.cal, h.alice.ID, tt.kind, tt.text); err != nil {
				t.Fatal(err)
			}
			notes := h.notesTo(t, mark)
			if len(notes) != len(tt.want) {
				t.Errorf("notes to %v, want %v", notes, tt.want)
			}
			for inbox := range tt.want {
				if len(notes[inbox]) != 1 || !strings.Contains(notes[inbox][0], tt.text) {
					t.Errorf("%s was told %v, want %q", inbox, notes[inbox], tt.text)
				}
			}
		})
	}
}

// TestRemindHelpersRemindsRemoteHelpersOnceByNote: the day before her
// slot, a helper on Mastodon gets a direct note with the address; one on
// another Village is not sent one (her server reminds her), and each
// place is reminded once.
func TestRemindHelpersRemindsRemoteHelpersOnceByNote(t *testing.T) {
	t.Parallel()
	h := newHelpEnv(t)
	ctx := context.Background()
	h.claim(t, h.lunch, h.maria)
	h.claim(t, h.lunch, h.vic)
	dayBefore := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1).Add(9 * time.Hour) // the lunch is the day after
	mark := h.QueueMark(t)
	n, err := h.outbox.RemindHelpers(ctx, h.DB, dayBefore)
	if err != nil || n != 2 {
		t.Fatalf("reminded %d (%v), want both places", n, err)
	}
	notes := h.notesTo(t, mark)
	if len(notes) != 1 || len(notes[h.maria.InboxURL]) != 1 {
		t.Fatalf("notes %v, want one to maria only", notes)
	}
	if note := notes[h.maria.InboxURL][0]; !strings.Contains(note, "tomorrow") || !strings.Contains(note, helpAddress) {
		t.Errorf("maria's reminder: %s", note)
	}
	mark = h.QueueMark(t)
	if n, err := h.outbox.RemindHelpers(ctx, h.DB, dayBefore.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("a second run reminded %d (%v), want none", n, err)
	}
	h.WantQueued(t, mark, nil)
}
