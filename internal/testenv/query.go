package testenv

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DBQuery runs fn on a connection to v's database, for tests that check
// what an instance stored (or did not).
func DBQuery(t testing.TB, v *Village, fn func(ctx context.Context, conn *pgx.Conn) error) {
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

// QueryOne reads one value from an instance's database.
func QueryOne(t testing.TB, v *Village, out any, sql string, args ...any) {
	t.Helper()
	DBQuery(t, v, func(ctx context.Context, conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, sql, args...).Scan(out); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	})
}

// QueryCount runs one counting query on an instance's database.
func QueryCount(t testing.TB, v *Village, sql string, args ...any) int {
	t.Helper()
	var n int
	QueryOne(t, v, &n, sql, args...)
	return n
}
