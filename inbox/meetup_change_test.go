package inbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Who hears of a change to a meetup (outbox/event_reach.go and
// outbox/event_change_note.go): every remote person still answering it,
// whether or not they follow its group, and in plain words those whose
// servers ignore an Update of an Event.

// published is a meetup organizer publishes in group through the outbox,
// as the web app does (a member's, mentioning the group), with the place
// and time e.meetup gives.
func (e *env) published(t *testing.T, group, organizer *models.Actor, ev models.Event) *models.Post {
	t.Helper()
	e.Follow(t, organizer, group)
	ev.StartsAt = time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	ev.TimeZone = "America/New_York"
	ev.Place = models.Place{Name: "Prospect Park", StreetAddress: "95 Prospect Park West", Locality: "Brooklyn",
		PostalCode: "11215", Country: "US"}
	post, err := e.outbox.PublishEvent(context.Background(), outbox.Meetup{Organizer: organizer, Group: group, Event: &ev,
		Post: &models.Post{Name: "Saturday park meetup", Content: "<p>Coffee and the swings.</p>"}})
	if err != nil {
		t.Fatal(err)
	}
	return e.post(t, post.URI)
}

// TestACancelReachesEveryoneStillAnswering: a cancellation goes as
// Update{Event} with ical:status CANCELLED to a Mobilizon participant
// who does not follow the group, to a pending one, and, once, to a
// server that also hosts a follower of the group; not to someone who
// left, was refused, or said no.
func TestACancelReachesEveryoneStillAnswering(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	alice := e.Alice(t)
	post := e.published(t, moms, alice, models.Event{JoinMode: models.JoinRestricted})
	organizer := e.URLs.Actor(alice)
	join := func(who *models.Actor) { e.accept(t, who, e.mobilizonJoin(who, post.URI, organizer, "")) }

	going := e.NewServer(t, mobilizonShape)
	pat := going.Person(t, "pat")
	join(pat)
	if _, err := e.outbox.DecideAnswer(ctx, alice, post.ID, pat.ID, true); err != nil {
		t.Fatal(err)
	}
	pending := e.NewServer(t, mobilizonShape)
	join(pending.Person(t, "penny"))
	left := e.NewServer(t, mobilizonShape)
	leo := left.Person(t, "leo")
	join(leo)
	e.accept(t, leo, e.mobilizonLeave(leo, post.URI, organizer))
	refused := e.NewServer(t, mobilizonShape)
	rita := refused.Person(t, "rita")
	join(rita)
	if _, err := e.outbox.DecideAnswer(ctx, alice, post.ID, rita.ID, false); err != nil {
		t.Fatal(err)
	}
	saidNo := e.NewServer(t, friendicaShape)
	nina := saidNo.Person(t, "nina")
	e.accept(t, nina, e.friendicaAnswer(nina, "Reject", post.URI, organizer))
	// maria follows the group and answered through its poll.
	e.accept(t, maria, e.mastodonVote(maria, federation.RSVPQuestionID(post.URI), e.URLs.Actor(moms), "Going"))

	mark := e.QueueMark(t)
	if err := e.outbox.CancelEvent(ctx, alice, post); err != nil {
		t.Fatal(err)
	}
	q := e.QueuedSince(t, mark)
	updates := q.Of("Update{Event}").ByInbox()
	want := map[string]bool{going.SharedInbox(): true, pending.SharedInbox(): true, maria.SharedInboxURL: true}
	for inbox, kinds := range updates {
		if !want[inbox] {
			t.Errorf("Update{Event} went to %s, who is not answering", inbox)
		}
		if len(kinds) != 1 {
			t.Errorf("%s got Update{Event} %d times, want once", inbox, len(kinds))
		}
	}
	for inbox := range want {
		if len(updates[inbox]) == 0 {
			t.Errorf("no Update{Event} to %s", inbox)
		}
	}
	for _, d := range q.Of("Update{Event}") {
		if status := d.Doc.Embedded("object")["ical:status"]; status != models.EventCancelled {
			t.Errorf("the Update to %s says ical:status %v", d.Inbox, status)
		}
	}
	if n := len(q.Of("Announce{Update}").ByInbox()[lou.SharedInboxURL]); n != 1 {
		t.Errorf("the Lemmy member got the group's Announce{Update} %d times, want once", n)
	}
}

// TestAMembersOnlyMeetupChangeStaysWithMembers: in a members-only group,
// a change reaches a remote moderator who answered without following,
// and no longer someone who answered and then left the group.
func TestAMembersOnlyMeetupChangeStaysWithMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	nicu, alice := e.NICUParents(t), e.Alice(t)
	post := e.published(t, nicu, alice, models.Event{})
	organizer := e.URLs.Actor(alice)

	modServer := e.NewServer(t, mobilizonShape)
	mona := modServer.Person(t, "mona")
	e.Moderate(t, mona, nicu, models.GroupModerator)
	e.accept(t, mona, e.mobilizonJoin(mona, post.URI, organizer, ""))

	formerServer := e.NewServer(t, friendicaShape)
	fay := formerServer.Person(t, "fay")
	follow := e.Follow(t, fay, nicu)
	e.accept(t, fay, e.friendicaAnswer(fay, "Accept", post.URI, organizer))
	if _, err := models.DeleteFollow(ctx, e.DB, follow.ID); err != nil {
		t.Fatal(err)
	}

	ev, err := models.EventByPostID(ctx, e.DB, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	ev.StartsAt = ev.StartsAt.Add(time.Hour)
	mark := e.QueueMark(t)
	if err := e.outbox.EditEvent(ctx, outbox.EventChange{Editor: alice, Post: post, Event: ev}); err != nil {
		t.Fatal(err)
	}
	q := e.QueuedSince(t, mark).ByInbox()
	if got := q[modServer.SharedInbox()]; len(got) != 1 || got[0] != "Update{Event}" {
		t.Errorf("the moderator going got %v, want [Update{Event}]", got)
	}
	for _, inbox := range []string{formerServer.SharedInbox(), fay.InboxURL} {
		if got := q[inbox]; len(got) != 0 {
			t.Errorf("the former member got %v at %s, want nothing", got, inbox)
		}
	}
}

// TestPollAndAcceptAnswerersGetANoteOfWhatChanged: people who answered by
// poll (Mastodon) or by Accept/TentativeAccept (Friendica) hear in a
// direct note that a meetup moved or is cancelled, with the street only
// for people going when it is kept for them; a new description sends no
// note, and a Mobilizon participant, who reads the Update, gets none.
func TestPollAndAcceptAnswerersGetANoteOfWhatChanged(t *testing.T) {
	t.Parallel()
	e, moms, maria, _ := newGroupEnv(t)
	ctx := context.Background()
	alice := e.Alice(t)
	post := e.published(t, moms, alice, models.Event{AddressForGoing: true})
	organizer := e.URLs.Actor(alice)
	fritz := e.NewServer(t, friendicaShape).Person(t, "fritz")
	pat := e.NewServer(t, mobilizonShape).Person(t, "pat")
	e.accept(t, maria, e.mastodonVote(maria, federation.RSVPQuestionID(post.URI), e.URLs.Actor(moms), "Going"))
	e.accept(t, fritz, e.friendicaAnswer(fritz, "TentativeAccept", post.URI, organizer))
	e.accept(t, pat, e.mobilizonJoin(pat, post.URI, organizer, ""))

	edit := func(change func(*models.Post, *models.Event)) func() error {
		return func() error {
			ev, err := models.EventByPostID(ctx, e.DB, post.ID)
			if err != nil {
				return err
			}
			p := e.post(t, post.URI)
			change(p, ev)
			return e.outbox.EditEvent(ctx, outbox.EventChange{Editor: alice, Post: p, Event: ev})
		}
	}
	const street = "95 Prospect Park West"
	tests := []struct {
		name   string
		change func() error
		// what each one's note must say ("" for no note), and whether it gives the street
		maria, fritz string
		mariaStreet  bool
	}{
		{name: "a new description sends no note",
			change: edit(func(p *models.Post, _ *models.Event) { p.Content = "<p>Bring a blanket too.</p>" })},
		{name: "a new time is told, the street to people going only",
			change: edit(func(_ *models.Post, ev *models.Event) { ev.StartsAt = ev.StartsAt.Add(48 * time.Hour) }),
			maria:  "Moved: “Saturday park meetup” is now", fritz: "Moved: “Saturday park meetup” is now",
			mariaStreet: true},
		{name: "a new street is news to people going only",
			change: edit(func(_ *models.Post, ev *models.Event) { ev.Place.StreetAddress = "1 Grand Army Plaza" }),
			maria:  "at Prospect Park, 1 Grand Army Plaza", mariaStreet: true},
		{name: "a cancellation is told to both, without the street",
			change: func() error { return e.outbox.CancelEvent(ctx, alice, e.post(t, post.URI)) },
			maria:  "Cancelled: “Saturday park meetup”,", fritz: "Cancelled: “Saturday park meetup”,"},
		{name: "an edit once cancelled sends no note",
			change: edit(func(_ *models.Post, ev *models.Event) { ev.StartsAt = ev.StartsAt.Add(time.Hour) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := e.QueueMark(t)
			if err := tt.change(); err != nil {
				t.Fatal(err)
			}
			q := e.QueuedSince(t, mark)
			notes := map[string]string{}
			for _, d := range q.Of("Create{Note}") {
				note := d.Doc.Embedded("object")
				if d.Doc.Ref("actor") != e.URLs.Actor(moms) || len(note.Refs("to")) != 1 || len(note.Refs("cc")) != 0 {
					t.Errorf("the note to %s is not the group's to one person: %s", d.Inbox, d.Activity.Body)
				}
				notes[note.Refs("to")[0]] += note.String("content")
			}
			for _, who := range []struct {
				actor  *models.Actor
				want   string
				street bool
			}{{maria, tt.maria, tt.mariaStreet}, {fritz, tt.fritz, false}, {pat, "", false}} {
				got := notes[who.actor.URI]
				switch {
				case who.want == "" && got != "":
					t.Errorf("%s got a note, want none: %s", who.actor.Username, got)
				case who.want != "" && !strings.Contains(got, who.want):
					t.Errorf("%s's note does not say %q: %q", who.actor.Username, who.want, got)
				}
				if has := strings.Contains(got, street) || strings.Contains(got, "1 Grand Army Plaza"); has != who.street {
					t.Errorf("%s's note gives the street: %v, want %v: %q", who.actor.Username, has, who.street, got)
				}
			}
		})
	}
}

// TestACancelledMeetupsPollClosesAndALateVoteIsToldSo: cancelling closes
// the RSVP poll for Mastodon (closed at the cancellation, not at the
// start still ahead, edited so that Mastodon takes the new end, and the
// text says cancelled); a vote that crosses the closing is answered with
// a note saying it is cancelled and is not kept (a 422 would be dropped
// by Mastodon unseen, and she would think she is going).
func TestACancelledMeetupsPollClosesAndALateVoteIsToldSo(t *testing.T) {
	t.Parallel()
	e, moms, maria, _ := newGroupEnv(t)
	ctx := context.Background()
	alice := e.Alice(t)
	post := e.published(t, moms, alice, models.Event{})

	mark := e.QueueMark(t)
	before := time.Now().Add(-time.Second)
	if err := e.outbox.CancelEvent(ctx, alice, post); err != nil {
		t.Fatal(err)
	}
	updates := e.QueuedSince(t, mark).Of("Update{Question}")
	if len(updates) != 1 || updates[0].Inbox != maria.SharedInboxURL {
		t.Fatalf("Update{Question} deliveries %v, want one to the Mastodon server", updates.ByInbox())
	}
	q := updates[0].Doc.Embedded("object")
	closed, err := time.Parse(time.RFC3339, q.String("closed"))
	if err != nil || closed.Before(before.Truncate(time.Second)) || closed.After(time.Now()) {
		t.Errorf("closed %q, want the time of the cancellation (%v)", q.String("closed"), err)
	}
	if q.String("updated") == "" {
		t.Errorf("the closing Update carries no updated: Mastodon would keep the old end")
	}
	if !strings.Contains(q.String("content"), "Cancelled") {
		t.Errorf("the poll's text does not say cancelled: %s", q.String("content"))
	}
	// Village reads its own poll as closed, as Mastodon does.
	if poll, err := federation.PollFromQuestion(q, time.Now()); err != nil || poll == nil || !poll.Expired(time.Now()) {
		t.Errorf("the closed poll reads as open: %+v %v", poll, err)
	}

	mia := e.Mastodon(t).Person(t, "mia")
	e.Follow(t, mia, moms)
	mark = e.QueueMark(t)
	vote := e.mastodonVote(mia, federation.RSVPQuestionID(post.URI), e.URLs.Actor(moms), "Going")
	e.accept(t, mia, vote)
	sent := e.WantQueued(t, mark, map[string][]string{mia.InboxURL: {"Create{Note}"}})
	if content := sent[0].Doc.Embedded("object").String("content"); !strings.Contains(content, "Cancelled: “Saturday park meetup”") {
		t.Errorf("the answer to the late vote does not say cancelled: %s", content)
	}
	if got := e.rsvp(t, post, mia); got != "" {
		t.Errorf("the late vote was kept as %q", got)
	}
	if p := e.post(t, vote["object"].(map[string]any)["id"].(string)); p != nil {
		t.Errorf("the late vote was stored as a post")
	}
}

// TestAMembersOnlyMeetupsPollReachesMastodonMembersFollowersOnly: the
// RSVP poll of a meetup in a members-only group goes to its Mastodon
// members addressed to the group's followers, never public.
func TestAMembersOnlyMeetupsPollReachesMastodonMembersFollowersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nicu, alice, maria := e.NICUParents(t), e.Alice(t), e.Maria(t)
	e.Follow(t, alice, nicu)
	e.Follow(t, maria, nicu)
	mark := e.QueueMark(t)
	_, err := e.outbox.PublishEvent(context.Background(), outbox.Meetup{Organizer: alice, Group: nicu,
		Post:  &models.Post{Name: "Coffee after the ward round", Content: "<p>Ground floor café</p>"},
		Event: &models.Event{StartsAt: time.Now().Add(48 * time.Hour).Truncate(time.Minute), TimeZone: "Europe/Berlin"}})
	if err != nil {
		t.Fatal(err)
	}
	q := e.QueuedSince(t, mark).Of("Create{Question}")
	if len(q) != 1 || q[0].Inbox != maria.SharedInboxURL {
		t.Fatalf("RSVP poll deliveries %v, want one to the Mastodon server", q.ByInbox())
	}
	want := testenv.Addressed([]string{e.URLs.Followers(nicu)}, []string{e.URLs.Actor(nicu)}, e.URLs.Actor(nicu))
	for what, doc := range map[string]federation.Object{"Create": q[0].Doc, "Question": q[0].Doc.Embedded("object")} {
		if got := testenv.AddressOf(doc); got.Audience != want.Audience || strings.Join(got.To, " ") != strings.Join(want.To, " ") ||
			strings.Join(got.Cc, " ") != strings.Join(want.Cc, " ") {
			t.Errorf("the %s is addressed %+v, want %+v", what, got, want)
		}
	}
	if strings.Contains(string(q[0].Activity.Body), federation.Public) {
		t.Errorf("the members-only RSVP poll is public: %s", q[0].Activity.Body)
	}
}
