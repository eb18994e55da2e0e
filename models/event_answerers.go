package models

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Who must hear of a change to a local meetup beyond its group's
// followers: the remote people who answered it, some without following
// the group (a Mobilizon Join, a Friendica Accept, a vote in the poll).

// AnswererFilter chooses a meetup's remote answerers.
type AnswererFilter struct {
	Statuses []string // their answer is one of these
	Vias     []string // they answered in one of these ways; all when empty
	// MembersOf, when not 0, keeps only the members of this group (a
	// members-only group's meetup is for its members, even after they
	// answered): accepted followers and moderators.
	MembersOf int64
}

// answererWhere is the condition on r (event_rsvps) and a (actors) for
// event $1, statuses $2, vias $3 and group $4.
const answererWhere = `r.event_id = $1 AND r.status = ANY($2) AND a.domain IS NOT NULL
	AND (coalesce(cardinality($3::text[]), 0) = 0 OR r.via = ANY($3))
	AND ($4::bigint = 0
		OR EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = $4 AND f.follower_id = a.id AND f.state = 'accepted')
		OR EXISTS (SELECT 1 FROM group_moderators m WHERE m.group_id = $4 AND m.actor_id = a.id))`

// RemoteAnswererInboxes are the inboxes that reach a meetup's remote
// answerers: each server's shared inbox when it has one, each once.
func RemoteAnswererInboxes(ctx context.Context, db DB, eventID int64, f AnswererFilter) ([]string, error) {
	return queryList(ctx, db, "answerer inboxes", func(r pgx.Row) (string, error) {
		var inbox string
		return inbox, r.Scan(&inbox)
	},
		`SELECT DISTINCT coalesce(nullif(a.shared_inbox_url, ''), a.inbox_url)
		FROM event_rsvps r JOIN actors a ON a.id = r.actor_id
		WHERE `+answererWhere+` AND coalesce(nullif(a.shared_inbox_url, ''), a.inbox_url) IS NOT NULL ORDER BY 1`,
		eventID, f.Statuses, f.Vias, f.MembersOf)
}

// RemoteAnswerers are a meetup's remote answers the filter keeps, each
// with its person, in the order they took their status.
func RemoteAnswerers(ctx context.Context, db DB, eventID int64, f AnswererFilter) ([]RSVP, error) {
	return rsvpsWithActors(ctx, db, "remote answerers", `SELECT `+rsvpColumns+`, `+actorColumns+`
		FROM event_rsvps r JOIN actors a ON a.id = r.actor_id
		WHERE `+answererWhere+` ORDER BY r.since, r.id`, eventID, f.Statuses, f.Vias, f.MembersOf)
}
