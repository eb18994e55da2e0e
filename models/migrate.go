package models

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// versionTable records which migrations ran.
const versionTable = "schema_version"

// migrationLock is the advisory lock key that serialises migrating processes.
const migrationLock = 7_411_640_001

// Migrate applies every embedded migration not yet applied, then River's (the
// delivery queue's tables). Applying them again changes nothing; an advisory
// lock keeps two processes starting at once from racing. A database that a
// newer binary migrated further is refused with a *SchemaTooNewError and
// left as it is: never migrated down.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (applied int, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return 0, fmt.Errorf("models: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return 0, fmt.Errorf("models: migrate: %w", err)
	}
	// Under the lock, so that a newer process migrating now is seen.
	if err := CheckSchemaNotNewer(ctx, conn.Conn()); err != nil {
		return 0, err
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return 0, fmt.Errorf("models: migrate: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return 0, fmt.Errorf("models: load migrations: %w", err)
	}
	before, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: migrate: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("models: migrate: %w", err)
	}
	queue, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return 0, fmt.Errorf("models: migrate queue: %w", err)
	}
	current, err := queueIsCurrent(ctx, conn.Conn(), queue)
	if err != nil {
		return 0, err
	}
	if current {
		return len(m.Migrations) - int(before), nil
	}
	// River migrates on a connection of its own, so the pool opens a
	// second one: only when there is something to apply (a connection
	// costs the server milliseconds of CPU, and every admin command
	// migrates first).
	res, err := queue.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, fmt.Errorf("models: migrate queue: %w", err)
	}
	return len(m.Migrations) - int(before) + len(res.Versions), nil
}

// queueIsCurrent reports whether River's newest migration is applied,
// reading it on conn.
func queueIsCurrent(ctx context.Context, conn *pgx.Conn, queue *rivermigrate.Migrator[pgx.Tx]) (bool, error) {
	all := queue.AllVersions()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("models: migrate queue: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	applied, err := queue.ExistingVersionsTx(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("models: migrate queue: %w", err)
	}
	return len(applied) > 0 && len(all) > 0 && applied[len(applied)-1].Version >= all[len(all)-1].Version, nil
}
