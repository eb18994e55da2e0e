package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// meetup stores a local meetup organized by organizer in group, starting
// tomorrow in Brooklyn, with the calendar side ev gives (capacity, join
// mode, address for people going).
func (e *env) meetup(t *testing.T, group, organizer *models.Actor, ev models.Event) *models.Post {
	t.Helper()
	ctx := context.Background()
	id, err := models.NextPostID(ctx, e.DB)
	if err != nil {
		t.Fatal(err)
	}
	uri := e.URLs.Actor(organizer) + "/statuses/" + strconv.FormatInt(id, 10)
	p := &models.Post{ID: id, URI: uri, URL: uri, AuthorID: organizer.ID, GroupID: &group.ID, Type: "Event", Local: true,
		Name: "Saturday park meetup", Content: "<p>Coffee and the swings.</p>", Visibility: models.VisibilityPublicPost}
	if _, err := models.InsertPost(ctx, e.DB, p); err != nil {
		t.Fatal(err)
	}
	ev.PostID = id
	if ev.StartsAt.IsZero() {
		ev.StartsAt = time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	}
	ev.TimeZone = "America/New_York"
	ev.Place = models.Place{Name: "Prospect Park", StreetAddress: "95 Prospect Park West", Locality: "Brooklyn",
		PostalCode: "11215", Country: "US"}
	if err := ev.Validate(time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := models.InsertEvent(ctx, e.DB, &ev); err != nil {
		t.Fatal(err)
	}
	return e.post(t, uri)
}

// rsvp is who's status on a meetup, "" for none.
func (e *env) rsvp(t *testing.T, post *models.Post, who *models.Actor) string {
	t.Helper()
	r, err := models.RSVPOf(context.Background(), e.DB, post.ID, who.ID)
	if errors.Is(err, models.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

// rsvps is every answer to a meetup, for comparing whole.
func (e *env) rsvps(t *testing.T, post *models.Post) string {
	t.Helper()
	all, err := models.EventAttendees(context.Background(), e.DB, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range all {
		out = append(out, r.Actor.URI+"="+r.Status)
	}
	return strings.Join(out, " ")
}

func capacity(n int) *int { return &n }

// TestMobilizonJoinToAFullMeetupWaitsAndIsPromoted: a Join while there is
// room is accepted (Accept{Join} from the organizer); a Join to a full
// meetup waits on the list, kept pending for Mobilizon (no Accept, a note
// saying so); when the first leaves, the place goes to the one waiting,
// who gets Accept{Join} then.
func TestMobilizonJoinToAFullMeetupWaitsAndIsPromoted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moms, alice := e.BrooklynMoms(t), e.Alice(t)
	mobilizon := e.NewServer(t, mobilizonShape)
	pat, quinn := mobilizon.Person(t, "pat"), mobilizon.Person(t, "quinn")
	post := e.meetup(t, moms, alice, models.Event{Capacity: capacity(1)})

	mark := e.QueueMark(t)
	patJoin := e.mobilizonJoin(pat, post.URI, e.URLs.Actor(alice), "We'll bring the stroller")
	e.accept(t, pat, patJoin)
	q := e.WantQueued(t, mark, map[string][]string{pat.InboxURL: {"Accept{Join}"}})
	if accept := q[0].Doc; accept.Ref("actor") != e.URLs.Actor(alice) || accept.Embedded("object").ID() != patJoin["id"] {
		t.Errorf("Accept is not the organizer's answer to pat's Join: %s", q[0].Activity.Body)
	}
	if r, _ := models.RSVPOf(context.Background(), e.DB, post.ID, pat.ID); r == nil || r.Message != "We'll bring the stroller" {
		t.Errorf("pat's participation message not kept: %+v", r)
	}

	mark = e.QueueMark(t)
	quinnJoin := e.mobilizonJoin(quinn, post.URI, e.URLs.Actor(alice), "")
	e.accept(t, quinn, quinnJoin)
	q = e.WantQueued(t, mark, map[string][]string{quinn.InboxURL: {"Create{Note}"}})
	if note := q[0].Doc.Embedded("object"); !strings.Contains(note.String("content"), "waiting list (number 1)") {
		t.Errorf("the note to quinn does not say she waits: %s", q[0].Activity.Body)
	}
	if got, want := e.rsvps(t, post), pat.URI+"=going "+quinn.URI+"=waitlist"; got != want {
		t.Fatalf("answers %q, want %q", got, want)
	}

	mark = e.QueueMark(t)
	e.accept(t, pat, e.mobilizonLeave(pat, post.URI, e.URLs.Actor(alice)))
	if got, want := e.rsvps(t, post), quinn.URI+"=going"; got != want {
		t.Fatalf("after pat left: answers %q, want %q", got, want)
	}
	q = e.WantQueued(t, mark, map[string][]string{quinn.InboxURL: {"Accept{Join}"}})
	if inner := q[0].Doc.Embedded("object"); inner.ID() != quinnJoin["id"] || inner.Ref("actor") != quinn.URI {
		t.Errorf("the promotion does not accept quinn's Join: %s", q[0].Activity.Body)
	}
}

// TestAnswersInEachServersShape: each server's way of answering comes to
// the answer it means, and its Undo takes it back.
func TestAnswersInEachServersShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moms, alice := e.BrooklynMoms(t), e.Alice(t)
	friendica := e.NewServer(t, friendicaShape)
	gathio := e.NewServer(t, gathioShape)
	tests := []struct {
		name     string
		who      *models.Actor
		activity func(post *models.Post, who *models.Actor) map[string]any
		want     string
	}{
		{"a Friendica TentativeAccept counts as maybe", friendica.Person(t, "fritz"),
			func(post *models.Post, who *models.Actor) map[string]any {
				return e.friendicaAnswer(who, "TentativeAccept", post.URI, e.URLs.Actor(alice))
			}, models.RSVPMaybe},
		{"a Friendica Accept counts as going", friendica.Person(t, "frieda"),
			func(post *models.Post, who *models.Actor) map[string]any {
				return e.friendicaAnswer(who, "Accept", post.URI, e.URLs.Actor(alice))
			}, models.RSVPGoing},
		{"a Friendica Reject counts as not going", friendica.Person(t, "franz"),
			func(post *models.Post, who *models.Actor) map[string]any {
				return e.friendicaAnswer(who, "Reject", post.URI, e.URLs.Actor(alice))
			}, models.RSVPNotGoing},
		{"a Gathio-style Accept of the embedded Event counts as going", gathio.Person(t, "gabe"),
			func(post *models.Post, who *models.Actor) map[string]any { return e.gathioAccept(who, post.URI) },
			models.RSVPGoing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post := e.meetup(t, moms, alice, models.Event{})
			answer := tt.activity(post, tt.who)
			e.accept(t, tt.who, answer)
			if got := e.rsvp(t, post, tt.who); got != tt.want {
				t.Fatalf("status %q, want %q", got, tt.want)
			}
			counts, err := models.CountRSVPs(context.Background(), e.DB, post.ID)
			if err != nil {
				t.Fatal(err)
			}
			if total := counts.Going + counts.Maybe + counts.NotGoing; total != 1 {
				t.Errorf("counts %+v, want one answer", counts)
			}
			e.accept(t, tt.who, e.activity(tt.who, "Undo", answer))
			if got := e.rsvp(t, post, tt.who); got != "" {
				t.Errorf("after Undo: status %q, want none", got)
			}
		})
	}
}

// TestAcceptOfAFollowStillFollows: Accept and Reject that are about a
// Follow go on to the follow path as before.
func TestAcceptOfAFollowStillFollows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, maria := e.Alice(t), e.Maria(t)
	e.meetup(t, e.BrooklynMoms(t), alice, models.Event{}) // meetups exist beside the follow
	follow := e.AskToFollow(t, alice, maria)
	e.accept(t, maria, e.activity(maria, "Accept", map[string]any{"id": follow.URI, "type": "Follow",
		"actor": e.URLs.Actor(alice), "object": maria.URI}))
	if got := e.followState(t, alice, maria); got != models.FollowAccepted {
		t.Fatalf("follow %q after Accept{Follow}, want accepted", got)
	}
	lou := e.Lou(t)
	undecided := e.AskToFollow(t, alice, lou)
	e.accept(t, lou, e.activity(lou, "TentativeAccept", undecided.URI))
	if got := e.followState(t, alice, lou); got != models.FollowPending {
		t.Fatalf("follow %q after TentativeAccept{Follow}, want still pending", got)
	}
	refused := undecided
	e.accept(t, lou, e.activity(lou, "Reject", refused.URI))
	if got := e.followState(t, alice, lou); got != "" {
		t.Fatalf("follow %q after Reject{Follow}, want none", got)
	}
}

