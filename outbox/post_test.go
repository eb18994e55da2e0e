package outbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// TestAPostIntoAPublicGroupIsAddressedAsLemmyAndMastodonExpect: to the
// group and Public, cc the group's followers, audience the group; the
// author's followers get it, and the group passes it on to its members
// (Announce{Create} for FEP-1b12 servers, a boost for Mastodon's).
func TestAPostIntoAPublicGroupIsAddressedAsLemmyAndMastodonExpect(t *testing.T) {
	t.Parallel()
	e, moms, alice, maria, lou := newGroupEnv(t)
	momsURI := e.URLs.Actor(moms)

	mark := e.QueueMark(t)
	post, create := e.publish(t, e.publication(t, alice, "<p>Playdate Saturday?</p>", models.VisibilityPublicPost, nil, moms))

	want := testenv.Addressed([]string{momsURI, federation.Public}, []string{momsURI + "/followers"}, momsURI)
	wantAddress(t, "the Create", create, want)
	wantAddress(t, "the Note", create.Embedded("object"), want)
	wantMentions(t, create.Embedded("object"), momsURI)
	if post.GroupID == nil || *post.GroupID != moms.ID {
		t.Errorf("the post is in group %v, want %d", post.GroupID, moms.ID)
	}
	q := e.WantQueued(t, mark, map[string][]string{
		maria.SharedInboxURL: {"Announce{id}", "Create{Note}"}, // her follow of alice; the group's boost
		lou.SharedInboxURL:   {"Announce{Create}"},
	})
	for _, d := range q.Of("Announce{Create}") {
		if d.Doc.Embedded("object").ID() != create.ID() {
			t.Errorf("the group announces %s, want %s", d.Doc.Embedded("object").ID(), create.ID())
		}
		wantAddress(t, "the group's Announce", d.Doc, testenv.Addressed([]string{federation.Public}, []string{momsURI + "/followers"}, momsURI))
	}
}

// TestAPostIntoAMembersOnlyGroupStaysWithItsMembers: to the group, cc its
// followers, never Public; stored followers-only; the author's own
// followers who are not members get nothing, nor do mentioned non-members.
func TestAPostIntoAMembersOnlyGroupStaysWithItsMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nicu, alice := e.NICUParents(t), e.Alice(t)
	maria, lou := e.Maria(t), e.Lou(t)                            // maria follows alice but is no member
	bob := e.NewServer(t, testenv.MastodonShape).Person(t, "bob") // a member on another Mastodon server
	e.Follow(t, alice, nicu)
	e.Follow(t, maria, alice)
	e.Follow(t, lou, nicu)
	e.Follow(t, bob, nicu)
	nicuURI := e.URLs.Actor(nicu)

	mark := e.QueueMark(t)
	post, create := e.publish(t, e.publication(t, alice, "<p>Discharge day!</p>", models.VisibilityPublicPost, nil, nicu, maria))

	want := testenv.Addressed([]string{nicuURI}, []string{nicuURI + "/followers"}, nicuURI)
	wantAddress(t, "the Create", create, want)
	wantAddress(t, "the Note", create.Embedded("object"), want)
	if post.Visibility != models.VisibilityPrivate {
		t.Errorf("stored as %q, want followers-only", post.Visibility)
	}
	q := e.WantQueued(t, mark, map[string][]string{
		lou.SharedInboxURL: {"Announce{Create}"},
		bob.SharedInboxURL: {"Create{Note}"}, // the group's own copy: Mastodon boosts no followers-only post
	})
	neverPublic(t, q)
	for _, d := range q {
		if d.Doc.Ref("actor") != nicuURI {
			t.Errorf("%s to %s comes from %s, want the group", d.Kind(), d.Inbox, d.Doc.Ref("actor"))
		}
	}
	for _, d := range q.Of("Announce{Create}") {
		wantAddress(t, "the group's Announce", d.Doc, testenv.Addressed([]string{nicuURI + "/followers"}, []string{nicuURI}, nicuURI))
	}
}

