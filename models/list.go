package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Lists: a member's own reading lists of accounts she follows (Mastodon's
// lists). Nobody else sees them, and nothing of them is federated.

// Limits of lists, as Mastodon's.
const (
	ListsPerOwner   = 50
	ListTitleMax    = 100
	ListMembersMax  = 500
	ListRepliesList = "list"
)

// Why a list change is refused.
var (
	ErrListInput       = errors.New("a list needs a title of 1 to 100 characters and a replies policy of followed, list or none")
	ErrTooManyLists    = fmt.Errorf("at most %d lists", ListsPerOwner)
	ErrListNotFollowed = errors.New("only accounts you follow can be added to a list")
	ErrListFull        = fmt.Errorf("a list holds at most %d accounts", ListMembersMax)
)

// List is a member's reading list.
type List struct {
	ID            int64
	OwnerID       int64
	Title         string
	RepliesPolicy string
	Exclusive     bool
}

// ListInput is what a list is made or changed with; nil fields keep
// their value on a change (and take the defaults on creation).
type ListInput struct {
	Title         *string
	RepliesPolicy *string
	Exclusive     *bool
}

func (in ListInput) apply(l *List) error {
	if in.Title != nil {
		l.Title = strings.TrimSpace(*in.Title)
	}
	if in.RepliesPolicy != nil {
		l.RepliesPolicy = *in.RepliesPolicy
	}
	if in.Exclusive != nil {
		l.Exclusive = *in.Exclusive
	}
	switch {
	case l.Title == "" || utf8.RuneCountInString(l.Title) > ListTitleMax:
		return ErrListInput
	case l.RepliesPolicy != "followed" && l.RepliesPolicy != "list" && l.RepliesPolicy != "none":
		return ErrListInput
	}
	return nil
}

const listColumns = `id, owner_id, title, replies_policy, exclusive`

func scanList(row pgx.Row) (*List, error) {
	var l List
	err := row.Scan(&l.ID, &l.OwnerID, &l.Title, &l.RepliesPolicy, &l.Exclusive)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &l, err
}

