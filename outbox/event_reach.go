package outbox

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// answeringStatuses are the answers whose people must hear that a meetup
// changed: everyone who still means to come, or waits to.
var answeringStatuses = []string{models.RSVPGoing, models.RSVPMaybe, models.RSVPWaitlist, models.RSVPPending}

// answererFilter chooses a local meetup's remote answerers in statuses:
// in a members-only group, only those who are still members.
func answererFilter(ctx context.Context, tx pgx.Tx, group *models.Actor, statuses []string, vias ...string) (models.AnswererFilter, error) {
	f := models.AnswererFilter{Statuses: statuses, Vias: vias}
	if group == nil || !group.IsLocal() {
		return f, nil
	}
	membersOnly, err := models.GroupIsMembersOnly(ctx, tx, group.ID)
	if err != nil {
		return f, err
	}
	if membersOnly {
		f.MembersOf = group.ID
	}
	return f, nil
}

// answererInboxes are where an edit, cancellation or deletion of a local
// meetup must go besides its usual audience: the inboxes of the remote
// people going, maybe, waiting or pending, many of whom answered without
// following the group (a Mobilizon participant, a Friendica guest).
// Inboxes of the group's followers are left out: the group passes the
// change on to them.
func (o *Outbox) answererInboxes(ctx context.Context, tx pgx.Tx, group *models.Actor, post *models.Post) ([]string, error) {
	f, err := answererFilter(ctx, tx, group, answeringStatuses)
	if err != nil {
		return nil, err
	}
	inboxes, err := models.RemoteAnswererInboxes(ctx, tx, post.ID, f)
	if err != nil || len(inboxes) == 0 {
		return nil, err
	}
	followers, err := models.FollowerInboxes(ctx, tx, group.ID)
	if err != nil {
		return nil, err
	}
	reached := make(map[string]bool, len(followers))
	for _, in := range followers {
		reached[in] = true
	}
	var out []string
	for _, in := range inboxes {
		if !reached[in] {
			out = append(out, in)
		}
	}
	return out, nil
}
