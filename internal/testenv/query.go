package testenv

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a small pool on v's database, opened on first use and closed when
// the test ends. Tests poll what an instance stored, and a connection per
// poll would start a PostgreSQL backend each time: tens of milliseconds of
// the server's CPU, its caches of the schema starting empty.
func (v *Village) DB() *pgxpool.Pool {
	v.t.Helper()
	v.dbMu.Lock()
	defer v.dbMu.Unlock()
	if v.db != nil {
		return v.db
	}
	cfg, err := pgxpool.ParseConfig(v.DatabaseURL)
	if err != nil {
		v.t.Fatalf("testenv: %v", err)
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		v.t.Fatalf("testenv: open %s: %v", v.DatabaseURL, err)
	}
	v.db = pool
	v.t.Cleanup(pool.Close)
	return pool
}

// DBQuery runs fn on a connection to v's database, for tests that check
// what an instance stored (or did not).
func DBQuery(t testing.TB, v *Village, fn func(ctx context.Context, conn *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	conn, err := v.DB().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if err := fn(ctx, conn.Conn()); err != nil {
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
