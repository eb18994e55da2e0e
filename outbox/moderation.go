package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ErrBanned refuses a follow of (or a post into) a group that banned its author.
var ErrBanned = errors.New("outbox: banned from this group")

// ErrThreadLocked refuses a reply in a locked thread.
var ErrThreadLocked = errors.New("outbox: this thread is locked: it takes no new replies")

// GroupAction is one moderation action in a local group, taken by one of
// its moderators (local, through the web, or remote, through the inbox).
type GroupAction struct {
	Group     *models.Actor
	Moderator *models.Actor
	Reason    string
	// Activity is a remote moderator's activity as the inbox rebuilt it
	// from what was received (federation.RetoldModeration); the group
	// announces it. Nil for a local moderator: the activity is written here.
	Activity map[string]any
}

// activity returns the action's activity: the received one, or a new one
// of typ by the moderator with fields, stored so that its id dereferences.
func (o *Outbox) activity(ctx context.Context, tx pgx.Tx, act GroupAction, typ, objectURI string, fields map[string]any) (map[string]any, error) {
	if act.Activity != nil {
		return act.Activity, nil
	}
	id := o.urls.NewActivityID()
	addr, public := o.moderationAddress(act.Group)
	doc := map[string]any{
		"@context": federation.Context(),
		"id":       id,
		"type":     typ,
		"actor":    o.urls.Actor(act.Moderator),
		"to":       addr.To,
		"audience": addr.Audience,
	}
	if len(addr.Cc) > 0 {
		doc["cc"] = addr.Cc
	}
	if act.Reason != "" || typ == "Delete" {
		// Lemmy reads a Delete with a summary, even an empty one, as a
		// moderator's removal, and one without as the author's own.
		doc["summary"] = act.Reason
	}
	for k, v := range fields {
		doc[k] = v
	}
	if _, err := o.Send(ctx, tx, Message{Actor: act.Moderator, ID: id, Document: doc, ObjectURI: objectURI, Public: public}); err != nil {
		return nil, err
	}
	return doc, nil
}

// moderationAddress addresses what a group's moderators do: publicly in a
// public group, to its members only in a members-only one (whose
// moderation is nobody else's business); public says which.
func (o *Outbox) moderationAddress(group *models.Actor) (addr federation.NoteAddress, public bool) {
	groupURI, followers := o.urls.Actor(group), o.urls.Followers(group)
	if group.ManuallyApprovesFollowers {
		// Lemmy requires cc on Announce, Block and Lock (its serde
		// structs have no default), so the group goes there.
		return federation.NoteAddress{To: []string{followers}, Cc: []string{groupURI}, Audience: groupURI}, false
	}
	return federation.NoteAddress{To: []string{federation.Public}, Cc: []string{followers}, Audience: groupURI}, true
}

