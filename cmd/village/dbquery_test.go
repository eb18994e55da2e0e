package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
)

// dbQuery runs fn on a connection to v's database, for tests that check
// what an instance stored (or did not).
func dbQuery(t *testing.T, v *testenv.Village, fn func(ctx context.Context, conn *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, v.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := fn(ctx, conn); err != nil {
		t.Fatal(err)
	}
}

// queryOne reads one value from an instance's database.
func queryOne(t *testing.T, v *testenv.Village, out any, sql string, args ...any) {
	t.Helper()
	dbQuery(t, v, func(ctx context.Context, conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, sql, args...).Scan(out); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	})
}

// safetyQuery runs one counting query on an instance's database.
func safetyQuery(t *testing.T, v *testenv.Village, sql string, args ...any) int {
	t.Helper()
	var n int
	queryOne(t, v, &n, sql, args...)
	return n
}
