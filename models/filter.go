package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// A member's keyword filters, as Mastodon's filters API v2 has them: a
// filter has a title, the contexts it applies in, an action (warn: the
// post shows folded under the filter's title; hide: it does not show), an
// optional end, and keywords, each matched as a whole word or anywhere.

// Filter contexts and actions, as Mastodon names them.
const (
	FilterHome          = "home"
	FilterNotifications = "notifications"
	FilterPublic        = "public"
	FilterThread        = "thread"
	FilterAccount       = "account"

	FilterWarn = "warn"
	FilterHide = "hide"

	MaxFilterTitle    = 200
	MaxFiltersPerUser = 100
	MaxFilterKeywords = 100
)

// FilterContexts are every context a filter may apply in.
var FilterContexts = []string{FilterHome, FilterNotifications, FilterPublic, FilterThread, FilterAccount}

// Errors of a filter, each saying what to fix.
var (
	ErrFilterTitle    = fmt.Errorf("a filter needs a title of at most %d characters", MaxFilterTitle)
	ErrFilterContext  = errors.New("a filter needs one or more contexts among home, notifications, public, thread, account")
	ErrFilterAction   = errors.New("a filter's action is warn or hide")
	ErrFilterKeyword  = fmt.Errorf("a keyword may not be empty nor longer than %d characters", MaxKeywordLength)
	ErrFiltersTooMany = fmt.Errorf("at most %d filters, of at most %d keywords each", MaxFiltersPerUser, MaxFilterKeywords)
)

// Filter is one of a member's keyword filters.
type Filter struct {
	ID        int64
	AccountID int64
	Title     string
	Contexts  []string
	Action    string
	ExpiresAt *time.Time
	CreatedAt time.Time
	Keywords  []FilterKeyword
}

// FilterKeyword is one word or phrase of a filter.
type FilterKeyword struct {
	ID        int64
	FilterID  int64
	Keyword   string
	WholeWord bool
}

// Validate checks a filter's own fields (not its keywords).
func (f *Filter) Validate() error {
	f.Title = strings.TrimSpace(f.Title)
	if f.Title == "" || utf8.RuneCountInString(f.Title) > MaxFilterTitle {
		return ErrFilterTitle
	}
	var contexts []string
	for _, c := range f.Contexts {
		if !slices.Contains(FilterContexts, c) {
			return ErrFilterContext
		}
		if !slices.Contains(contexts, c) {
			contexts = append(contexts, c)
		}
	}
	if len(contexts) == 0 {
		return ErrFilterContext
	}
	f.Contexts = contexts
	if f.Action == "" {
		f.Action = FilterWarn
	}
	if f.Action != FilterWarn && f.Action != FilterHide {
		return ErrFilterAction
	}
	return nil
}

// Validate checks a keyword.
func (k *FilterKeyword) Validate() error {
	k.Keyword = strings.TrimSpace(k.Keyword)
	if k.Keyword == "" || utf8.RuneCountInString(k.Keyword) > MaxKeywordLength {
		return ErrFilterKeyword
	}
	return nil
}

// AppliesIn reports whether the filter works in context at time now.
func (f *Filter) AppliesIn(context string, now time.Time) bool {
	return slices.Contains(f.Contexts, context) && (f.ExpiresAt == nil || f.ExpiresAt.After(now))
}

// Matches lists the filter's keywords that text says.
func (f *Filter) Matches(text string) []string {
	var out []string
	for _, k := range f.Keywords {
		if ContainsKeyword(text, k.Keyword, k.WholeWord) {
			out = append(out, k.Keyword)
		}
	}
	return out
}

// FilterSet is a member's filters that work in one context now: timelines,
// threads and notifications pass what they show through it.
type FilterSet []*Filter

// FilterMatch is a warn filter that a text matches, with the keywords it said.
type FilterMatch struct {
	Filter   *Filter
	Keywords []string
}

// ActiveFilters loads a member's filters that work in context at time now.
func ActiveFilters(ctx context.Context, db DB, accountID int64, context string, now time.Time) (FilterSet, error) {
	all, err := Filters(ctx, db, accountID)
	if err != nil {
		return nil, err
	}
	var set FilterSet
	for _, f := range all {
		if f.AppliesIn(context, now) {
			set = append(set, f)
		}
	}
	return set, nil
}

