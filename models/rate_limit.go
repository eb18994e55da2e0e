package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Rate limits live in PostgreSQL so that every web process counts against
// one allowance (issue 17): a sliding window of events per key
// (rate_limit_events) and a token bucket per key (rate_limit_buckets).
// Each decision is one statement; the clock is the caller's (tests move
// it), never the database's.

// RateWindow is a sliding-window limit: at most Limit events of one key
// in any Window.
type RateWindow struct {
	Name   string // names the limit: "posts", "login-account", ...
	Limit  int
	Window time.Duration
}

// wait is how long until key may have one more event (0: now), given
// the events of the window oldest first.
func (w RateWindow) wait(events []time.Time, now time.Time) time.Duration {
	if len(events) < w.Limit {
		return 0
	}
	// The oldest event that keeps the count at the limit must leave the window.
	return max(events[len(events)-w.Limit].Add(w.Window).Sub(now), 0)
}

// RateWindowWait is how long key must wait for its next event (0: it may
// go on now); it counts nothing.
func RateWindowWait(ctx context.Context, db DB, w RateWindow, key string, now time.Time) (time.Duration, error) {
	var events []time.Time
	err := db.QueryRow(ctx, `SELECT village_rate_window(events, $3::timestamptz - $4::interval, $5)
		FROM rate_limit_events WHERE name = $1 AND key = $2`, w.Name, key, now, w.Window, w.Limit).Scan(&events)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("models: rate limit %s: %w", w.Name, err)
	}
	return w.wait(events, now), nil
}

// AddRateEvent counts one event of key, whatever its count.
func AddRateEvent(ctx context.Context, db DB, w RateWindow, key string, now time.Time) error {
	_, err := db.Exec(ctx, `INSERT INTO rate_limit_events AS r (name, key, events, expires_at)
		VALUES ($1, $2, ARRAY[$3::timestamptz], $3::timestamptz + $4::interval)
		ON CONFLICT (name, key) DO UPDATE SET
			events = village_rate_window(r.events || $3::timestamptz, $3::timestamptz - $4::interval, $5),
			refused = false,
			expires_at = greatest(r.expires_at, $3::timestamptz + $4::interval)`,
		w.Name, key, now, w.Window, w.Limit)
	if err != nil {
		return fmt.Errorf("models: rate limit %s: %w", w.Name, err)
	}
	return nil
}

// TakeRateEvent counts one event of key if it is within the limit, in one
// statement: concurrent takes by several processes are counted one after
// the other under the key's row lock. Refused, it reports how long until
// the next event may be taken.
func TakeRateEvent(ctx context.Context, db DB, w RateWindow, key string, now time.Time) (bool, time.Duration, error) {
	var (
		events  []time.Time
		refused bool
	)
	err := db.QueryRow(ctx, `INSERT INTO rate_limit_events AS r (name, key, events, expires_at)
		VALUES ($1, $2, ARRAY[$3::timestamptz], $3::timestamptz + $4::interval)
		ON CONFLICT (name, key) DO UPDATE SET
			refused = cardinality(village_rate_window(r.events, $3::timestamptz - $4::interval, $5)) >= $5,
			events = CASE WHEN cardinality(village_rate_window(r.events, $3::timestamptz - $4::interval, $5)) >= $5
				THEN village_rate_window(r.events, $3::timestamptz - $4::interval, $5)
				ELSE village_rate_window(r.events || $3::timestamptz, $3::timestamptz - $4::interval, $5) END,
			expires_at = CASE WHEN cardinality(village_rate_window(r.events, $3::timestamptz - $4::interval, $5)) >= $5
				THEN r.expires_at ELSE greatest(r.expires_at, $3::timestamptz + $4::interval) END
		RETURNING refused, events`, w.Name, key, now, w.Window, w.Limit).Scan(&refused, &events)
	if err != nil {
		return false, 0, fmt.Errorf("models: rate limit %s: %w", w.Name, err)
	}
	if refused {
		return false, w.wait(events, now), nil
	}
	return true, 0, nil
}

// ResetRateEvents forgets key's events (a successful log-in clears its
// account's failures).
func ResetRateEvents(ctx context.Context, db DB, w RateWindow, key string) error {
	if _, err := db.Exec(ctx, `DELETE FROM rate_limit_events WHERE name = $1 AND key = $2`, w.Name, key); err != nil {
		return fmt.Errorf("models: rate limit %s: %w", w.Name, err)
	}
	return nil
}

// RateBucket is a token-bucket limit: each key may spend up to Burst at
// once, refilled at Rate tokens a second.
type RateBucket struct {
	Name  string
	Rate  float64
	Burst int
}

// TakeRateToken spends one of key's tokens, in one statement. It returns
// whether there was one, and the tokens left: below 1, the wait until the
// next is (1 - left) / Rate.
func TakeRateToken(ctx context.Context, db DB, b RateBucket, key string, now time.Time) (granted bool, left float64, err error) {
	taken, left, err := TakeRateTokens(ctx, db, b, key, now, 1)
	return taken == 1, left, err
}

// TakeRateTokens spends up to want of key's tokens, as many as there are,
// in one statement: a process that takes several at once spends them
// without asking again (web/ratelimit). It returns how many it took and
// the tokens left.
func TakeRateTokens(ctx context.Context, db DB, b RateBucket, key string, now time.Time, want int) (taken int, left float64, err error) {
	err = db.QueryRow(ctx, `INSERT INTO rate_limit_buckets AS b (name, key, tokens, at, granted, taken, expires_at)
		VALUES ($1, $2, $5::float8 - least($6::float8, floor($5::float8)), $3::timestamptz, true,
			least($6::float8, floor($5::float8))::int,
			$3::timestamptz + make_interval(secs => least($6::float8, floor($5::float8)) / $4::float8))
		ON CONFLICT (name, key) DO UPDATE SET
			taken = least($6::float8, floor(village_bucket_refill(b.tokens, b.at, $3, $4, $5)))::int,
			tokens = village_bucket_refill(b.tokens, b.at, $3, $4, $5)
				- least($6::float8, floor(village_bucket_refill(b.tokens, b.at, $3, $4, $5))),
			granted = village_bucket_refill(b.tokens, b.at, $3, $4, $5) >= 1,
			at = greatest(b.at, $3::timestamptz),
			expires_at = greatest(b.at, $3::timestamptz) + make_interval(secs =>
				($5 - village_bucket_refill(b.tokens, b.at, $3, $4, $5)
				+ least($6::float8, floor(village_bucket_refill(b.tokens, b.at, $3, $4, $5)))) / $4::float8)
		RETURNING taken, tokens`, b.Name, key, now, b.Rate, float64(b.Burst), want).Scan(&taken, &left)
	if err != nil {
		return 0, 0, fmt.Errorf("models: rate limit %s: %w", b.Name, err)
	}
	return taken, left, nil
}

// SweepRateLimits deletes the windows and buckets that have run out by
// now: a key with no row is counted from nothing, which is what they
// were worth.
func SweepRateLimits(ctx context.Context, db DB, now time.Time) (int64, error) {
	var n int64
	for _, table := range []string{"rate_limit_events", "rate_limit_buckets"} {
		tag, err := db.Exec(ctx, `DELETE FROM `+table+` WHERE expires_at < $1`, now)
		if err != nil {
			return n, fmt.Errorf("models: sweep %s: %w", table, err)
		}
		n += tag.RowsAffected()
	}
	return n, nil
}
