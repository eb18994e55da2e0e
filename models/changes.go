package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// changesChannel is the PostgreSQL notification channel on which a
// moderation action tells the running server to drop what it keeps in
// memory (actor documents, domain blocks, suspended accounts): an action
// taken with the command line, in another process, then applies at once.
const changesChannel = "village_changes"

// notifyChanged announces a change on changesChannel; inside a
// transaction it is sent when the transaction commits, and not at all if
// it rolls back.
func notifyChanged(ctx context.Context, db DB) error {
	if _, err := db.Exec(ctx, `SELECT pg_notify('`+changesChannel+`', '')`); err != nil {
		return fmt.Errorf("models: notify change: %w", err)
	}
	return nil
}

// ListenForChanges calls changed for every change announced on
// changesChannel until ctx ends, on a connection of its own taken from
// pool. A lost connection is opened again (after retry, then doubling up
// to a minute); changed is called once it is back, since announcements
// may have been missed meanwhile.
func ListenForChanges(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, changed func()) {
	listen(ctx, pool, logger, changesChannel, func(string) { changed() }, changed)
}

// listen calls heard with the payload of every notification on channel
// until ctx ends, opening the connection again when it is lost, and
// calling reconnected once it is back.
func listen(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, channel string, heard func(payload string), reconnected func()) {
	retry := time.Second
	for ctx.Err() == nil {
		err := listenOnce(ctx, pool, channel, heard)
		if ctx.Err() != nil {
			return
		}
		logger.Warn("models: listening failed; trying again", "channel", channel, "error", err, "retry", retry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, time.Minute)
		reconnected()
	}
}

// listenOnce listens until ctx ends or the connection fails.
func listenOnce(ctx context.Context, pool *pgxpool.Pool, channel string, heard func(payload string)) error {
	pooled, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A listening connection must not go back to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+channel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return ctx.Err()
			}
			return err
		}
		heard(n.Payload)
	}
}