// Judge says whether a text is hidden (a hide filter matches it), and else
// which warn filters it matches.
func (s FilterSet) Judge(text string) (hide bool, warn []FilterMatch) {
	for _, f := range s {
		matches := f.Matches(text)
		if len(matches) == 0 {
			continue
		}
		if f.Action == FilterHide {
			return true, nil
		}
		warn = append(warn, FilterMatch{Filter: f, Keywords: matches})
	}
	return false, warn
}

const filterColumns = `id, account_id, title, contexts, action, expires_at, created_at`

// Filters loads a member's filters with their keywords, oldest first.
func Filters(ctx context.Context, db DB, accountID int64) ([]*Filter, error) {
	return loadFilters(ctx, db, `WHERE account_id = $1 ORDER BY id`, accountID)
}

// FilterByID loads one of a member's filters: ErrNotFound when it is not theirs.
func FilterByID(ctx context.Context, db DB, accountID, id int64) (*Filter, error) {
	list, err := loadFilters(ctx, db, `WHERE account_id = $1 AND id = $2`, accountID, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

func loadFilters(ctx context.Context, db DB, where string, args ...any) ([]*Filter, error) {
	rows, err := db.Query(ctx, `SELECT `+filterColumns+` FROM filters `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("models: filters: %w", err)
	}
	var list []*Filter
	byID := map[int64]*Filter{}
	for rows.Next() {
		var f Filter
		if err := rows.Scan(&f.ID, &f.AccountID, &f.Title, &f.Contexts, &f.Action, &f.ExpiresAt, &f.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("models: filters: %w", err)
		}
		list = append(list, &f)
		byID[f.ID] = &f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: filters: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(list))
	for _, f := range list {
		ids = append(ids, f.ID)
	}
	krows, err := db.Query(ctx, `SELECT id, filter_id, keyword, whole_word FROM filter_keywords
		WHERE filter_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("models: filter keywords: %w", err)
	}
	defer krows.Close()
	for krows.Next() {
		var k FilterKeyword
		if err := krows.Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord); err != nil {
			return nil, fmt.Errorf("models: filter keywords: %w", err)
		}
		byID[k.FilterID].Keywords = append(byID[k.FilterID].Keywords, k)
	}
	return list, krows.Err()
}

// CreateFilter validates and stores a filter with its keywords, in one
// transaction.
func CreateFilter(ctx context.Context, db DB, f *Filter) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if len(f.Keywords) > MaxFilterKeywords {
		return ErrFiltersTooMany
	}
	for i := range f.Keywords {
		if err := f.Keywords[i].Validate(); err != nil {
			return err
		}
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM filters WHERE account_id = $1`, f.AccountID).Scan(&n); err != nil {
			return fmt.Errorf("models: count filters: %w", err)
		}
		if n >= MaxFiltersPerUser {
			return ErrFiltersTooMany
		}
		err := tx.QueryRow(ctx, `INSERT INTO filters (account_id, title, contexts, action, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`, f.AccountID, f.Title, f.Contexts, f.Action, f.ExpiresAt).
			Scan(&f.ID, &f.CreatedAt)
		if err != nil {
			return fmt.Errorf("models: create filter: %w", err)
		}
		for i := range f.Keywords {
			f.Keywords[i].FilterID = f.ID
			if err := insertKeyword(ctx, tx, &f.Keywords[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertKeyword(ctx context.Context, db DB, k *FilterKeyword) error {
	err := db.QueryRow(ctx, `INSERT INTO filter_keywords (filter_id, keyword, whole_word) VALUES ($1, $2, $3) RETURNING id`,
		k.FilterID, k.Keyword, k.WholeWord).Scan(&k.ID)
	if err != nil {
		return fmt.Errorf("models: add filter keyword: %w", err)
	}
	return nil
}

// KeywordChange is one change to a filter's keywords as PUT /api/v2/filters
// sends them: a new keyword (ID 0), a changed one, or one to remove.
type KeywordChange struct {
	FilterKeyword
	Destroy bool
}

// UpdateFilter validates and stores a filter's fields and keyword changes
// in one transaction; f must be one of the account's filters.
func UpdateFilter(ctx context.Context, db DB, f *Filter, changes []KeywordChange) error {
	if err := f.Validate(); err != nil {
		return err
	}
	// A filter keeps at most MaxFilterKeywords: changing all of them and
	// adding as many is the most a real edit sends. More is refused before
	// the transaction rather than written and rolled back, row by row.
	if len(changes) > 2*MaxFilterKeywords {
		return ErrFiltersTooMany
	}
	for i := range changes {
		if !changes[i].Destroy {
			if err := changes[i].Validate(); err != nil {
				return err
			}
		}
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE filters SET title = $3, contexts = $4, action = $5, expires_at = $6
			WHERE id = $1 AND account_id = $2`, f.ID, f.AccountID, f.Title, f.Contexts, f.Action, f.ExpiresAt)
		if err != nil {
			return fmt.Errorf("models: update filter: %w", err)
		}
		for _, c := range changes {
			k := c.FilterKeyword
			k.FilterID = f.ID
			switch {
			case c.Destroy:
				_, err = tx.Exec(ctx, `DELETE FROM filter_keywords WHERE id = $1 AND filter_id = $2`, k.ID, f.ID)
			case k.ID == 0:
				err = insertKeyword(ctx, tx, &k)
			default:
				_, err = tx.Exec(ctx, `UPDATE filter_keywords SET keyword = $3, whole_word = $4 WHERE id = $1 AND filter_id = $2`,
					k.ID, f.ID, k.Keyword, k.WholeWord)
			}
			if err != nil {
				return fmt.Errorf("models: filter keywords: %w", err)
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM filter_keywords WHERE filter_id = $1`, f.ID).Scan(&n); err != nil {
			return fmt.Errorf("models: count filter keywords: %w", err)
		}
		if n > MaxFilterKeywords {
			return ErrFiltersTooMany
		}
		return nil
	})
}

// DeleteFilter removes one of a member's filters; false when there was none.
func DeleteFilter(ctx context.Context, db DB, accountID, id int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM filters WHERE id = $1 AND account_id = $2`, id, accountID)
	if err != nil {
		return false, fmt.Errorf("models: delete filter: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// AddFilterKeyword adds a keyword to one of the account's filters.
func AddFilterKeyword(ctx context.Context, db DB, accountID int64, k *FilterKeyword) error {
	if err := k.Validate(); err != nil {
		return err
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(k.id) FROM filters f LEFT JOIN filter_keywords k ON k.filter_id = f.id
			WHERE f.id = $1 AND f.account_id = $2 GROUP BY f.id`, k.FilterID, accountID).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("models: filter keywords: %w", err)
		}
		if n >= MaxFilterKeywords {
			return ErrFiltersTooMany
		}
		return insertKeyword(ctx, tx, k)
	})
}

// FilterKeywordByID loads a keyword of one of the account's filters.
func FilterKeywordByID(ctx context.Context, db DB, accountID, id int64) (*FilterKeyword, error) {
	var k FilterKeyword
	err := db.QueryRow(ctx, `SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k
		JOIN filters f ON f.id = k.filter_id WHERE k.id = $1 AND f.account_id = $2`, id, accountID).
		Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: filter keyword: %w", err)
	}
	return &k, nil
}

// UpdateFilterKeyword changes a keyword loaded by FilterKeywordByID.
func UpdateFilterKeyword(ctx context.Context, db DB, k *FilterKeyword) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `UPDATE filter_keywords SET keyword = $2, whole_word = $3 WHERE id = $1`,
		k.ID, k.Keyword, k.WholeWord); err != nil {
		return fmt.Errorf("models: update filter keyword: %w", err)
	}
	return nil
}

// DeleteFilterKeyword removes a keyword loaded by FilterKeywordByID.
func DeleteFilterKeyword(ctx context.Context, db DB, id int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM filter_keywords WHERE id = $1`, id); err != nil {
		return fmt.Errorf("models: delete filter keyword: %w", err)
	}
	return nil
}
