package models

import (
	"context"
	"fmt"
)

// RemoteHelpers are the people on other servers who took a place in a
// calendar and are still members of its group: who hear its updates and
// thanks by direct note.
func RemoteHelpers(ctx context.Context, db DB, calendarID int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT k.actor_id FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
		JOIN help_calendars c ON c.id = s.calendar_id JOIN actors a ON a.id = k.actor_id
		WHERE s.calendar_id = $1 AND a.domain IS NOT NULL
		  AND EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = c.group_id AND f.follower_id = a.id AND f.state = 'accepted')
		  AND NOT EXISTS (SELECT 1 FROM group_bans b WHERE b.group_id = c.group_id AND b.actor_id = a.id AND `+activeBan+`)
		ORDER BY k.actor_id`, calendarID)
	if err != nil {
		return nil, fmt.Errorf("models: remote helpers: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: remote helpers: %w", err)
	}
	return ids, nil
}