// TestRSVPPollVotes: a vote in the group's RSVP poll is an answer (never
// a post), confirmed by a direct note from the group to the voter alone,
// which gives the street address only to people going when the meetup
// keeps it for them; a vote for no option is refused, nothing stored.
func TestRSVPPollVotes(t *testing.T) {
	t.Parallel()
	e, moms, maria, _ := newGroupEnv(t)
	alice := e.Alice(t)
	post := e.meetup(t, moms, alice, models.Event{AddressForGoing: true})
	qid := federation.RSVPQuestionID(post.URI)
	tests := []struct {
		name, option, want string
		address            bool
	}{
		{"a vote Maybe is maybe, without the address", "Maybe", models.RSVPMaybe, false},
		{"a vote Going is going, with the address", "Going", models.RSVPGoing, true},
		{"a vote Not going is not going", "Not going", models.RSVPNotGoing, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := e.QueueMark(t)
			vote := e.mastodonVote(maria, qid, e.URLs.Actor(moms), tt.option)
			e.accept(t, maria, vote)
			if got := e.rsvp(t, post, maria); got != tt.want {
				t.Fatalf("status %q, want %q", got, tt.want)
			}
			if p := e.post(t, vote["object"].(map[string]any)["id"].(string)); p != nil {
				t.Errorf("the vote was stored as a post")
			}
			q := e.WantQueued(t, mark, map[string][]string{maria.InboxURL: {"Create{Note}"}})
			note := q[0].Doc.Embedded("object")
			if got := testenv_AddressOf(note); got != maria.URI {
				t.Errorf("the confirmation is addressed to %q, want maria alone", got)
			}
			if q[0].Doc.Ref("actor") != e.URLs.Actor(moms) {
				t.Errorf("the confirmation is not from the group: %s", q[0].Activity.Body)
			}
			if has := strings.Contains(note.String("content"), "95 Prospect Park West"); has != tt.address {
				t.Errorf("street address shown: %v, want %v: %s", has, tt.address, note.String("content"))
			}
		})
	}
	t.Run("a vote for no option is refused, nothing stored", func(t *testing.T) {
		lou := e.Lou(t)
		vote := e.mastodonVote(lou, qid, e.URLs.Actor(moms), "Bring cake")
		e.wantRefused(t, lou, vote, http.StatusUnprocessableEntity, func(t *testing.T) string { return e.rsvps(t, post) })
		if p := e.post(t, vote["object"].(map[string]any)["id"].(string)); p != nil {
			t.Errorf("the refused vote was stored as a post")
		}
	})
}

