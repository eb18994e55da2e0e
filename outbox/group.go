package outbox

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// mastodonFamily are servers (by NodeInfo software.name) that understand a
// group's share only as a boost of a Note by id (Announce{Note}), not the
// FEP-1b12 Announce{Create{Note}} that Lemmy and its kin read.
var mastodonFamily = map[string]bool{
	"mastodon": true, "gotosocial": true, "misskey": true, "pleroma": true, "akkoma": true,
	"sharkey": true, "iceshrimp": true, "fedibird": true, "firefish": true, "calckey": true,
	"foundkey": true, "hometown": true, "glitchsoc": true, "catodon": true, "cherrypick": true,
}

// IsMastodonFamily reports whether a server software reads group shares as boosts.
func IsMastodonFamily(software string) bool { return mastodonFamily[strings.ToLower(software)] }

// followerFamilies are a group's followers on servers that read FEP-1b12
// announces, and those on Mastodon-family servers, as IsMastodonFamily
// splits them.
func (o *Outbox) followerFamilies(group *models.Actor) (fep, mastodon models.FollowerFamily) {
	names := make([]string, 0, len(mastodonFamily))
	for name := range mastodonFamily {
		names = append(names, name)
	}
	slices.Sort(names)
	return models.FollowerFamily{ActorID: group.ID, Software: names, Except: true},
		models.FollowerFamily{ActorID: group.ID, Software: names}
}

// Share is a member's activity that a local group passes on to its members.
type Share struct {
	Group     *models.Actor
	Post      *models.Post // the post it is about
	AuthorURI string       // the post's author
	// Activity is the member's activity as Village wrote it: a local
	// member's as sent, a remote member's rebuilt from what was stored
	// (federation.Retold), never the bytes received, which may carry
	// markup our sanitizer removed.
	Activity map[string]any
	Kind     string // Create, Update, Delete, Like or Undo
	// Forward is a remote author's Update of a public top-level post
	// exactly as received, when it may be forwarded as it is (see
	// Forwardable); nil otherwise.
	Forward []byte
}

