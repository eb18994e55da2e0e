package pgserver_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models/pgserver"
)

// dataDir is a folder the postgres OS user can reach when tests run as root.
func dataDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "pgserver-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "postgres")
}

func running(c *pgserver.Cluster) bool {
	_, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid"))
	return err == nil
}

func TestClusterIsSharedAndStoppedByItsLastUser(t *testing.T) {
	ctx := context.Background()
	dir := dataDir(t)
	first, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, first.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('hello')"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	second, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if second.URL() != first.URL() {
		t.Errorf("second user got %s, want the running cluster %s", second.URL(), first.URL())
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if !running(second) {
		t.Fatal("cluster stopped while a second user still holds it")
	}
	if err := second.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if running(second) {
		t.Fatal("cluster still running after its last user left")
	}

	// Started again from the same folder, the data is still there.
	third, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Release(ctx)
	conn, err = pgx.Connect(ctx, third.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "hello" {
		t.Fatalf("after restart: %q, %v", v, err)
	}
}

func TestClusterRefusesConnectionsWithoutItsPassword(t *testing.T) {
	ctx := context.Background()
	c, err := pgserver.Start(ctx, pgserver.Options{Dir: dataDir(t), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release(ctx)
	cfg, err := pgx.ParseConfig(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = "wrong"
	if conn, err := pgx.ConnectConfig(ctx, cfg); err == nil {
		conn.Close(ctx)
		t.Fatal("connected with a wrong password")
	}
}