// testenv_AddressOf is whom a note is for: to and cc, joined.
func testenv_AddressOf(o federation.Object) string {
	return strings.Join(append(o.Refs("to"), o.Refs("cc")...), " ")
}

// TestRSVPRefusals: answers from someone the group banned, from a
// non-member to a members-only group's meetup, and to a cancelled or
// past meetup, are refused, and nothing is stored.
func TestRSVPRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	moms, nicu, alice := e.BrooklynMoms(t), e.NICUParents(t), e.Alice(t)
	mobilizon := e.NewServer(t, mobilizonShape)
	friendica := e.NewServer(t, friendicaShape)
	banned := mobilizon.Person(t, "bert")
	e.Follow(t, banned, moms)
	if err := models.PutBan(ctx, e.DB, models.GroupBan{GroupID: moms.ID, ActorID: banned.ID, Reason: "shaming"}); err != nil {
		t.Fatal(err)
	}
	stranger := friendica.Person(t, "stan")
	open := e.meetup(t, moms, alice, models.Event{})
	closed := e.meetup(t, nicu, alice, models.Event{})
	cancelled := e.meetup(t, moms, alice, models.Event{})
	if _, err := models.CancelEvent(ctx, e.DB, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	past := e.meetup(t, moms, alice, models.Event{StartsAt: time.Now().Add(-50 * time.Minute).Truncate(time.Minute)})
	endsAt := time.Now().Add(-10 * time.Minute)
	if _, err := e.DB.Exec(ctx, `UPDATE events SET ends_at = $2 WHERE post_id = $1`, past.ID, endsAt); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		who      *models.Actor
		post     *models.Post
		activity func() map[string]any
		status   int
	}{
		{"a Join from a banned member", banned, open, func() map[string]any {
			return e.mobilizonJoin(banned, open.URI, e.URLs.Actor(alice), "")
		}, http.StatusForbidden},
		{"a TentativeAccept from a banned member", banned, open, func() map[string]any {
			return e.friendicaAnswer(banned, "TentativeAccept", open.URI, e.URLs.Actor(alice))
		}, http.StatusForbidden},
		{"a vote from a banned member", banned, open, func() map[string]any {
			return e.mastodonVote(banned, federation.RSVPQuestionID(open.URI), e.URLs.Actor(moms), "Going")
		}, http.StatusForbidden},
		{"an Accept from a non-member of a members-only group", stranger, closed, func() map[string]any {
			return e.friendicaAnswer(stranger, "Accept", closed.URI, e.URLs.Actor(alice))
		}, http.StatusForbidden},
		{"a Join from a non-member of a members-only group", stranger, closed, func() map[string]any {
			return e.mobilizonJoin(stranger, closed.URI, e.URLs.Actor(alice), "")
		}, http.StatusForbidden},
		{"an Accept of a cancelled meetup", stranger, cancelled, func() map[string]any {
			return e.friendicaAnswer(stranger, "Accept", cancelled.URI, e.URLs.Actor(alice))
		}, http.StatusUnprocessableEntity},
		{"an Accept of a meetup that is over", stranger, past, func() map[string]any {
			return e.friendicaAnswer(stranger, "Accept", past.URI, e.URLs.Actor(alice))
		}, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantRefused(t, tt.who, tt.activity(), tt.status, func(t *testing.T) string { return e.rsvps(t, tt.post) })
		})
	}
	t.Run("a Join of a cancelled meetup is answered with Reject{Join}", func(t *testing.T) {
		pia := mobilizon.Person(t, "pia")
		mark := e.QueueMark(t)
		join := e.mobilizonJoin(pia, cancelled.URI, e.URLs.Actor(alice), "")
		e.accept(t, pia, join)
		q := e.WantQueued(t, mark, map[string][]string{pia.InboxURL: {"Reject{Join}"}})
		if q[0].Doc.Embedded("object").ID() != join["id"] {
			t.Errorf("Reject does not name the Join: %s", q[0].Activity.Body)
		}
		if got := e.rsvps(t, cancelled); got != "" {
			t.Errorf("answers %q, want none", got)
		}
	})
}