// Redistribute makes a local group pass a member's activity on to every
// follower, in tx (FEP-1b12): Announce{activity} to servers that read it,
// and to Mastodon-family servers a boost of top-level posts by id (and, when
// such a post is deleted, the boost undone). Local followers see the group's
// share through the boost recorded here.
func (o *Outbox) Redistribute(ctx context.Context, tx pgx.Tx, s Share) error {
	group, post := s.Group, s.Post
	// The followers are not listed here: each family gets its share as one
	// fan-out job (see Outbox.WithFanout), whatever the group's size.
	fep, mastodon := o.followerFamilies(group)
	groupURI := o.urls.Actor(group)
	membersOnly, err := models.GroupIsMembersOnly(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	public := !membersOnly && (post.Visibility == models.VisibilityPublicPost || post.Visibility == models.VisibilityUnlisted)
	// Lemmy's Announce requires cc (no default in its struct): the group.
	addr := federation.NoteAddress{To: []string{o.urls.Followers(group)}, Cc: []string{groupURI}, Audience: groupURI}
	if public {
		addr = federation.NoteAddress{To: []string{federation.Public}, Cc: []string{o.urls.Followers(group)}, Audience: groupURI}
	}

	id := o.urls.NewActivityID()
	announce, err := federation.Wrap("Announce", id, groupURI, addr, s.Activity)
	if err != nil {
		return fmt.Errorf("outbox: announce: %w", err)
	}
	if _, err := o.Send(ctx, tx, Message{Actor: group, ID: id, Document: announce, ObjectURI: post.URI,
		Public: public, Followers: &fep}); err != nil {
		return err
	}
	if membersOnly {
		return o.relay(ctx, tx, s, mastodon) // Mastodon boosts no followers-only post: relay.go
	}

	topLevel := post.InReplyToURI == ""
	switch s.Kind {
	case "Create":
		// The boost is the group's share, for local timelines and Mastodon.
		boostID := o.urls.NewActivityID()
		if _, err := models.PutBoost(ctx, tx, group.ID, post.ID, boostID); err != nil {
			return err
		}
		if !topLevel || !public {
			return nil // Mastodon boosts only public top-level posts; comments stay in their thread
		}
		boost, err := federation.Wrap("Announce", boostID, groupURI,
			federation.NoteAddress{To: []string{federation.Public}, Cc: []string{o.urls.Followers(group), s.AuthorURI}}, post.URI)
		if err != nil {
			return fmt.Errorf("outbox: boost: %w", err)
		}
		_, err = o.Send(ctx, tx, Message{Actor: group, ID: boostID, Document: boost, ObjectURI: post.URI, Followers: &mastodon})
		return err
	case "Update":
		return o.forwardEdit(ctx, tx, s, topLevel && public, mastodon)
	case "Delete":
		// Mastodon honours a Delete only from the author; undoing the
		// group's boost takes the post out of its members' timelines.
		boostURI, err := models.BoostURI(ctx, tx, group.ID, post.ID)
		if err != nil || boostURI == "" {
			return err
		}
		if some, err := models.HasFollowerFamily(ctx, tx, mastodon); err != nil || !some {
			return err
		}
		undoID := o.urls.NewActivityID()
		undo, err := federation.Wrap("Undo", undoID, groupURI, addr, map[string]any{
			"id": boostURI, "type": "Announce", "actor": groupURI, "object": post.URI})
		if err != nil {
			return fmt.Errorf("outbox: undo boost: %w", err)
		}
		_, err = o.Send(ctx, tx, Message{Actor: group, ID: undoID, Document: undo, ObjectURI: boostURI, Followers: &mastodon})
		return err
	}
	return nil
}

// forwardEdit passes a remote author's edit of a public top-level post on
// to the group's Mastodon-family members, which got the post as the
// group's boost and would otherwise keep its old text: no Announce
// reaches them (Mastodon and GoToSocial ignore an Announce of an Update),
// and an Update counts there only when it comes from the post's author.
// So the group forwards the author's Update (inbox forwarding), signing the
// request itself:
//   - Mastodon (ActivityPub::ProcessCollectionService) takes an activity
//     whose actor is not the request's signer only when the body carries
//     the author's Linked Data signature, which Mastodon puts on its
//     public activities; it verifies it over the document, so the Update
//     must travel exactly as received: s.Forward, which the inbox gives
//     only when its markup is harmless (federation.Forwardable);
//   - GoToSocial (federatingdb/update.go) takes an Update not sent by the
//     post's author as forwarded and refreshes the post from its origin,
//     whatever the body says; Pleroma and Akkoma fetch from the origin too.
//
// Without a forwardable original, the Update Village rebuilt from what it
// stored goes instead: enough for GoToSocial and its kin, and Mastodon
// drops it unread, as it would drop an unsigned original. A local
// author's edit needs none of this: sendAbout sends the author's own
// Update to these members too.
func (o *Outbox) forwardEdit(ctx context.Context, tx pgx.Tx, s Share, boosted bool, mastodon models.FollowerFamily) error {
	if !boosted || o.urls.IsLocal(s.AuthorURI) {
		return nil
	}
	if some, err := models.HasFollowerFamily(ctx, tx, mastodon); err != nil || !some {
		return err
	}
	m := Message{Actor: s.Group, ID: o.urls.NewActivityID(), ObjectURI: s.Post.URI, Followers: &mastodon}
	if s.Forward != nil {
		m.Body, m.Type = s.Forward, "Update"
	} else {
		m.Document = s.Activity
	}
	_, err := o.Send(ctx, tx, m)
	return err
}

// boostedTo are the inboxes of a local group's Mastodon-family followers
// when the group shares post with them as its boost (a public group, a
// public top-level post): they hold the post and must hear of its edits
// and deletion from its author.
func (o *Outbox) boostedTo(ctx context.Context, tx pgx.Tx, group *models.Actor, post *models.Post) ([]string, error) {
	if post.InReplyToURI != "" || (post.Visibility != models.VisibilityPublicPost && post.Visibility != models.VisibilityUnlisted) {
		return nil, nil
	}
	membersOnly, err := models.GroupIsMembersOnly(ctx, tx, group.ID)
	if err != nil || membersOnly {
		return nil, err
	}
	followers, err := models.FollowerInboxesWithSoftware(ctx, tx, group.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range followers {
		if IsMastodonFamily(f.Software) {
			out = append(out, f.Inbox)
		}
	}
	return out, nil
}

// readsAnnouncedActivities reports whether a remote actor's server takes a
// group's Announce of an activity (FEP-1b12): Mastodon-family servers read
// every Announce as a boost, and one of a Block, a Lock or an Accept as a
// malformed one, so they get what they can use instead, or nothing.
func (o *Outbox) readsAnnouncedActivities(ctx context.Context, tx pgx.Tx, a *models.Actor) (bool, error) {
	software, _, err := models.InstanceSoftware(ctx, tx, a.Domain)
	if err != nil {
		return false, err
	}
	return !IsMastodonFamily(software), nil
}
