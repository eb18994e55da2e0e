package outbox

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// isMembersOnly reports whether a group keeps its posts with its members:
// a local members-only group, or a remote group that approves its
// followers by hand (how Lemmy and others mark a private community).
func isMembersOnly(ctx context.Context, tx pgx.Tx, group *models.Actor) (bool, error) {
	if !group.IsLocal() {
		return group.ManuallyApprovesFollowers, nil
	}
	return models.GroupIsMembersOnly(ctx, tx, group.ID)
}

// membersOnlyAudience addresses a post into a members-only group to the
// group and its members only: to [group], cc [group's followers] (and, for
// a reply, the parent's author), never Public and never the author's own
// followers, who need not be members. The post becomes followers-only
// (stored non-public), and reaches no inbox but the group's (which passes
// it on) and those of members it answers or mentions. It reports false,
// changing nothing, when the group is not members-only.
func (o *Outbox) membersOnlyAudience(ctx context.Context, tx pgx.Tx, pub Publication, aud *audience) (bool, error) {
	group := aud.group
	membersOnly, err := isMembersOnly(ctx, tx, group)
	if err != nil || !membersOnly {
		return false, err
	}
	pub.Post.Visibility = models.VisibilityPrivate
	aud.membersOnly = true
	groupURI := o.urls.Actor(group)
	followers := o.urls.Followers(group)
	if !group.IsLocal() && group.FollowersURL != "" {
		followers = group.FollowersURL
	}
	cc := []string{followers}
	var told []*models.Actor
	for _, m := range append(append([]*models.Actor{}, pub.Mentions...), pub.ParentBy) {
		if m == nil || m.ID == group.ID || m.ID == pub.Author.ID {
			continue
		}
		// Only members hear of a members-only post; of a remote group's
		// members we know only those who are in its thread.
		member := m == pub.ParentBy
		if group.IsLocal() {
			if member, err = models.IsMember(ctx, tx, group.ID, m.ID); err != nil {
				return false, err
			}
		}
		if member {
			cc = append(cc, o.urls.Actor(m))
			told = append(told, m)
		}
	}
	aud.addr = federation.NoteAddress{To: []string{groupURI}, Cc: unique(cc), Audience: groupURI}
	aud.inboxes = nil
	for _, m := range append(told, group) {
		if !m.IsLocal() {
			aud.inboxes = append(aud.inboxes, o.urls.DeliveryInbox(m))
		}
	}
	aud.inboxes = unique(aud.inboxes)
	return true, nil
}

// mayHear reports whether a local actor may be told of a post (a mention,
// a reply): anyone, unless the post stays with a members-only group's members.
func (o *Outbox) mayHear(ctx context.Context, tx pgx.Tx, aud audience, a *models.Actor) (bool, error) {
	if !aud.membersOnly || !aud.group.IsLocal() {
		return true, nil
	}
	return models.IsMember(ctx, tx, aud.group.ID, a.ID)
}
