package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

// probe GETs path from h and returns the status and the JSON answer.
func probe(t *testing.T, h http.Handler, path string) (int, map[string]string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]string
	if rec.Code != http.StatusNotFound {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %d %q is not JSON: %v", path, rec.Code, rec.Body.String(), err)
		}
	}
	return rec.Code, body
}

func TestReadyzFollowsTheDatabaseSchemaWhileHealthzStaysUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	e := web.New(web.Options{DB: db, Version: "9.9"})
	known := models.KnownSchemaVersion()
	tests := []struct {
		name       string
		version    int
		wantReady  int
		wantReason string
	}{
		{"current schema", known, http.StatusOK, ""},
		{"a newer release migrated the database", known + 1, http.StatusServiceUnavailable, "upgrade this process"},
		{"the database is behind this release", known - 1, http.StatusServiceUnavailable, "run village migrate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.Exec(ctx, "UPDATE schema_version SET version = $1", tt.version); err != nil {
				t.Fatal(err)
			}
			code, body := probe(t, e, "/readyz")
			if code != tt.wantReady || !strings.Contains(body["reason"], tt.wantReason) {
				t.Errorf("/readyz = %d %v, want %d with reason containing %q", code, body, tt.wantReady, tt.wantReason)
			}
			if code, body := probe(t, e, "/healthz"); code != http.StatusOK || body["status"] != "ok" {
				t.Errorf("/healthz = %d %v, want 200 whatever the schema", code, body)
			}
		})
	}
}

func TestHealthzAnswersWithoutTheDatabaseAndReadyzSaysWhy(t *testing.T) {
	t.Parallel()
	// A pool on a database that is gone: every query fails at once.
	gone, err := models.Open(context.Background(), testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	for name, h := range map[string]http.Handler{
		"web process":    web.New(web.Options{DB: gone, Version: "9.9"}),
		"worker process": web.Probes(gone, nil, "9.9"),
	} {
		t.Run(name, func(t *testing.T) {
			if code, body := probe(t, h, "/healthz"); code != http.StatusOK || body["version"] != "9.9" {
				t.Errorf("/healthz = %d %v, want 200 with the database unreachable", code, body)
			}
			code, body := probe(t, h, "/readyz")
			if code != http.StatusServiceUnavailable || body["reason"] != "the database does not answer" {
				t.Errorf("/readyz = %d %v, want 503 saying the database does not answer (and no error text)", code, body)
			}
		})
	}
}

func TestProbesServeNothingButHealthAndReadiness(t *testing.T) {
	t.Parallel()
	h := web.Probes(testenv.DB(t), nil, "9.9")
	for path, want := range map[string]int{
		"/healthz": http.StatusOK, "/readyz": http.StatusOK,
		"/users/alice": http.StatusNotFound, "/inbox": http.StatusNotFound, "/": http.StatusNotFound,
		"/.well-known/webfinger?resource=acct:alice@example.org": http.StatusNotFound,
	} {
		if code, _ := probe(t, h, path); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
}
