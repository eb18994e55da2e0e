package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Per-host delivery slots, shared by every worker process (issue 17): a
// host has numbered slots, each held by one POST at a time, and a POST
// may go only with a slot numbered within the limit its process allows
// the host. Whatever the processes, no more POSTs are in flight to a host
// than the highest of their limits. A holder's lease expires, so that the
// slots of a process killed mid-POST come back.

// ClaimDeliverySlot takes a free slot of host numbered 1..limit for holder
// until lease has passed, and returns its number; 0 when every one is
// held. Concurrent claims take different slots (FOR UPDATE SKIP LOCKED;
// a slot taken meanwhile is re-checked and passed over).
func ClaimDeliverySlot(ctx context.Context, db DB, host, holder string, limit int, lease time.Duration) (int, error) {
	for range 2 {
		var slot int
		err := db.QueryRow(ctx, `UPDATE delivery_slots s SET holder = $3, expires_at = now() + $4::interval, used_at = now()
			FROM (SELECT slot FROM delivery_slots
				WHERE host = $1 AND slot <= $2 AND (holder IS NULL OR expires_at < now())
				ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) free
			WHERE s.host = $1 AND s.slot = free.slot
			RETURNING s.slot`, host, limit, holder, lease).Scan(&slot)
		if err == nil {
			return slot, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("models: claim delivery slot: %w", err)
		}
		// The host's slots up to limit may not exist yet (a new host, a
		// higher limit, or rows swept): make the missing ones, holding the
		// first of them. If it was made, it is ours; if others were made
		// but not it, try again.
		rows, err := db.Query(ctx, `INSERT INTO delivery_slots (host, slot, holder, expires_at)
			SELECT $1, s, CASE WHEN s = first THEN $3 END, CASE WHEN s = first THEN now() + $4::interval END
			FROM generate_series(1, $2) s,
				(SELECT min(n) AS first FROM generate_series(1, $2) n
					WHERE NOT EXISTS (SELECT 1 FROM delivery_slots WHERE host = $1 AND slot = n)) missing
			WHERE first IS NOT NULL
			ON CONFLICT DO NOTHING
			RETURNING slot, holder IS NOT NULL`, host, limit, holder, lease)
		if err != nil {
			return 0, fmt.Errorf("models: claim delivery slot: %w", err)
		}
		made, mine := 0, 0
		for rows.Next() {
			var n int
			var held bool
			if err := rows.Scan(&n, &held); err != nil {
				rows.Close()
				return 0, fmt.Errorf("models: claim delivery slot: %w", err)
			}
			made++
			if held {
				mine = n
			}
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("models: claim delivery slot: %w", err)
		}
		if mine > 0 {
			return mine, nil
		}
		if made == 0 {
			return 0, nil
		}
	}
	return 0, nil
}

// ClaimDeliverySlotAndHealth is ClaimDeliverySlot and DeliveryHostByName
// in one round trip, for a job that needs both: the common case of a
// delivery costs one statement for its slot, not two.
func ClaimDeliverySlotAndHealth(ctx context.Context, db DB, host, holder string, limit int, lease time.Duration) (int, *DeliveryHost, error) {
	var (
		slot, made *int
		h          = DeliveryHost{Host: host}
		failures   *int
		lastError  *string
		updatedAt  *time.Time
	)
	err := db.QueryRow(ctx, `WITH claimed AS (
			UPDATE delivery_slots s SET holder = $3, expires_at = now() + $4::interval, used_at = now()
			FROM (SELECT slot FROM delivery_slots
				WHERE host = $1 AND slot <= $2 AND (holder IS NULL OR expires_at < now())
				ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) free
			WHERE s.host = $1 AND s.slot = free.slot
			RETURNING s.slot)
		SELECT (SELECT slot FROM claimed), (SELECT count(*)::int FROM delivery_slots WHERE host = $1 AND slot <= $2),
			h.failures, h.paused_until, h.last_error, h.updated_at
		FROM (SELECT 1) one LEFT JOIN delivery_hosts h ON h.host = $1`, host, limit, holder, lease).
		Scan(&slot, &made, &failures, &h.PausedUntil, &lastError, &updatedAt)
	if err != nil {
		return 0, nil, fmt.Errorf("models: claim delivery slot: %w", err)
	}
	if failures != nil {
		h.Failures, h.LastError, h.UpdatedAt = *failures, *lastError, *updatedAt
	}
	if slot != nil {
		return *slot, &h, nil
	}
	if made != nil && *made >= limit {
		return 0, &h, nil // every one held
	}
	n, err := ClaimDeliverySlot(ctx, db, host, holder, limit, lease) // some are still to be made
	return n, &h, err
}

// ReleaseDeliverySlot gives a slot back, if holder still holds it.
func ReleaseDeliverySlot(ctx context.Context, db DB, host string, slot int, holder string) error {
	_, err := db.Exec(ctx, `UPDATE delivery_slots SET holder = NULL, expires_at = NULL, used_at = now()
		WHERE host = $1 AND slot = $2 AND holder = $3`, host, slot, holder)
	if err != nil {
		return fmt.Errorf("models: release delivery slot: %w", err)
	}
	return nil
}

// DeliverySlotsHeld is how many of host's slots are held now.
func DeliverySlotsHeld(ctx context.Context, db DB, host string) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM delivery_slots WHERE host = $1 AND holder IS NOT NULL AND expires_at > now()`, host).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("models: delivery slots held: %w", err)
	}
	return n, nil
}

// SweepDeliverySlots deletes the slots not held and not used for idle, so
// that the table holds about the hosts delivered to lately.
func SweepDeliverySlots(ctx context.Context, db DB, idle time.Duration) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM delivery_slots
		WHERE (holder IS NULL OR expires_at < now()) AND used_at < now() - $1::interval`, idle)
	if err != nil {
		return 0, fmt.Errorf("models: sweep delivery slots: %w", err)
	}
	return tag.RowsAffected(), nil
}
