package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models/pgserver"
)

func healthStatus(t *testing.T, baseURL string) int { return probeStatus(t, baseURL, "/healthz") }

// probeStatus is the status of GET path (/healthz or /readyz).
func probeStatus(t *testing.T, baseURL, path string) int {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(baseURL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventually polls until the status of path is want, failing after a while.
func eventually(t *testing.T, baseURL, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := probeStatus(t, baseURL, path)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d, want %d", path, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// /readyz follows the database; /healthz does not, so that a supervisor
// restarts nothing because PostgreSQL blinked.
//
// Not parallel: it stops its PostgreSQL and starts it again on the same
// port of 127.0.0.1, where the other tests' connections take their source
// ports; while they run, one of them could take that port in between.
func TestReadyzIs503WhileTheDatabaseIsDownAndHealthzStays200(t *testing.T) {
	ctx := context.Background()
	cluster, err := pgserver.Start(ctx, pgserver.Options{Dir: filepath.Join(testenv.DataDir(t), "postgres"), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Release(ctx) })
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.66:0", DatabaseURL: cluster.URL()})

	if got := probeStatus(t, v.BaseURL, "/readyz"); got != http.StatusOK {
		t.Fatalf("/readyz = %d with the database up, want 200", got)
	}
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, v.BaseURL, "/readyz", http.StatusServiceUnavailable)
	if got := healthStatus(t, v.BaseURL); got != http.StatusOK {
		t.Errorf("/healthz = %d with the database down, want 200: the process still answers", got)
	}
	if err := cluster.Restart(ctx, true); err != nil {
		t.Fatal(err)
	}
	eventually(t, v.BaseURL, "/readyz", http.StatusOK)
}

func TestDataSurvivesARestartOfServe(t *testing.T) {
	t.Parallel()
	// As `make run` does: no DATABASE_URL, a private cluster in the data folder.
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.66:0", PrivateCluster: true})
	v.Admin("admin", "user", "create", "alice", "--password", "password1")
	v.Admin("admin", "group", "create", "moms", "--title", "Moms of the Park")

	v.Stop()
	pid := filepath.Join(v.DataDir, "postgres", "pgdata", "postmaster.pid")
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Fatalf("postgres still running after serve exited (%s: %v)", pid, err)
	}

	v.Start()
	if got := healthStatus(t, v.BaseURL); got != http.StatusOK {
		t.Fatalf("/healthz after restart = %d", got)
	}
	if out := v.Admin("admin", "user", "list"); !strings.Contains(out, "alice") {
		t.Errorf("alice is gone after a restart:\n%s", out)
	}
	if out := v.Admin("admin", "group", "list"); !strings.Contains(out, "Moms of the Park") {
		t.Errorf("the group is gone after a restart:\n%s", out)
	}
}

func TestServeExitsCleanlyOnSIGTERM(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.66:0"})
	v.Stop() // fails the test unless the exit status is 0
	if !strings.Contains(v.Log(), "village stopped") {
		t.Errorf("log lacks the shutdown line:\n%s", v.Log())
	}
	if _, err := http.Get(v.BaseURL + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}
