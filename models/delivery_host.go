package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeliveryHost is the delivery health of one remote host (host:port): how
// many deliveries to it failed in a row, and until when it is paused.
type DeliveryHost struct {
	Host        string
	Failures    int
	PausedUntil *time.Time // nil when not paused
	LastError   string
	UpdatedAt   time.Time
}

// Paused reports whether deliveries to the host wait at time now.
func (h *DeliveryHost) Paused(now time.Time) bool {
	return h.PausedUntil != nil && h.PausedUntil.After(now)
}

// DeliveryHostByName returns a host's delivery health; a host never seen
// failing has no row and comes back healthy (zero failures, not paused).
func DeliveryHostByName(ctx context.Context, db DB, host string) (*DeliveryHost, error) {
	h := DeliveryHost{Host: host}
	err := db.QueryRow(ctx, `SELECT failures, paused_until, last_error, updated_at FROM delivery_hosts WHERE host = $1`, host).
		Scan(&h.Failures, &h.PausedUntil, &h.LastError, &h.UpdatedAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("models: delivery host: %w", err)
	}
	return &h, nil
}

// PauseRule says when a failing host is paused and for how long: from the
// After-th failure in a row it is paused for Base, doubled with each further
// failure, at most Max.
type PauseRule struct {
	After int
	Base  time.Duration
	Max   time.Duration
}

// RecordDeliveryFailure counts one more failed delivery to host, in a row,
// and pauses the host as rule says. It returns the host's new state.
func RecordDeliveryFailure(ctx context.Context, db DB, host, lastError string, rule PauseRule) (*DeliveryHost, error) {
	// The pause is computed in the statement so that concurrent failures
	// each see the count they made.
	h := DeliveryHost{Host: host}
	err := db.QueryRow(ctx, `INSERT INTO delivery_hosts AS h (host, failures, last_error, paused_until, updated_at)
		VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN now() + make_interval(secs => least($4::float8, $5::float8)) END, now())
		ON CONFLICT (host) DO UPDATE SET
			failures = h.failures + 1,
			last_error = EXCLUDED.last_error,
			updated_at = now(),
			paused_until = CASE WHEN h.failures + 1 >= $3
				THEN now() + make_interval(secs => least($4::float8 * power(2, least(h.failures + 1 - $3, 40)), $5::float8))
				ELSE h.paused_until END
		RETURNING failures, paused_until, last_error, updated_at`,
		host, lastError, rule.After, rule.Base.Seconds(), rule.Max.Seconds()).
		Scan(&h.Failures, &h.PausedUntil, &h.LastError, &h.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("models: record delivery failure: %w", err)
	}
	return &h, nil
}

// RecordDeliverySuccess clears a host's failures and pause. A healthy host
// has no row, and none is written for it.
func RecordDeliverySuccess(ctx context.Context, db DB, host string) error {
	_, err := db.Exec(ctx, `UPDATE delivery_hosts SET failures = 0, paused_until = NULL, updated_at = now()
		WHERE host = $1 AND (failures > 0 OR paused_until IS NOT NULL)`, host)
	if err != nil {
		return fmt.Errorf("models: record delivery success: %w", err)
	}
	return nil
}

// ClaimDeliveryProbe lets one delivery try a host whose pause has run out:
// it moves the pause hold further on, so that the host's other deliveries
// keep waiting for this one's outcome, and reports whether the caller got
// the claim. A host that is not paused, or paused for longer, is not
// claimed.
func ClaimDeliveryProbe(ctx context.Context, db DB, host string, hold time.Duration) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE delivery_hosts SET paused_until = now() + make_interval(secs => $2::float8), updated_at = now()
		WHERE host = $1 AND paused_until IS NOT NULL AND paused_until <= now()`, host, hold.Seconds())
	if err != nil {
		return false, fmt.Errorf("models: claim delivery probe: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// CountPausedDeliveryHosts counts the hosts whose deliveries wait for a
// pause to end at time now (for metrics).
func CountPausedDeliveryHosts(ctx context.Context, db DB, now time.Time) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM delivery_hosts WHERE paused_until > $1`, now).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count paused delivery hosts: %w", err)
	}
	return n, nil
}