// TestEachInboxGetsOneDeliveryAndSharedInboxesArePreferred: followers and
// mentioned people on a server with a shared inbox get one delivery
// there; on a server without, each gets one at their own inbox.
func TestEachInboxGetsOneDeliveryAndSharedInboxesArePreferred(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.Alice(t)
	mastodon, small := e.Mastodon(t), e.NewServer(t, testenv.SmallShape)
	maria, nina, nell := e.Maria(t), mastodon.Person(t, "nina"), mastodon.Person(t, "nell")
	lou := e.Lou(t)
	sam, sid := small.Person(t, "sam"), small.Person(t, "sid")
	for _, follower := range []*models.Actor{maria, nina, lou, sam, sid} {
		e.Follow(t, follower, alice)
	}

	mark := e.QueueMark(t)
	// maria and sam follow and are mentioned; nell is only mentioned.
	_, create := e.publish(t, e.publication(t, alice, "<p>Thanks for the stroller!</p>", models.VisibilityPublicPost, nil, maria, sam, nell))

	q := e.WantQueued(t, mark, map[string][]string{
		mastodon.SharedInbox(): {"Create{Note}"},
		lou.SharedInboxURL:     {"Create{Note}"},
		sam.InboxURL:           {"Create{Note}"},
		sid.InboxURL:           {"Create{Note}"},
	})
	for _, d := range q {
		if d.Doc.ID() != create.ID() {
			t.Errorf("%s gets %s, want the one Create %s", d.Inbox, d.Doc.ID(), create.ID())
		}
	}
}

// TestNothingIsDeliveredToASuspendedServer: an inbox on a server the
// instance suspended gets no delivery, even when a post mentions someone
// there; a silenced server still gets what is addressed to it.
func TestNothingIsDeliveredToASuspendedServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice := e.Alice(t)

	for _, severity := range []string{models.BlockSuspend, models.BlockSilence} {
		t.Run(severity, func(t *testing.T) {
			near, far := e.NewServer(t, testenv.MastodonShape), e.NewServer(t, testenv.MastodonShape)
			nearby, faraway := near.Person(t, "nadia"), far.Person(t, "fran")
			if _, err := models.PutDomainBlock(ctx, e.DB, models.DomainBlock{Domain: far.Host, Severity: severity, Reason: "spam waves"}, nil); err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{near.SharedInbox(): {"Create{Note}"}}
			if severity == models.BlockSilence {
				want[far.SharedInbox()] = []string{"Create{Note}"}
			}
			mark := e.QueueMark(t)
			e.publish(t, e.publication(t, alice, "<p>Are you two coming Sunday?</p>", models.VisibilityDirect, nil, nearby, faraway))
			e.WantQueued(t, mark, want)
		})
	}
}

