package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Group visibilities.
const (
	VisibilityPublic  = "public"  // anyone may follow; posts are public
	VisibilityMembers = "members" // moderators approve members; posts stay with members
)

// Limits on what a group says about itself.
const (
	MaxTitleLength    = 100
	MaxSummaryLength  = 5000
	MaxLocationLength = 200
)

// Group is a local community: a Group actor plus its settings.
type Group struct {
	Actor                   *Actor
	Title                   string
	Summary                 string
	Rules                   string
	Location                string
	Latitude, Longitude     *float64
	Visibility              string
	PostingRestrictedToMods bool
	JoinQuestions           string // asked of those who want to join a members-only group
	CreatedAt               time.Time
}

// MembersOnly reports whether joining needs a moderator's approval.
func (g *Group) MembersOnly() bool { return g.Visibility == VisibilityMembers }

// NewGroup is what creating a group needs.
type NewGroup struct {
	Name                string
	Title               string
	Summary             string
	Location            string
	Latitude, Longitude *float64 // both or neither
	MembersOnly         bool
}

// Validate checks a new group before anything is written.
func (n NewGroup) Validate() error {
	if err := ValidateLocalName(n.Name); err != nil {
		return err
	}
	title := strings.TrimSpace(n.Title)
	switch {
	case title == "":
		return fmt.Errorf("%w: a title is required", ErrInvalidGroup)
	case utf8.RuneCountInString(title) > MaxTitleLength:
		return fmt.Errorf("%w: the title may have at most %d characters", ErrInvalidGroup, MaxTitleLength)
	case utf8.RuneCountInString(n.Summary) > MaxSummaryLength:
		return fmt.Errorf("%w: the summary may have at most %d characters", ErrInvalidGroup, MaxSummaryLength)
	case utf8.RuneCountInString(n.Location) > MaxLocationLength:
		return fmt.Errorf("%w: the location may have at most %d characters", ErrInvalidGroup, MaxLocationLength)
	case (n.Latitude == nil) != (n.Longitude == nil):
		return fmt.Errorf("%w: give both latitude and longitude, or neither", ErrInvalidGroup)
	case n.Latitude != nil && (*n.Latitude < -90 || *n.Latitude > 90):
		return fmt.Errorf("%w: latitude must be between -90 and 90", ErrInvalidGroup)
	case n.Longitude != nil && (*n.Longitude < -180 || *n.Longitude > 180):
		return fmt.Errorf("%w: longitude must be between -180 and 180", ErrInvalidGroup)
	}
	return nil
}

// CreateGroup validates and stores a local group and its Group actor in one
// transaction: on any error nothing is written.
func CreateGroup(ctx context.Context, db DB, n NewGroup) (*Group, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	visibility := VisibilityPublic
	if n.MembersOnly {
		visibility = VisibilityMembers
	}
	title := strings.TrimSpace(n.Title)
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		actorID, err := insertLocalActor(ctx, tx, ActorGroup, n.Name, title, n.Summary, n.MembersOnly)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO groups (actor_id, title, summary, location, latitude, longitude, visibility)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, actorID, title, n.Summary, strings.TrimSpace(n.Location), n.Latitude, n.Longitude, visibility)
		if err != nil {
			return fmt.Errorf("models: insert group: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return GroupByName(ctx, db, n.Name)
}

const groupSelect = `SELECT ` + actorColumns + `, g.title, g.summary, g.rules, g.location, g.latitude, g.longitude,
	g.visibility, g.posting_restricted_to_mods, g.join_questions, g.created_at
	FROM groups g JOIN actors a ON a.id = g.actor_id`

func scanGroup(row pgx.Row) (*Group, error) {
	var g Group
	actor, err := scanActor(row, &g.Title, &g.Summary, &g.Rules, &g.Location, &g.Latitude, &g.Longitude,
		&g.Visibility, &g.PostingRestrictedToMods, &g.JoinQuestions, &g.CreatedAt)
	if err != nil {
		return nil, err
	}
	g.Actor = actor
	return &g, nil
}

// GroupByName loads a local group.
func GroupByName(ctx context.Context, db DB, name string) (*Group, error) {
	g, err := scanGroup(db.QueryRow(ctx, groupSelect+` WHERE a.username = $1 AND a.domain IS NULL`, name))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("group %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: group by name: %w", err)
	}
	return g, nil
}

// ListGroups returns every local group, by name.
func ListGroups(ctx context.Context, db DB) ([]*Group, error) {
	rows, err := db.Query(ctx, groupSelect+` ORDER BY a.username`)
	if err != nil {
		return nil, fmt.Errorf("models: list groups: %w", err)
	}
	defer rows.Close()
	var out []*Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("models: list groups: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: list groups: %w", err)
	}
	return out, nil
}

// AddModerator makes a local user a moderator of a local group.
func AddModerator(ctx context.Context, db DB, groupName, username string) error {
	g, err := GroupByName(ctx, db, groupName)
	if err != nil {
		return err
	}
	acc, err := AccountByUsername(ctx, db, username)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `INSERT INTO group_moderators (group_id, actor_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		g.Actor.ID, acc.Actor.ID)
	if err != nil {
		return fmt.Errorf("models: add moderator: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s in %s: %w", username, groupName, ErrAlreadyModerator)
	}
	return nil
}

// Moderators lists a group's moderators, oldest first.
func Moderators(ctx context.Context, db DB, groupID int64) ([]*Actor, error) {
	rows, err := db.Query(ctx, `SELECT `+actorColumns+` FROM group_moderators m JOIN actors a ON a.id = m.actor_id
		WHERE m.group_id = $1 ORDER BY m.created_at, a.id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("models: moderators: %w", err)
	}
	defer rows.Close()
	var out []*Actor
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, fmt.Errorf("models: moderators: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: moderators: %w", err)
	}
	return out, nil
}
