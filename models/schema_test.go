package models_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestKnownSchemaVersionIsTheNumberOfMigrations(t *testing.T) {
	t.Parallel()
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	sql := 0
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".sql") {
			sql++
		}
	}
	// Numbered without gaps, so the newest number is their count.
	if got := models.KnownSchemaVersion(); got != sql || got == 0 {
		t.Errorf("KnownSchemaVersion() = %d, want %d (the migration files)", got, sql)
	}
}

func TestSchemaVersionIsZeroBeforeTheFirstMigrationAndNewestAfter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	empty, err := models.Open(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if v, err := models.SchemaVersion(ctx, empty); err != nil || v != 0 {
		t.Errorf("empty database: version %d, %v; want 0", v, err)
	}
	if v, err := models.SchemaVersion(ctx, testenv.DB(t)); err != nil || v != models.KnownSchemaVersion() {
		t.Errorf("migrated database: version %d, %v; want %d", v, err, models.KnownSchemaVersion())
	}
}

func TestMigrateRefusesADatabaseNewerThanTheBinaryAndChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	known := models.KnownSchemaVersion()
	// As if a newer release had migrated it three steps further.
	if _, err := db.Exec(ctx, "UPDATE schema_version SET version = $1", known+3); err != nil {
		t.Fatal(err)
	}
	tables := count(t, db, "information_schema.tables WHERE table_schema = 'public'")

	n, err := models.Migrate(ctx, db)
	var tooNew *models.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Database != known+3 || tooNew.Known != known || n != 0 {
		t.Fatalf("Migrate = %d, %v; want a SchemaTooNewError{%d, %d}", n, err, known+3, known)
	}
	msg := err.Error()
	for _, want := range []string{strconv.Itoa(known + 3), strconv.Itoa(known), "upgrade this binary"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// Not migrated down: the version and the tables are as they were.
	if v, err := models.SchemaVersion(ctx, db); err != nil || v != known+3 {
		t.Errorf("version after the refusal: %d, %v; want %d", v, err, known+3)
	}
	if after := count(t, db, "information_schema.tables WHERE table_schema = 'public'"); after != tables {
		t.Errorf("tables: %d before, %d after the refusal", tables, after)
	}
}

func TestCheckSchemaNotNewerAcceptsTheCurrentAndAnOlderSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	if err := models.CheckSchemaNotNewer(ctx, db); err != nil {
		t.Errorf("current schema: %v", err)
	}
	// An older schema is for Migrate to bring up, not to refuse.
	if _, err := db.Exec(ctx, "UPDATE schema_version SET version = version - 1"); err != nil {
		t.Fatal(err)
	}
	if err := models.CheckSchemaNotNewer(ctx, db); err != nil {
		t.Errorf("older schema: %v", err)
	}
}