// TestAReplyIsAddressedToItsThread: in a group's thread a reply goes to
// Public cc the group and the parent's author (to the group cc its
// followers and the parent's author in a members-only group), with
// Mentions of both, and reaches the parent's author; outside groups, to
// Public cc the author's followers and the parent's author.
func TestAReplyIsAddressedToItsThread(t *testing.T) {
	t.Parallel()
	e, moms, alice, maria, lou := newGroupEnv(t)
	nicu := e.NICUParents(t)
	// The parents' author, a member of both groups on a Mastodon server
	// of her own, does not follow alice (maria does).
	pia := e.NewServer(t, testenv.MastodonShape).Person(t, "pia")
	e.Follow(t, pia, moms)
	for _, member := range []*models.Actor{alice, maria, lou, pia} {
		e.Follow(t, member, nicu)
	}
	momsURI, nicuURI, aliceURI := e.URLs.Actor(moms), e.URLs.Actor(nicu), e.URLs.Actor(alice)
	mastodon, lemmy, hers := maria.SharedInboxURL, lou.SharedInboxURL, pia.SharedInboxURL

	tests := []struct {
		name     string
		group    *models.Actor // of the parent
		want     testenv.Address
		mentions []string
		queued   map[string][]string
	}{
		{"in a public group's thread", moms,
			testenv.Addressed([]string{federation.Public}, []string{momsURI, pia.URI}, momsURI), []string{momsURI, pia.URI},
			// alice's followers (maria) get it too; no boost for Mastodon:
			// replies stay in their thread.
			map[string][]string{hers: {"Create{Note}"}, mastodon: {"Create{Note}"}, lemmy: {"Announce{Create}"}}},
		{"in a members-only group's thread", nicu,
			testenv.Addressed([]string{nicuURI}, []string{nicuURI + "/followers", pia.URI}, nicuURI), []string{nicuURI, pia.URI},
			// The reply itself to pia alone, and the group's copy to its
			// Mastodon members; not to alice's followers as such.
			map[string][]string{hers: {"Create{Note}", "Create{Note}"}, mastodon: {"Create{Note}"}, lemmy: {"Announce{Create}"}}},
		{"outside any group", nil,
			testenv.Addressed([]string{federation.Public}, []string{aliceURI + "/followers", pia.URI}, ""), []string{pia.URI},
			map[string][]string{hers: {"Create{Note}"}, mastodon: {"Create{Note}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			visibility := models.VisibilityPublicPost
			if tt.group == nicu {
				visibility = models.VisibilityPrivate
			}
			parent := e.remotePost(t, pia, tt.group, visibility)
			mark := e.QueueMark(t)
			_, create := e.publish(t, e.publication(t, alice, "<p>Try the night nurse line.</p>", models.VisibilityPublicPost, parent))

			wantAddress(t, "the reply", create.Embedded("object"), tt.want)
			wantMentions(t, create.Embedded("object"), tt.mentions...)
			if got := create.Embedded("object").Ref("inReplyTo"); got != parent.URI {
				t.Errorf("inReplyTo %q, want %q", got, parent.URI)
			}
			e.WantQueued(t, mark, tt.queued)
		})
	}
}

// TestAPostAgainstAGroupsRulesIsRefusedAndNothingIsSent: from a
// non-member, in a locked thread, or on a sensitive topic without a
// content warning, nothing is stored and nothing is sent.
func TestAPostAgainstAGroupsRulesIsRefusedAndNothingIsSent(t *testing.T) {
	t.Parallel()
	e, moms, alice, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	elsewhere := e.Group(t, "park_slope", false)
	locked := e.remotePost(t, maria, moms, models.VisibilityPublicPost)
	if _, err := models.SetThreadLocked(ctx, e.DB, locked.ID, true); err != nil {
		t.Fatal(err)
	}
	topics, err := models.ParseTopics("loss: miscarriage, stillbirth")
	if err != nil {
		t.Fatal(err)
	}
	if err := models.SetSpeaking(ctx, e.DB, moms.ID, models.Speaking{Topics: topics}); err != nil {
		t.Fatal(err)
	}
	var warning *outbox.WarningRequiredError

	tests := []struct {
		name string
		pub  outbox.Publication
		want func(error) bool // nil: taken
	}{
		{"into a group she has not joined", e.publication(t, alice, "<p>Hi!</p>", models.VisibilityPublicPost, nil, elsewhere),
			func(err error) bool { return errors.Is(err, outbox.ErrNotMember) }},
		{"in a locked thread", e.publication(t, alice, "<p>But why?</p>", models.VisibilityPublicPost, locked),
			func(err error) bool { return errors.Is(err, outbox.ErrThreadLocked) }},
		{"on a sensitive topic without a content warning", e.publication(t, alice, "<p>Our stillbirth story.</p>", models.VisibilityPublicPost, nil, moms),
			func(err error) bool { return errors.As(err, &warning) && warning.Topic.Name == "loss" }},
		{"on a sensitive topic with a content warning",
			func() outbox.Publication {
				pub := e.publication(t, alice, "<p>Our stillbirth story.</p>", models.VisibilityPublicPost, nil, moms)
				pub.Post.Summary = "loss"
				return pub
			}(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark, before := e.QueueMark(t), e.postsBy(t, alice)
			post, err := e.outbox.Publish(ctx, tt.pub)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				e.WantQueued(t, mark, map[string][]string{maria.SharedInboxURL: {"Announce{id}", "Create{Note}"},
					lou.SharedInboxURL: {"Announce{Create}"}})
				return
			}
			if !tt.want(err) {
				t.Fatalf("publish: %v, %+v", err, post)
			}
			if after := e.postsBy(t, alice); after != before {
				t.Errorf("a refused post was stored: %d posts, were %d", after, before)
			}
			e.WantQueued(t, mark, nil)
		})
	}
}
