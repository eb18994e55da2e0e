package models

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// migrationName is tern's pattern for a migration file: its number first.
var migrationName = regexp.MustCompile(`^(\d+)_.+\.sql$`)

// KnownSchemaVersion is the newest migration this binary embeds: the
// schema version it was built for.
func KnownSchemaVersion() int {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		panic(fmt.Sprintf("models: embedded migrations unreadable: %v", err)) // the build embeds them
	}
	newest := 0
	for _, e := range entries {
		if m := migrationName.FindStringSubmatch(e.Name()); m != nil {
			n, err := strconv.Atoi(m[1])
			if err == nil && n > newest {
				newest = n
			}
		}
	}
	return newest
}

// SchemaVersion is the version recorded in the database's schema_version
// table: the last migration applied, 0 before the first.
func SchemaVersion(ctx context.Context, db DB) (int, error) {
	var v int32
	err := db.QueryRow(ctx, "SELECT version FROM "+versionTable).Scan(&v)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01", errors.Is(err, pgx.ErrNoRows):
		return 0, nil // no migration ran yet
	case err != nil:
		return 0, fmt.Errorf("models: schema version: %w", err)
	}
	return int(v), nil
}

// SchemaTooNewError is the refusal of a binary older than its database:
// newer migrations ran, which this binary neither knows nor may undo.
type SchemaTooNewError struct {
	Database, Known int
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("the database's schema is at version %d, but this village (built for version %d) is older: "+
		"upgrade this binary to the release that migrated the database (nothing was changed)", e.Database, e.Known)
}

// CheckSchemaNotNewer refuses a database migrated by a newer binary.
func CheckSchemaNotNewer(ctx context.Context, db DB) error {
	v, err := SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if known := KnownSchemaVersion(); v > known {
		return &SchemaTooNewError{Database: v, Known: known}
	}
	return nil
}
