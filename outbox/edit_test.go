package outbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// TestALocalMembersEditReachesEveryMemberAsItsServerCanApplyIt: when a
// local member edits a post in a local group, every member's server that
// holds the post hears of it in a form it applies: Mastodon-family
// servers (Mastodon, GoToSocial), which hold a public top-level post
// through the group's boost, get the author's own Update; in a
// members-only group they get the group's Update of the copy it wrote for
// them; an anonymous post's Update comes from the group, its author, to
// everyone; FEP-1b12 servers (Lemmy) get the group's Announce{Update}.
func TestALocalMembersEditReachesEveryMemberAsItsServerCanApplyIt(t *testing.T) {
	t.Parallel()
	e, moms, alice, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	nicu := e.NICUParents(t)
	mastodon, lemmy := e.Mastodon(t), e.Lemmy(t)
	gina := e.NewServer(t, testenv.ServerShape{Software: "gotosocial", PeoplePath: "/users/"}).Person(t, "gina")
	e.Follow(t, gina, moms)
	for _, member := range []*models.Actor{alice, maria, lou, gina} {
		e.Follow(t, member, nicu)
	}
	for _, g := range []*models.Actor{moms, nicu} {
		if err := models.SetSpeaking(ctx, e.DB, g.ID, models.Speaking{AllowAnonymous: true}); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name      string
		group     *models.Actor
		anonymous bool
		reply     bool
		want      map[string][]string
		// signer is who signs the Update each Mastodon-family server gets.
		signer *models.Actor
	}{
		{name: "a public post: its author's Update to Mastodon and GoToSocial members, the group's Announce to Lemmy", group: moms,
			want:   map[string][]string{mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}, lemmy.SharedInbox(): {"Announce{Update}"}},
			signer: alice},
		{name: "a comment: FEP-1b12 members get it through the group, the author's followers from her", group: moms, reply: true,
			want:   map[string][]string{mastodon.SharedInbox(): {"Update{Note}"}, lemmy.SharedInbox(): {"Announce{Update}"}},
			signer: alice},
		{name: "a members-only group's post: the group updates its copy for Mastodon-family members", group: nicu,
			want:   map[string][]string{mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}, lemmy.SharedInbox(): {"Announce{Update}"}},
			signer: nicu},
		{name: "an anonymous post: the group, its author, updates it for everyone", group: moms, anonymous: true,
			want:   map[string][]string{mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}, lemmy.SharedInbox(): {"Update{Note}"}},
			signer: moms},
		{name: "an anonymous post in a members-only group: the group updates it for its members", group: nicu, anonymous: true,
			want:   map[string][]string{mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}, lemmy.SharedInbox(): {"Update{Note}"}},
			signer: nicu},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			visibility := models.VisibilityPublicPost
			if tt.group == nicu {
				visibility = models.VisibilityPrivate
			}
			var parent *models.Post
			if tt.reply {
				parent, _ = e.publish(t, e.publication(t, alice, "<p>Playground at 4?</p>", visibility, nil, tt.group))
			}
			pub := e.publication(t, alice, "<p>Playground at 4?</p>", visibility, parent, tt.group)
			var post *models.Post
			var err error
			if tt.anonymous {
				post, err = e.outbox.PublishAnonymous(ctx, pub)
			} else {
				post, err = e.outbox.Publish(ctx, pub)
			}
			if err != nil {
				t.Fatal(err)
			}
			mark := e.QueueMark(t)
			post.Content = "<p>Playground at 5 now.</p>"
			if tt.anonymous {
				err = e.outbox.EditAnonymous(ctx, post)
			} else {
				err = e.outbox.Edit(ctx, alice, post)
			}
			if err != nil {
				t.Fatalf("edit: %v", err)
			}
			q := e.WantQueued(t, mark, tt.want)
			for _, d := range q.Of("Update{Note}") {
				note := d.Doc.Embedded("object")
				if !strings.Contains(note.String("content"), "Playground at 5 now.") {
					t.Errorf("%s gets %s, want the new words", d.Inbox, d.Activity.Body)
				}
				if d.Activity.ActorID != tt.signer.ID || d.Doc.Ref("actor") != e.URLs.Actor(tt.signer) {
					t.Errorf("the Update to %s is by %s (signed by %d), want %s", d.Inbox, d.Doc.Ref("actor"), d.Activity.ActorID, tt.signer.Username)
				}
				if tt.anonymous && (strings.Contains(string(d.Activity.Body), e.URLs.Actor(alice)) ||
					!strings.HasPrefix(note.String("content"), outbox.AnonymousMarker)) {
					t.Errorf("the anonymous post's Update names its writer or lost its mark: %s", d.Activity.Body)
				}
			}
		})
	}
}
