package models

import (
	"context"
	"fmt"
)

// UserCounts are NodeInfo's usage.users figures.
type UserCounts struct {
	Total, ActiveMonth, ActiveHalfyear int
}

// CountUsers counts local accounts, and those active in the last 30 and
// 180 days. Village records no log-ins yet, so an account counts as active
// from its creation, the last use of one of its tokens, or the last activity
// it sent, whichever is latest.
func CountUsers(ctx context.Context, db DB) (UserCounts, error) {
	var c UserCounts
	err := db.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE last_active > now() - interval '30 days'),
			count(*) FILTER (WHERE last_active > now() - interval '180 days')
		FROM (SELECT greatest(acc.created_at,
				(SELECT max(t.last_used_at) FROM access_tokens t WHERE t.account_id = acc.id),
				(SELECT x.created_at FROM activities x WHERE x.actor_id = acc.actor_id ORDER BY x.id DESC LIMIT 1)
			) AS last_active
			FROM accounts acc) AS s`).Scan(&c.Total, &c.ActiveMonth, &c.ActiveHalfyear)
	if err != nil {
		return c, fmt.Errorf("models: count users: %w", err)
	}
	return c, nil
}
