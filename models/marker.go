package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Timelines whose reading position apps save (Mastodon's markers).
const (
	MarkerHome          = "home"
	MarkerNotifications = "notifications"
)

// Marker is where a person stopped reading a timeline. Version counts the
// saves, so that apps can tell a newer position from an older one.
type Marker struct {
	Timeline   string
	LastReadID string
	Version    int
	UpdatedAt  time.Time
}

// SaveMarker records a reading position, one version more than the last.
func SaveMarker(ctx context.Context, db DB, actorID int64, timeline, lastReadID string) (*Marker, error) {
	m := Marker{Timeline: timeline}
	err := db.QueryRow(ctx, `INSERT INTO markers (actor_id, timeline, last_read_id) VALUES ($1, $2, $3)
		ON CONFLICT (actor_id, timeline) DO UPDATE SET last_read_id = EXCLUDED.last_read_id,
			version = markers.version + 1, updated_at = now()
		RETURNING last_read_id, version, updated_at`, actorID, timeline, lastReadID).Scan(&m.LastReadID, &m.Version, &m.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("models: save marker: %w", err)
	}
	return &m, nil
}

// Markers returns the saved positions of the named timelines; a timeline
// never saved is left out.
func Markers(ctx context.Context, db DB, actorID int64, timelines []string) ([]*Marker, error) {
	rows, err := db.Query(ctx, `SELECT timeline, last_read_id, version, updated_at FROM markers
		WHERE actor_id = $1 AND timeline = ANY($2) ORDER BY timeline`, actorID, timelines)
	if err != nil {
		return nil, fmt.Errorf("models: markers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*Marker, error) {
		var m Marker
		err := row.Scan(&m.Timeline, &m.LastReadID, &m.Version, &m.UpdatedAt)
		return &m, err
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("models: markers: %w", err)
	}
	return out, nil
}
