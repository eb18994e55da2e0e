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
		// higher limit, or rows swept): make them, and if any was new, try
		// again.
		tag, err := db.Exec(ctx, `INSERT INTO delivery_slots (host, slot) SELECT $1, generate_series(1, $2)
			ON CONFLICT DO NOTHING`, host, limit)
		if err != nil {
			return 0, fmt.Errorf("models: claim delivery slot: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return 0, nil
		}
	}
	return 0, nil
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
