package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestRoleDefaultsToAllAndTheFlagOverridesTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Role
	}{
		{"default", nil, nil, roleAll},
		{"variable", map[string]string{"VILLAGE_ROLE": "worker"}, nil, roleWorker},
		{"any case", map[string]string{"VILLAGE_ROLE": "Web"}, nil, roleWeb},
		{"flag over variable", map[string]string{"VILLAGE_ROLE": "worker"}, []string{"--role", "web"}, roleWeb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := (&app{}).rootCommand()
			if err := root.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(root.Flags(), func(k string) string { return tt.env[k] })
			if err != nil || cfg.Role != tt.want {
				t.Errorf("role %q, %v; want %q", cfg.Role, err, tt.want)
			}
		})
	}
}

// An older binary started against a database a newer one migrated: serve
// and migrate both refuse, say what to do, and leave the schema alone.
func TestAnOlderBinaryRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	newer := models.KnownSchemaVersion() + 2
	if _, err := db.Exec(ctx, "UPDATE schema_version SET version = $1", newer); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"DATABASE_URL": db.Config().ConnString(), "VILLAGE_DATA_DIR": t.TempDir(),
		"VILLAGE_DOMAIN": "127.0.0.111:1", "VILLAGE_LISTEN": "127.0.0.111:0", "VILLAGE_PROTOCOL": "http",
	}
	for _, args := range [][]string{{"serve"}, {"serve", "--role", "worker"}, {"migrate"}} {
		code, _, stderr := runVillage(t, env, args...)
		want := "the database's schema is at version " + strconv.Itoa(newer) + ", but this village (built for version " +
			strconv.Itoa(models.KnownSchemaVersion()) + ") is older: upgrade this binary"
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("village %v: code %d, stderr %q; want a refusal saying %q", args, code, stderr, want)
		}
		t.Logf("village %s: %s", strings.Join(args, " "), strings.TrimSpace(stderr))
	}
	if v, err := models.SchemaVersion(ctx, db); err != nil || v != newer {
		t.Errorf("schema version after the refusals: %d, %v; want %d untouched", v, err, newer)
	}
}

// The processes of the roles test, on addresses no other test uses.
const (
	addrRolesWeb    = "127.0.0.111:0"
	addrRolesWorker = "127.0.0.112:0"
	addrRolesPeer   = "127.0.0.113:0"
)

// jobCount counts River's jobs of a kind in the instance's database.
func jobCount(t *testing.T, v *testenv.Village, kind string) int {
	t.Helper()
	ctx := context.Background()
	conn := v.DB()
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = $1", kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// statusOf GETs url (as a fediverse server would, for ActivityPub JSON) and returns the status.
func statusOf(t *testing.T, method, url string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAWebProcessQueuesAndAWorkerProcessDelivers(t *testing.T) {
	t.Parallel()
	web := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrRolesWeb, Role: "web"})
	peer := testenv.NewRemoteAt(t, addrRolesPeer, "pat")
	alice := web.User("alice")
	follow := testenv.Activity(t, map[string]any{"id": peer.ActorID + "/follows/1", "type": "Follow",
		"actor": peer.ActorID, "object": web.BaseURL + "/users/alice"})
	if code := peer.Post(web.BaseURL+"/inbox", follow, time.Now()); code != http.StatusAccepted {
		t.Fatalf("follow: %d", code)
	}
	testenv.PostStatus(t, alice, url.Values{"status": {"Story time at the library, Saturday 10am"}, "visibility": {"public"}})

	// The web process queued the Accept and the Create, and sends neither.
	testenv.Eventually(t, 30*time.Second, "the Accept and the Create queued", func() bool { return jobCount(t, web, "deliver") >= 2 })
	time.Sleep(3 * time.Second)
	if got := peer.Received(); len(got) != 0 {
		var types []any
		for _, a := range got {
			types = append(types, a["type"])
		}
		t.Fatalf("the web process delivered %v by itself, want nothing before a worker runs", types)
	}
	if n := jobCount(t, web, "village_periodic"); n != 0 {
		t.Errorf("the web process scheduled %d periodic jobs, want none", n)
	}

	worker := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrRolesWorker, Role: "worker", Of: web})
	testenv.Eventually(t, 60*time.Second, "the worker's delivery of the Accept and the post", func() bool {
		var accepted, created bool
		for _, a := range peer.Received() {
			accepted = accepted || a["type"] == "Accept"
			if obj, ok := a["object"].(map[string]any); ok && a["type"] == "Create" {
				created = created || strings.Contains(fmt.Sprint(obj["content"]), "Story time at the library")
			}
		}
		return accepted && created
	})
	testenv.Eventually(t, 60*time.Second, "the worker's periodic upkeep", func() bool { return jobCount(t, web, "village_periodic") > 0 })

	// The worker answers its supervisor, and nobody else.
	for _, path := range []string{"/healthz", "/readyz"} {
		if code := statusOf(t, http.MethodGet, worker.BaseURL+path); code != http.StatusOK {
			t.Errorf("worker GET %s = %d, want 200", path, code)
		}
	}
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/users/alice"},
		{http.MethodGet, "/.well-known/webfinger?resource=acct:alice@" + web.Addr},
		{http.MethodGet, "/api/v1/instance"},
		{http.MethodGet, "/"},
		{http.MethodPost, "/inbox"},
	} {
		if code := statusOf(t, r.method, web.BaseURL+r.path); code == http.StatusNotFound {
			t.Errorf("web %s %s = 404: the comparison below proves nothing", r.method, r.path)
		}
		if code := statusOf(t, r.method, worker.BaseURL+r.path); code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
			t.Errorf("worker %s %s = %d, want no public route (404)", r.method, r.path, code)
		}
	}
}