// announceModeration has the group announce a moderator's activity to its
// followers that read FEP-1b12 (Mastodon ignores such announces), and to
// extra inboxes (a banned member's).
func (o *Outbox) announceModeration(ctx context.Context, tx pgx.Tx, group *models.Actor, activity map[string]any, objectURI string, extra ...string) error {
	followers, err := models.FollowerInboxesWithSoftware(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	inboxes := append([]string{}, extra...)
	for _, f := range followers {
		if !IsMastodonFamily(f.Software) {
			inboxes = append(inboxes, f.Inbox)
		}
	}
	id := o.urls.NewActivityID()
	addr, public := o.moderationAddress(group)
	announce, err := federation.Wrap("Announce", id, o.urls.Actor(group), addr, activity)
	if err != nil {
		return fmt.Errorf("outbox: announce moderation: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: announce, ObjectURI: objectURI, Public: public, Inboxes: unique(inboxes)})
	return err
}

func (o *Outbox) logAction(ctx context.Context, tx pgx.Tx, act GroupAction, action string, actorID, postID *int64, text string) error {
	return models.LogModeration(ctx, tx, models.ModerationAction{GroupID: &act.Group.ID, ModeratorID: &act.Moderator.ID,
		Action: action, TargetActorID: actorID, TargetPostID: postID, TargetText: text, Reason: act.Reason})
}

// RemovePost takes a post out of a local group, in tx: the group announces
// the moderator's Delete{post} to FEP-1b12 followers, undoes its boost for
// Mastodon-family ones (Mastodon honours a Delete only from the author),
// and the post becomes a tombstone here. Removing a removed post changes nothing.
func (o *Outbox) RemovePost(ctx context.Context, tx pgx.Tx, act GroupAction, post *models.Post) error {
	if post.DeletedAt != nil {
		return nil
	}
	author, err := models.ActorByID(ctx, tx, post.AuthorID)
	if err != nil {
		return err
	}
	del, err := o.activity(ctx, tx, act, "Delete", post.URI, map[string]any{"object": post.URI})
	if err != nil {
		return err
	}
	if err := o.Redistribute(ctx, tx, Share{Group: act.Group, Post: post, AuthorURI: o.urls.Actor(author), Activity: del, Kind: "Delete"}); err != nil {
		return err
	}
	delID, _ := del["id"].(string)
	if err := models.KeepRemoved(ctx, tx, post.ID, act.Group.ID, delID); err != nil {
		return err
	}
	if _, err := models.TombstonePost(ctx, tx, post.ID); err != nil {
		return err
	}
	if err := o.removeRelayCopies(ctx, tx, act.Group, post); err != nil {
		return err
	}
	return o.logAction(ctx, tx, act, models.ModRemovePost, &author.ID, &post.ID, post.URI)
}

// RestorePost brings a post its moderators removed back into a local
// group, in tx: the group announces the moderator's Undo{Delete} to
// FEP-1b12 followers and boosts the post again for Mastodon-family ones.
// Restoring a post that was not removed (or that its author deleted since)
// changes nothing. Copies the group wrote of it are not rewritten.
func (o *Outbox) RestorePost(ctx context.Context, tx pgx.Tx, act GroupAction, post *models.Post) error {
	deleteURI, err := models.RestoreRemoved(ctx, tx, post.ID)
	if err != nil || deleteURI == "" {
		return err
	}
	restored, err := models.PostByID(ctx, tx, post.ID)
	if err != nil {
		return err
	}
	author, err := models.ActorByID(ctx, tx, post.AuthorID)
	if err != nil {
		return err
	}
	inner, err := o.undone(ctx, tx, act, deleteURI, "Delete", map[string]any{"object": post.URI, "summary": act.Reason})
	if err != nil {
		return err
	}
	undo, err := o.activity(ctx, tx, act, "Undo", post.URI, map[string]any{"object": inner})
	if err != nil {
		return err
	}
	// The old boost was undone for Mastodon; the group boosts anew.
	if err := models.DropBoost(ctx, tx, act.Group.ID, post.ID); err != nil {
		return err
	}
	if err := o.Redistribute(ctx, tx, Share{Group: act.Group, Post: restored, AuthorURI: o.urls.Actor(author), Activity: undo, Kind: "Create"}); err != nil {
		return err
	}
	return o.logAction(ctx, tx, act, models.ModRestorePost, &author.ID, &post.ID, post.URI)
}

// removeRelayCopies deletes the copies of a removed post that the group
// wrote for servers that cannot take the member's own post through it
// (Mastodon members of a members-only group): the group wrote them, so
// its Delete is honoured everywhere.
func (o *Outbox) removeRelayCopies(ctx context.Context, tx pgx.Tx, group *models.Actor, post *models.Post) error {
	copies, err := models.RelayCopies(ctx, tx, post.ID)
	if err != nil || len(copies) == 0 {
		return err
	}
	inboxes, err := models.FollowerInboxes(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	addr, _ := o.moderationAddress(group)
	for _, c := range copies {
		if _, err := models.TombstonePost(ctx, tx, c.ID); err != nil {
			return err
		}
		id := o.urls.NewActivityID()
		del, err := federation.Wrap("Delete", id, o.urls.Actor(group), federation.NoteAddress{To: addr.To, Cc: addr.Cc}, c.URI)
		if err != nil {
			return fmt.Errorf("outbox: delete relay copy: %w", err)
		}
		if _, err := o.Send(ctx, tx, Message{Actor: group, ID: id, Document: del, ObjectURI: c.URI, Inboxes: inboxes}); err != nil {
			return err
		}
	}
	return nil
}

// BanTerms are how long a ban lasts and whether it takes the member's
// posts down with it.
type BanTerms struct {
	EndsAt     *time.Time // nil: until lifted
	RemoveData bool       // also remove every post and comment they wrote in the group
}

// Ban keeps target out of a local group, in tx: the ban is stored, their
// follow ends (a remote member is sent Reject{Follow}), and the group
// announces the moderator's Block{target, target: group, removeData} to
// its followers and to the banned member's server. With RemoveData each of
// their posts in the group is then removed as a moderator's removal is
// (its own announced Delete), so servers that ignore removeData, Mastodon
// among them, take the posts down too.
func (o *Outbox) Ban(ctx context.Context, tx pgx.Tx, act GroupAction, target *models.Actor, terms BanTerms) error {
	endsAt := terms.EndsAt
	targetURI := o.urls.Actor(target)
	fields := map[string]any{"object": targetURI, "target": o.urls.Actor(act.Group), "removeData": terms.RemoveData}
	if endsAt != nil {
		// Lemmy 0.19 reads endTime and the older expires; before it, only expires.
		fields["endTime"] = endsAt.UTC().Format(time.RFC3339)
		fields["expires"] = fields["endTime"]
	}
	block, err := o.activity(ctx, tx, act, "Block", targetURI, fields)
	if err != nil {
		return err
	}
	blockID, _ := block["id"].(string)
	if err := models.PutBan(ctx, tx, models.GroupBan{GroupID: act.Group.ID, ActorID: target.ID, ModeratorID: &act.Moderator.ID,
		Reason: act.Reason, EndsAt: endsAt, ActivityURI: blockID}); err != nil {
		return err
	}
	// A banned member no longer brings help: her places in the group's help calendars are freed.
	freed, err := models.ReleaseHelpClaimsOf(ctx, tx, act.Group.ID, target.ID)
	if err != nil {
		return err
	}
	follow, err := models.FollowBetween(ctx, tx, target.ID, act.Group.ID)
	switch {
	case err == nil:
		if err := o.RejectFollow(ctx, tx, follow); err != nil {
			return err
		}
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	if freed > 0 {
		// Told once she is no longer a follower: her server hears it only for its other members.
		if err := o.helpGroupChanged(ctx, tx, act.Group.ID); err != nil {
			return err
		}
	}
	var extra []string
	if !target.IsLocal() {
		// A Mastodon-family server would read the Announce as a boost of
		// something it cannot show: the Reject of the follow tells it.
		reads, err := o.readsAnnouncedActivities(ctx, tx, target)
		if err != nil {
			return err
		}
		if reads {
			extra = append(extra, o.urls.DeliveryInbox(target))
		}
	}
	if err := o.announceModeration(ctx, tx, act.Group, block, targetURI, extra...); err != nil {
		return err
	}
	if err := o.logAction(ctx, tx, act, models.ModBan, &target.ID, nil, o.handle(target)); err != nil {
		return err
	}
	if !terms.RemoveData {
		return nil
	}
	posts, err := models.MemberPostsInGroup(ctx, tx, act.Group.ID, target.ID)
	if err != nil {
		return err
	}
	for _, p := range posts {
		if err := o.RemovePost(ctx, tx, act, p); err != nil {
			return fmt.Errorf("outbox: remove banned member's post %d: %w", p.ID, err)
		}
	}
	return nil
}

// Unban lifts a ban, in tx, and announces Undo{Block}; lifting no ban
// changes nothing.
func (o *Outbox) Unban(ctx context.Context, tx pgx.Tx, act GroupAction, target *models.Actor) error {
	ban, err := models.DeleteBan(ctx, tx, act.Group.ID, target.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	targetURI := o.urls.Actor(target)
	block, err := o.undone(ctx, tx, act, ban.ActivityURI, "Block", map[string]any{"object": targetURI, "target": o.urls.Actor(act.Group)})
	if err != nil {
		return err
	}
	undo, err := o.activity(ctx, tx, act, "Undo", targetURI, map[string]any{"object": block})
	if err != nil {
		return err
	}
	var extra []string
	if !target.IsLocal() {
		// A Mastodon-family server would read the Announce as a boost of
		// something it cannot show; its member may simply follow again.
		reads, err := o.readsAnnouncedActivities(ctx, tx, target)
		if err != nil {
			return err
		}
		if reads {
			extra = append(extra, o.urls.DeliveryInbox(target))
		}
	}
	if err := o.announceModeration(ctx, tx, act.Group, undo, targetURI, extra...); err != nil {
		return err
	}
	return o.logAction(ctx, tx, act, models.ModUnban, &target.ID, nil, o.handle(target))
}

// LockThread locks (or unlocks) a thread of a local group, in tx, and
// announces Lock{post} (or Undo{Lock}); no change sends nothing.
func (o *Outbox) LockThread(ctx context.Context, tx pgx.Tx, act GroupAction, post *models.Post, locked bool) error {
	changed, err := models.SetThreadLocked(ctx, tx, post.ID, locked)
	if err != nil || !changed {
		return err
	}
	var doc map[string]any
	action := models.ModLockThread
	if locked {
		doc, err = o.activity(ctx, tx, act, "Lock", post.URI, map[string]any{"object": post.URI})
	} else {
		action = models.ModUnlockThread
		var lock map[string]any
		if lock, err = o.undone(ctx, tx, act, "", "Lock", map[string]any{"object": post.URI}); err != nil {
			return err
		}
		doc, err = o.activity(ctx, tx, act, "Undo", post.URI, map[string]any{"object": lock})
	}
	if err != nil {
		return err
	}
	if err := o.announceModeration(ctx, tx, act.Group, doc, post.URI); err != nil {
		return err
	}
	return o.logAction(ctx, tx, act, action, &post.AuthorID, &post.ID, post.URI)
}

// FeaturedChanged tells every follower of a local group, in tx, that a
// post joined (Add) or left (Remove) its featured collection. The group
// itself sends it: Mastodon reads featured changes only from the owner of
// the collection.
func (o *Outbox) FeaturedChanged(ctx context.Context, tx pgx.Tx, act GroupAction, post *models.Post, added bool) error {
	typ, action := "Add", models.ModPin
	if !added {
		typ, action = "Remove", models.ModUnpin
	}
	inboxes, err := models.FollowerInboxes(ctx, tx, act.Group.ID)
	if err != nil {
		return err
	}
	id, groupURI := o.urls.NewActivityID(), o.urls.Actor(act.Group)
	// Addressed as the group's moderation is: a members-only group's pins
	// are news for its members only, and stay out of its public outbox.
	addr, public := o.moderationAddress(act.Group)
	doc := map[string]any{"@context": federation.Context(), "id": id, "type": typ, "actor": groupURI,
		"object": post.URI, "target": o.urls.Featured(act.Group), "to": addr.To, "audience": groupURI}
	if len(addr.Cc) > 0 {
		doc["cc"] = addr.Cc
	}
	if _, err := o.Send(ctx, tx, Message{Actor: act.Group, ID: id, Document: doc, ObjectURI: post.URI, Public: public, Inboxes: inboxes}); err != nil {
		return err
	}
	// Lemmy takes a featured change only from a moderator (its
	// CollectionAdd's actor is a Person), announced by the community.
	byModerator, err := o.activity(ctx, tx, act, typ, post.URI, map[string]any{"object": post.URI, "target": o.urls.Featured(act.Group)})
	if err != nil {
		return err
	}
	if err := o.announceModeration(ctx, tx, act.Group, byModerator, post.URI); err != nil {
		return err
	}
	return o.logAction(ctx, tx, act, action, &post.AuthorID, &post.ID, post.URI)
}

// ModeratorsChanged announces, in tx, that who joined (Add) or left
// (Remove) a local group's moderators; the caller changed the table.
func (o *Outbox) ModeratorsChanged(ctx context.Context, tx pgx.Tx, act GroupAction, who *models.Actor, added bool) error {
	typ, action := "Add", models.ModAddModerator
	if !added {
		typ, action = "Remove", models.ModRemoveMod
	}
	whoURI := o.urls.Actor(who)
	doc, err := o.activity(ctx, tx, act, typ, whoURI, map[string]any{"object": whoURI, "target": o.urls.Moderators(act.Group)})
	if err != nil {
		return err
	}
	if err := o.announceModeration(ctx, tx, act.Group, doc, whoURI); err != nil {
		return err
	}
	return o.logAction(ctx, tx, act, action, &who.ID, nil, o.handle(who))
}

// undone is the activity an Undo by a local moderator embeds: as it was
// sent when it is stored here, else rebuilt whole. Lemmy parses the
// embedded Delete, Block or Lock with the same required fields as the
// activity itself (actor, to, cc, id), so a bare {type, object} is refused.
func (o *Outbox) undone(ctx context.Context, tx pgx.Tx, act GroupAction, uri, typ string, fields map[string]any) (map[string]any, error) {
	if act.Activity != nil {
		return nil, nil // a remote moderator's Undo is announced as received
	}
	if uri != "" {
		stored, err := models.ActivityByURI(ctx, tx, uri)
		switch {
		case err == nil:
			var doc map[string]any
			if json.Unmarshal(stored.Body, &doc) == nil && doc["type"] == typ {
				delete(doc, "@context")
				// Sent before these were always there.
				if _, ok := doc["summary"]; !ok && typ == "Delete" {
					doc["summary"] = ""
				}
				if _, ok := doc["cc"]; !ok {
					doc["cc"] = []string{o.urls.Actor(act.Group)}
				}
				return doc, nil
			}
		case !errors.Is(err, models.ErrNotFound):
			return nil, err
		}
	} else {
		uri = o.urls.NewActivityID()
	}
	addr, _ := o.moderationAddress(act.Group)
	doc := map[string]any{"id": uri, "type": typ, "actor": o.urls.Actor(act.Moderator),
		"to": addr.To, "cc": addr.Cc, "audience": addr.Audience}
	for k, v := range fields {
		doc[k] = v
	}
	return doc, nil
}

// GroupEdited announces, in tx, a local moderator's Update of the group's
// document to followers that read FEP-1b12. The group also sends its own
// Update{Group} (which Mastodon reads); Lemmy takes an Update of a
// community only from a moderator (its UpdateCommunity's actor is a
// Person), announced by the community.
func (o *Outbox) GroupEdited(ctx context.Context, tx pgx.Tx, act GroupAction, groupDoc map[string]any) error {
	object := make(map[string]any, len(groupDoc))
	for k, v := range groupDoc {
		if k != "@context" {
			object[k] = v
		}
	}
	groupURI := o.urls.Actor(act.Group)
	update, err := o.activity(ctx, tx, act, "Update", groupURI, map[string]any{"object": object})
	if err != nil {
		return err
	}
	return o.announceModeration(ctx, tx, act.Group, update, groupURI)
}
