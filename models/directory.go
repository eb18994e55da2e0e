package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// GroupQuery is a search of the group directory. Every field is optional.
type GroupQuery struct {
	// Text matches a group's name or title (case-insensitive substring).
	Text string
	// Place matches a group's location (case-insensitive substring). With
	// a position (Lat, Lon) groups within RadiusKm count as matching too.
	Place string
	// Lat and Lon are the searcher's position: given both, the nearest
	// groups come first and each listing says how far it is.
	Lat, Lon *float64
	// RadiusKm widens a Place search around the position; 0 does not.
	RadiusKm float64
	// Limit caps the result; 1–200, default 50.
	Limit int
}

// GroupListing is one group of a directory search.
type GroupListing struct {
	Group *Group
	// Members counts accepted followers.
	Members int
	// DistanceKm is the distance from the searcher's position, when both
	// it and the group's coordinates are known.
	DistanceKm *float64
	// Latest is the group's newest public top-level post (content,
	// summary and name only), nil for members-only groups and groups
	// without posts.
	Latest *Post
}

// haversineKm is the great-circle distance in kilometres between a group
// (g.latitude, g.longitude) and the point ($1, $2); NULL when either is
// unknown.
const haversineKm = `CASE WHEN $1::float8 IS NOT NULL AND $2::float8 IS NOT NULL AND g.latitude IS NOT NULL AND g.longitude IS NOT NULL
	THEN 2 * 6371.0088 * asin(least(1, sqrt(
		power(sin(radians(g.latitude - $1::float8) / 2), 2)
		+ cos(radians($1::float8)) * cos(radians(g.latitude)) * power(sin(radians(g.longitude - $2::float8) / 2), 2))))
	END`

// SearchGroups lists local groups matching q: nearest first when q has a
// position (groups without coordinates last), then by title.
func SearchGroups(ctx context.Context, db DB, q GroupQuery) ([]GroupListing, error) {
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var lat, lon *float64
	if q.Lat != nil && q.Lon != nil {
		lat, lon = q.Lat, q.Lon
	}
	text := strings.TrimSpace(q.Text)
	place := strings.TrimSpace(q.Place)
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, g.title, g.summary, g.rules, g.location, g.latitude, g.longitude,
			g.visibility, g.posting_restricted_to_mods, g.created_at,
			(SELECT count(*) FROM follows f WHERE f.followee_id = a.id AND f.state = 'accepted'),
			d.km, lp.id, lp.content, lp.summary, lp.name, lp.uri, lp.url, lp.local, lp.published_at
		FROM groups g JOIN actors a ON a.id = g.actor_id
		CROSS JOIN LATERAL (SELECT `+haversineKm+` AS km) d
		LEFT JOIN LATERAL (SELECT p.id, p.content, p.summary, p.name, p.uri, p.url, p.local, p.published_at FROM posts p
			WHERE p.group_id = a.id AND g.visibility = 'public' AND p.deleted_at IS NULL
			  AND p.visibility = 'public' AND p.in_reply_to_uri = ''
			ORDER BY p.id DESC LIMIT 1) lp ON true
		WHERE ($3 = '' OR a.username ILIKE '%' || $3 || '%' OR g.title ILIKE '%' || $3 || '%')
		  AND ($4 = '' OR g.location ILIKE '%' || $4 || '%' OR d.km <= $5)
		ORDER BY d.km IS NULL, d.km, lower(g.title), a.username
		LIMIT $6`, lat, lon, likeEscape(text), likeEscape(place), q.RadiusKm, limit)
	if err != nil {
		return nil, fmt.Errorf("models: search groups: %w", err)
	}
	defer rows.Close()
	var out []GroupListing
	for rows.Next() {
		var g Group
		var l GroupListing
		var latestID *int64
		var latestContent, latestSummary, latestName, latestURI, latestURL *string
		var latestLocal *bool
		var latestAt *time.Time
		actor, err := scanActor(rows, &g.Title, &g.Summary, &g.Rules, &g.Location, &g.Latitude, &g.Longitude,
			&g.Visibility, &g.PostingRestrictedToMods, &g.CreatedAt,
			&l.Members, &l.DistanceKm, &latestID, &latestContent, &latestSummary, &latestName, &latestURI, &latestURL, &latestLocal, &latestAt)
		if err != nil {
			return nil, fmt.Errorf("models: search groups: %w", err)
		}
		g.Actor = actor
		l.Group = &g
		if latestID != nil {
			l.Latest = &Post{ID: *latestID, Content: *latestContent, Summary: *latestSummary, Name: *latestName,
				URI: *latestURI, URL: *latestURL, Local: *latestLocal, PublishedAt: *latestAt, GroupID: &actor.ID, Visibility: VisibilityPublicPost}
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: search groups: %w", err)
	}
	return out, nil
}

// PlaceCoordinates returns the centre of the groups whose location matches
// place (case-insensitive substring) and that have coordinates; ok is false
// when there are none.
func PlaceCoordinates(ctx context.Context, db DB, place string) (lat, lon float64, ok bool, err error) {
	place = strings.TrimSpace(place)
	if place == "" {
		return 0, 0, false, nil
	}
	var la, lo *float64
	err = db.QueryRow(ctx, `SELECT avg(latitude), avg(longitude) FROM groups
		WHERE location ILIKE '%' || $1 || '%' AND latitude IS NOT NULL AND longitude IS NOT NULL`, likeEscape(place)).Scan(&la, &lo)
	if err != nil {
		return 0, 0, false, fmt.Errorf("models: place coordinates: %w", err)
	}
	if la == nil || lo == nil {
		return 0, 0, false, nil
	}
	return *la, *lo, true, nil
}
