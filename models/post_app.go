package models

import (
	"context"
	"fmt"
)

// PostApp is what Mastodon's Status.application says of the app a post
// was written with.
type PostApp struct {
	Name    string
	Website string
}

// PostApps returns, of the posts with these ids, the app each was written
// with; posts written on the web or the command line are left out.
func PostApps(ctx context.Context, db DB, ids []int64) (map[int64]PostApp, error) {
	out := map[int64]PostApp{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT p.id, a.name, a.website FROM posts p JOIN oauth_apps a ON a.id = p.app_id
		WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("models: post apps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a PostApp
		if err := rows.Scan(&id, &a.Name, &a.Website); err != nil {
			return nil, fmt.Errorf("models: post apps: %w", err)
		}
		out[id] = a
	}
	return out, rows.Err()
}
