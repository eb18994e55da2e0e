// Package testenv gives tests real things: a fresh PostgreSQL database each,
// and complete Village instances started as separate processes on loopback
// addresses. Nothing here is a mock.
//
// A package that uses it calls Run from its TestMain.
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/models"
	"github.com/village-social/village/models/pgserver"
)

// DatabaseURLVar names a PostgreSQL server (a role that may create databases)
// for tests to use instead of a private cluster. It is not DATABASE_URL, so
// that tests never touch the database a developer's shell points at.
const DatabaseURLVar = "VILLAGE_TEST_DATABASE_URL"

// process holds what one test binary shares between its tests: the cluster
// and the built village binary. It lives from TestMain's start to its end,
// which is why it is package state.
var process struct {
	mu       sync.Mutex
	cluster  *pgserver.Cluster
	adminURL string
	// admin is a pool on adminURL for creating and dropping databases:
	// a connection costs the server about 30 ms of CPU here, and the
	// suite creates and drops hundreds of databases.
	admin  *pgxpool.Pool
	binDir string
	binary string

	// template is a database this process migrated once; tests that need
	// the schema get copies of it (see migratedDatabaseURL). Its own lock,
	// so that building it does not hold up tests that need no schema.
	templateMu sync.Mutex
	template   string

	// keys are the RSA keys tests gave back, to lend again (BorrowKey).
	keysMu sync.Mutex
	keys   []*rsa.PrivateKey
}

// Run runs the package's tests and then releases the shared cluster (stopping
// it when no other test binary uses it) and the built binary.
func Run(m *testing.M) {
	code := m.Run()
	process.templateMu.Lock()
	if process.template != "" {
		if err := dropDatabase(process.adminURL, process.template); err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
		}
	}
	process.templateMu.Unlock()
	process.mu.Lock()
	if process.admin != nil {
		process.admin.Close()
	}
	if process.cluster != nil {
		if err := process.cluster.Release(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
		}
	}
	if process.binDir != "" {
		os.RemoveAll(process.binDir)
	}
	process.mu.Unlock()
	os.Exit(code)
}

// adminURL returns a URL of the server's maintenance database, starting the
// shared throwaway cluster on first use.
func adminURL(t testing.TB) string {
	t.Helper()
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.adminURL != "" {
		return process.adminURL
	}
	if url := os.Getenv(DatabaseURLVar); url != "" {
		process.adminURL = url
		return url
	}
	// One cluster for every test binary of this user; the last one out stops it.
	dir := filepath.Join(os.TempDir(), "village-test-postgres-"+strconv.Itoa(os.Getuid()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Database: "postgres", Fast: true})
	if err != nil {
		t.Fatalf("testenv: start PostgreSQL: %v", err)
	}
	process.cluster = c
	process.adminURL = c.URL()
	return process.adminURL
}

// DatabaseURL creates an empty database for this test and drops it when the
// test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// migratedDatabaseURL is DatabaseURL with the schema in place: the database
// is a copy (CREATE DATABASE ... TEMPLATE) of one that this test binary
// migrated once, which takes a fraction of the time and CPU of migrating
// each test's database when tests run side by side.
func migratedDatabaseURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, templateDatabase(t))
}

// newDatabase creates a database for this test, a copy of template or
// else empty, and drops it when the test ends.
func newDatabase(t testing.TB, template string) string {
	t.Helper()
	admin := adminURL(t)
	name := "village_test_" + randomHex(t, 8)
	if err := createDatabase(admin, name, template); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(admin, name); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return databaseURL(t, admin, name)
}

// templateDatabase returns the name of this process's template database,
// made on first use.
func templateDatabase(t testing.TB) string {
	t.Helper()
	process.templateMu.Lock()
	defer process.templateMu.Unlock()
	if process.template == "" {
		process.template = newTemplate(t)
	}
	return process.template
}

// newTemplate creates a database and migrates it.
func newTemplate(t testing.TB) string {
	t.Helper()
	admin := adminURL(t)
	name := "village_template_" + randomHex(t, 8)
	if err := createDatabase(admin, name, ""); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool, err := models.Open(ctx, databaseURL(t, admin, name))
	if err == nil {
		err = migrateTemplate(ctx, pool)
		pool.Close() // a template must have no connections when it is copied
	}
	if err != nil {
		dropDatabase(admin, name)
		t.Fatalf("testenv: migrate the template database: %v", err)
	}
	return name
}

// adminPool is the process's pool on admin, opened on first use.
func adminPool(ctx context.Context, admin string) (*pgxpool.Pool, error) {
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.admin != nil {
		return process.admin, nil
	}
	cfg, err := pgxpool.ParseConfig(admin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DatabaseURLVar, err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	process.admin = pool
	return pool, nil
}

// migrateTemplate migrates the template and gives it the instance and
// reports actors, which `village serve` otherwise makes at its first start
// on each copy: two RSA keys, about 90 ms of CPU, for every instance the
// suite starts. The copies share those keys; their actors' addresses, and
// so the keys' ids, differ by instance.
func migrateTemplate(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := models.Migrate(ctx, pool); err != nil {
		return err
	}
	if _, err := models.InstanceActor(ctx, pool); err != nil {
		return err
	}
	_, err := models.ReportsActor(ctx, pool)
	return err
}

func createDatabase(admin, name, template string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := adminPool(ctx, admin)
	if err != nil {
		return err
	}
	sql := "CREATE DATABASE " + name
	if template != "" {
		// A file copy costs the server less than half the CPU of
		// PostgreSQL 15's default (WAL_LOG, which reads and logs every
		// block): 0.13 against 0.30 CPU-seconds a database with its
		// drop, measured. The suite makes hundreds and is CPU-bound.
		sql += " TEMPLATE " + template + " STRATEGY FILE_COPY"
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}

func dropDatabase(admin, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := adminPool(ctx, admin)
	if err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// databaseURL is the URL of database name on the server of admin.
func databaseURL(t testing.TB, admin, name string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testenv: %s must be a postgres:// URL: %v", DatabaseURLVar, err)
	}
	u.Path = "/" + name
	return u.String()
}

// DB returns a pool on a fresh, migrated database of this test's own.
func DB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return DBWithConns(t, 0)
}

// DBWithConns is DB with a pool of maxConns connections (0: the default).
func DBWithConns(t testing.TB, maxConns int) *pgxpool.Pool {
	t.Helper()
	url := migratedDatabaseURL(t)
	if maxConns > 0 {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		url += sep + "pool_max_conns=" + strconv.Itoa(maxConns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := models.Open(ctx, url) // a copy of a migrated database: nothing to migrate
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// DataDir makes an empty folder that the postgres OS user can also reach
// (t.TempDir's folders are closed to other users), removed after the test.
func DataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "village-data-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// ClosedDir makes an empty folder closed to other users, as /root is,
// removed after the test. It skips the test unless it runs as root with a
// postgres OS user: only then does the private cluster run as another user,
// who can be kept out of a folder.
func ClosedDir(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: only then does the private cluster run as another OS user (postgres), who can be kept out of a folder")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		t.Skipf("needs the postgres OS user, whom PostgreSQL runs as under root: %v", err)
	}
	dir, err := os.MkdirTemp("", "village-closed-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return dir
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return hex.EncodeToString(b)
}

// Logger collects a component's logs and prints them if the test fails.
func Logger(t testing.TB) *slog.Logger {
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("log:\n" + buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