// TestLocalAnswerToARemoteMeetup: a local member's going to a Mobilizon
// meetup is a Join, pending until the organizer's Accept{Join}, which
// the inbox routes here and not to the follow path; Reject{Join} removes
// it; answers sent to a Friendica meetup are Accept/TentativeAccept.
func TestLocalAnswerToARemoteMeetup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice := e.Alice(t)
	mobilizon := e.NewServer(t, mobilizonShape)
	friendica := e.NewServer(t, friendicaShape)
	remoteMeetup := func(organizer *models.Actor) *models.Post {
		id := e.RemoteID(organizer, "events")
		p := &models.Post{URI: id, URL: id, AuthorID: organizer.ID, Type: "Event", Name: "Picnic",
			Visibility: models.VisibilityPublicPost}
		if _, err := models.InsertPost(ctx, e.DB, p); err != nil {
			t.Fatal(err)
		}
		p = e.post(t, id)
		if _, err := models.InsertEvent(ctx, e.DB, &models.Event{PostID: p.ID, StartsAt: time.Now().Add(48 * time.Hour),
			TimeZone: "UTC", JoinMode: models.JoinFree, Status: models.EventConfirmed}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	olga := mobilizon.Person(t, "olga")
	picnic := remoteMeetup(olga)

	for _, answer := range []string{"Accept", "Reject"} {
		t.Run("Mobilizon's "+answer+" of our Join", func(t *testing.T) {
			mark := e.QueueMark(t)
			if _, err := e.outbox.AnswerMeetup(ctx, alice, picnic.ID, models.RSVPGoing); err != nil {
				t.Fatal(err)
			}
			q := e.WantQueued(t, mark, map[string][]string{mobilizon.SharedInbox(): {"Join{id}"}})
			join := q[0].Doc
			if join.Ref("object") != picnic.URI || join.Ref("actor") != e.URLs.Actor(alice) {
				t.Fatalf("Join is not alice's of the picnic: %s", q[0].Activity.Body)
			}
			if got := e.rsvp(t, picnic, alice); got != models.RSVPPending {
				t.Fatalf("status %q before the organizer answers, want pending", got)
			}
			e.accept(t, olga, e.activity(olga, answer, map[string]any{"id": join.ID(), "type": "Join",
				"actor": e.URLs.Actor(alice), "object": picnic.URI}))
			want := map[string]string{"Accept": models.RSVPGoing, "Reject": ""}[answer]
			if got := e.rsvp(t, picnic, alice); got != want {
				t.Fatalf("status %q after %s{Join}, want %q", got, answer, want)
			}
			if _, err := e.outbox.WithdrawFromMeetup(ctx, alice, picnic.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("someone else's Accept of our Join is refused", func(t *testing.T) {
		if _, err := e.outbox.AnswerMeetup(ctx, alice, picnic.ID, models.RSVPGoing); err != nil {
			t.Fatal(err)
		}
		r, err := models.RSVPOf(ctx, e.DB, picnic.ID, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		mallory := mobilizon.Person(t, "mallory")
		e.wantRefused(t, mallory, e.activity(mallory, "Accept", r.ActivityURI), http.StatusForbidden,
			func(t *testing.T) string { return e.rsvp(t, picnic, alice) })
	})
	t.Run("a Friendica meetup gets TentativeAccept for maybe, and Undo", func(t *testing.T) {
		fred := friendica.Person(t, "fred")
		party := remoteMeetup(fred)
		mark := e.QueueMark(t)
		if _, err := e.outbox.AnswerMeetup(ctx, alice, party.ID, models.RSVPMaybe); err != nil {
			t.Fatal(err)
		}
		if got := e.rsvp(t, party, alice); got != models.RSVPMaybe {
			t.Errorf("status %q, want maybe", got)
		}
		if _, err := e.outbox.WithdrawFromMeetup(ctx, alice, party.ID); err != nil {
			t.Fatal(err)
		}
		q := e.WantQueued(t, mark, map[string][]string{friendica.SharedInbox(): {"TentativeAccept{id}", "Undo{TentativeAccept}"}})
		for _, d := range q {
			if fmt.Sprint(d.Doc.Ref("object")) == "" {
				t.Errorf("%s names nothing", d.Kind())
			}
		}
	})
}
