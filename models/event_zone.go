package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// LastEventZone is the time zone of the meetup planned last in a group
// ("" when it has none): a group meets in one place, so the next meetup
// is most likely in the same zone.
func LastEventZone(ctx context.Context, db DB, groupID int64) (string, error) {
	var zone string
	err := db.QueryRow(ctx, `SELECT e.time_zone FROM events e JOIN posts p ON p.id = e.post_id
		WHERE p.group_id = $1 AND p.deleted_at IS NULL ORDER BY p.id DESC LIMIT 1`, groupID).Scan(&zone)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: last event zone: %w", err)
	}
	return zone, nil
}