// CreateList makes a list for ownerID, within ListsPerOwner.
func CreateList(ctx context.Context, db DB, ownerID int64, in ListInput) (*List, error) {
	l := &List{OwnerID: ownerID, RepliesPolicy: ListRepliesList}
	if err := in.apply(l); err != nil {
		return nil, err
	}
	var out *List
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		// The owner's row, locked, so two creations cannot both pass the count.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM actors WHERE id = $1 FOR UPDATE`, ownerID); err != nil {
			return fmt.Errorf("models: create list: %w", err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM lists WHERE owner_id = $1`, ownerID).Scan(&n); err != nil {
			return fmt.Errorf("models: create list: %w", err)
		}
		if n >= ListsPerOwner {
			return ErrTooManyLists
		}
		var err error
		out, err = scanList(tx.QueryRow(ctx, `INSERT INTO lists (owner_id, title, replies_policy, exclusive) VALUES ($1, $2, $3, $4)
			RETURNING `+listColumns, ownerID, l.Title, l.RepliesPolicy, l.Exclusive))
		if err != nil {
			return fmt.Errorf("models: create list: %w", err)
		}
		return nil
	})
	return out, err
}

// ListOf loads ownerID's list id; ErrNotFound for anyone else's.
func ListOf(ctx context.Context, db DB, ownerID, id int64) (*List, error) {
	l, err := scanList(db.QueryRow(ctx, `SELECT `+listColumns+` FROM lists WHERE id = $1 AND owner_id = $2`, id, ownerID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: list: %w", err)
	}
	return l, err
}

// Lists are ownerID's lists, by title; with memberID set, only those
// holding that account.
func Lists(ctx context.Context, db DB, ownerID, memberID int64) ([]*List, error) {
	return queryList(ctx, db, "lists", scanList, `SELECT `+listColumns+` FROM lists l WHERE owner_id = $1
		AND ($2 = 0 OR EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = l.id AND m.actor_id = $2))
		ORDER BY lower(title), id`, ownerID, memberID)
}

// UpdateList changes ownerID's list.
func UpdateList(ctx context.Context, db DB, ownerID, id int64, in ListInput) (*List, error) {
	l, err := ListOf(ctx, db, ownerID, id)
	if err != nil {
		return nil, err
	}
	if err := in.apply(l); err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, `UPDATE lists SET title = $2, replies_policy = $3, exclusive = $4 WHERE id = $1`,
		id, l.Title, l.RepliesPolicy, l.Exclusive); err != nil {
		return nil, fmt.Errorf("models: update list: %w", err)
	}
	return l, nil
}

// DeleteList removes ownerID's list.
func DeleteList(ctx context.Context, db DB, ownerID, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM lists WHERE id = $1 AND owner_id = $2`, id, ownerID)
	if err != nil {
		return fmt.Errorf("models: delete list: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// AddToList adds accounts ownerID follows to her list, all or none.
func AddToList(ctx context.Context, db DB, ownerID, id int64, actorIDs []int64) error {
	return InTx(ctx, db, func(tx pgx.Tx) error {
		if _, err := scanList(tx.QueryRow(ctx, `SELECT `+listColumns+` FROM lists WHERE id = $1 AND owner_id = $2 FOR UPDATE`, id, ownerID)); err != nil {
			return err
		}
		var followed int
		if err := tx.QueryRow(ctx, `SELECT count(DISTINCT followee_id) FROM follows
			WHERE follower_id = $1 AND followee_id = ANY($2) AND state = 'accepted'`, ownerID, actorIDs).Scan(&followed); err != nil {
			return fmt.Errorf("models: add to list: %w", err)
		}
		if followed != len(uniqueIDs(actorIDs)) {
			return ErrListNotFollowed
		}
		if _, err := tx.Exec(ctx, `INSERT INTO list_members (list_id, actor_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
			id, actorIDs); err != nil {
			return fmt.Errorf("models: add to list: %w", err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM list_members WHERE list_id = $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("models: add to list: %w", err)
		}
		if n > ListMembersMax {
			return ErrListFull
		}
		return nil
	})
}

func uniqueIDs(ids []int64) map[int64]bool {
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// RemoveFromList takes accounts off ownerID's list.
func RemoveFromList(ctx context.Context, db DB, ownerID, id int64, actorIDs []int64) error {
	if _, err := ListOf(ctx, db, ownerID, id); err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `DELETE FROM list_members WHERE list_id = $1 AND actor_id = ANY($2)`, id, actorIDs); err != nil {
		return fmt.Errorf("models: remove from list: %w", err)
	}
	return nil
}

// ListMembers are the accounts on a list, in the order they were added.
func ListMembers(ctx context.Context, db DB, listID int64, p Page) ([]*Actor, error) {
	rows, err := db.Query(ctx, `SELECT m.actor_id FROM list_members m WHERE m.list_id = $1 ORDER BY m.added_at, m.actor_id LIMIT $2`,
		listID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: list members: %w", err)
	}
	return actorsOfRows(ctx, db, rows, "list members")
}

// ListTimeline is what a list's accounts posted and boosted, newest
// first, as the owner's home timeline shows them; replies follow the
// list's policy: to anyone she follows (followed), to the list's
// accounts or herself (list), or none.
func ListTimeline(ctx context.Context, db DB, l *List, p Page) ([]Entry, error) {
	return collectEntries(ctx, db, `WITH members AS (SELECT actor_id AS id FROM list_members WHERE list_id = $1)
		SELECT * FROM (
			SELECT p.id, p.id, NULL::bigint FROM posts p
			WHERE p.author_id IN (SELECT id FROM members) AND p.deleted_at IS NULL
			  AND p.visibility <> 'direct' AND p.relay_of_id IS NULL AND p.id < $3 AND p.id > $6 AND `+notHiddenFrom("p.author_id", "$2")+`
			  AND (p.in_reply_to_uri = '' OR CASE $5
			       WHEN 'none' THEN false
			       WHEN 'list' THEN EXISTS (SELECT 1 FROM posts r WHERE r.id = p.in_reply_to_id
			                                AND (r.author_id IN (SELECT id FROM members) OR r.author_id = $2))
			       ELSE EXISTS (SELECT 1 FROM posts r WHERE r.id = p.in_reply_to_id AND (r.author_id = $2
			                    OR r.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $2 AND state = 'accepted')))
			       END)
			UNION ALL
			SELECT b.id, b.post_id, b.actor_id FROM boosts b JOIN posts p ON p.id = b.post_id
			WHERE b.actor_id IN (SELECT id FROM members) AND p.deleted_at IS NULL AND b.id < $3 AND b.id > $6
			  AND `+notHiddenFrom("p.author_id", "$2")+` AND `+notHiddenFrom("b.actor_id", "$2")+`
		) e ORDER BY 1 DESC LIMIT $4`, l.ID, l.OwnerID, maxID(p), p.limit(), l.RepliesPolicy, p.SinceID)
}
