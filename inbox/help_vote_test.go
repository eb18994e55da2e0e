package inbox_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

const helpVoteAddress = "12 Elm Street, apt 3"

// helpVoteEnv is the members-only group nicu_parents with a calendar
// alice opened: tomorrow's dinner needs one person, the day after's
// lunch two. maria and mia (on Mastodon) are members; lou (on Lemmy)
// is not.
type helpVoteEnv struct {
	*env
	group, alice, maria, mia, lou *models.Actor
	cal                           *models.HelpCalendar
	dinner, lunch                 *models.HelpSlot
	names                         map[int64]string
}

func newHelpVoteEnv(t *testing.T) *helpVoteEnv {
	t.Helper()
	e := newEnv(t)
	h := &helpVoteEnv{env: e, group: e.NICUParents(t), alice: e.Alice(t), maria: e.Maria(t), lou: e.Lou(t)}
	h.mia = e.Mastodon(t).Person(t, "mia")
	for _, m := range []*models.Actor{h.alice, h.maria, h.mia} {
		e.Follow(t, m, h.group)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	cal, err := models.CreateHelpCalendar(context.Background(), e.DB, models.NewHelpCalendar{GroupID: h.group.ID,
		OpenedBy: h.alice.ID, RecipientName: "Rosa", Title: "Meals for Rosa", Kind: "meals", StartsOn: today,
		EndsOn: today.AddDate(0, 0, 5), TimeZone: "UTC",
		Private: models.HelpPrivate{Address: helpVoteAddress, Notes: "no peanuts", NoVisits: true},
		Slots: []models.NewHelpSlot{{Day: today.AddDate(0, 0, 1), Label: "dinner", At: "18:00", Places: 1},
			{Day: today.AddDate(0, 0, 2), Label: "lunch", Places: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	h.cal = cal
	slots := h.slots(t)
	h.dinner, h.lunch, h.names = slots[0], slots[1], federation.HelpOptionNames(slots)
	return h
}

func (h *helpVoteEnv) slots(t *testing.T) []*models.HelpSlot {
	t.Helper()
	slots, err := models.HelpSlots(context.Background(), h.DB, h.cal.ID)
	if err != nil {
		t.Fatal(err)
	}
	return slots
}

// claims is every claim of the calendar, as slot=actor, for comparing whole.
func (h *helpVoteEnv) claims(t *testing.T) string {
	t.Helper()
	var out []string
	for _, s := range h.slots(t) {
		for _, c := range s.Claims {
			out = append(out, fmt.Sprintf("%s=%d", s.Label, *c.ActorID))
		}
	}
	return strings.Join(out, " ")
}

// vote is who's vote for the option of slot, authored by author.
func (h *helpVoteEnv) vote(who, author *models.Actor, option string) map[string]any {
	v := h.mastodonVote(author, fmt.Sprintf("%s/help/%d/signup", h.URLs.Base, h.cal.ID), h.URLs.Actor(h.group), option)
	v["actor"] = who.URI
	return v
}

// answer is the one direct note the group queued for who since mark, as text.
func (h *helpVoteEnv) answer(t *testing.T, mark int64, who *models.Actor) string {
	t.Helper()
	var notes []string
	for _, q := range h.QueuedSince(t, mark).Of("Create{Note}") {
		if q.Inbox == who.InboxURL && q.Doc.Ref("actor") == h.URLs.Actor(h.group) {
			note := q.Doc.Embedded("object")
			if got := testenv_AddressOf(note); got != who.URI {
				t.Errorf("the answer is addressed to %q, want %s alone", got, who.URI)
			}
			notes = append(notes, html.UnescapeString(note.String("content")))
		}
	}
	if len(notes) != 1 {
		t.Fatalf("%d answers to %s, want 1", len(notes), who.URI)
	}
	return notes[0]
}

// TestHelpVoteClaimsAFreePlaceAndAnswersEveryVoter: a vote for a free
// place claims it and the voter gets the details (the address) in a
// direct note, and the poll's new counts go out; a second voter for the
// full slot hears it was taken, with the open ones, and nothing is kept;
// the same vote again is answered kindly and claims nothing twice; no
// vote is ever a post.
func TestHelpVoteClaimsAFreePlaceAndAnswersEveryVoter(t *testing.T) {
	t.Parallel()
	h := newHelpVoteEnv(t)
	dinner, lunch := h.names[h.dinner.ID], h.names[h.lunch.ID]
	maria := fmt.Sprint(h.maria.ID)
	tests := []struct {
		name         string
		who          *models.Actor
		option       string
		wantClaims   string
		wantInNote   []string
		wantNotInIt  []string
		wantQuestion bool
	}{
		{"a vote for a free place claims it and gets the address", h.maria, dinner, "dinner=" + maria,
			[]string{"You're down for", "dinner", helpVoteAddress, "no peanuts", "Please don't stay"}, nil, true},
		{"a vote for the full slot hears it was taken, with the open ones", h.mia, dinner, "dinner=" + maria,
			[]string{"just taken", lunch}, []string{helpVoteAddress}, false},
		{"the same vote again claims nothing twice", h.maria, dinner, "dinner=" + maria,
			[]string{"You already have", helpVoteAddress}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := h.QueueMark(t)
			vote := h.vote(tt.who, tt.who, tt.option)
			h.accept(t, tt.who, vote)
			if got := h.claims(t); got != tt.wantClaims {
				t.Errorf("claims %q, want %q", got, tt.wantClaims)
			}
			note := h.answer(t, mark, tt.who)
			for _, s := range tt.wantInNote {
				if !strings.Contains(note, s) {
					t.Errorf("the answer lacks %q: %s", s, note)
				}
			}
			for _, s := range tt.wantNotInIt {
				if strings.Contains(note, s) {
					t.Errorf("the answer says %q: %s", s, note)
				}
			}
			questions := h.QueuedSince(t, mark).Of("Create{Question}")
			if got := len(questions) > 0; got != tt.wantQuestion {
				t.Errorf("the poll sent: %v, want %v", got, tt.wantQuestion)
			}
			if p := h.post(t, vote["object"].(map[string]any)["id"].(string)); p != nil {
				t.Error("the vote was stored as a post")
			}
		})
	}
}

// TestHelpVoteRefusals: a forged vote, votes from a non-member and from
// a banned member, and a vote for no option are refused, and nothing is
// stored or sent.
func TestHelpVoteRefusals(t *testing.T) {
	t.Parallel()
	h := newHelpVoteEnv(t)
	ctx := context.Background()
	dinner := h.names[h.dinner.ID]
	banned := h.Mastodon(t).Person(t, "bert")
	h.Follow(t, banned, h.group)
	if err := models.PutBan(ctx, h.DB, models.GroupBan{GroupID: h.group.ID, ActorID: banned.ID, Reason: "shaming"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		vote   map[string]any
		signer *models.Actor
		status int
	}{
		{"a vote signed by mia as maria", h.vote(h.mia, h.maria, dinner), h.mia, http.StatusForbidden},
		{"a vote from someone not a member", h.vote(h.lou, h.lou, dinner), h.lou, http.StatusForbidden},
		{"a vote from a banned member", h.vote(banned, banned, dinner), banned, http.StatusForbidden},
		{"a vote for no option", h.vote(h.maria, h.maria, "Fri 1 Jan · cake"), h.maria, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.wantRefused(t, tt.signer, tt.vote, tt.status, h.claims)
			if p := h.post(t, tt.vote["object"].(map[string]any)["id"].(string)); p != nil {
				t.Error("the refused vote was stored as a post")
			}
		})
	}
}

// TestHelpVoteInAPausedOrClosedCalendarClaimsNothing: the voter is told
// the calendar is paused (or closed), in a note, and nothing is claimed.
func TestHelpVoteInAPausedOrClosedCalendarClaimsNothing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ status, want string }{
		{models.HelpPaused, "are paused"},
		{models.HelpClosed, "is closed"},
	} {
		t.Run(tt.status, func(t *testing.T) {
			h := newHelpVoteEnv(t)
			if err := models.SetHelpStatus(context.Background(), h.DB, h.cal.ID, h.alice.ID, tt.status); err != nil {
				t.Fatal(err)
			}
			mark := h.QueueMark(t)
			h.accept(t, h.maria, h.vote(h.maria, h.maria, h.names[h.dinner.ID]))
			if got := h.claims(t); got != "" {
				t.Errorf("claims %q, want none", got)
			}
			if note := h.answer(t, mark, h.maria); !strings.Contains(note, tt.want) || strings.Contains(note, helpVoteAddress) {
				t.Errorf("the answer: %s", note)
			}
		})
	}
}
