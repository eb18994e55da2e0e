package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/web"
)

func TestShutdownLetsAnInFlightRequestComplete(t *testing.T) {
	t.Parallel()
	e := web.New(web.Options{DB: testenv.DB(t)})
	started := make(chan struct{})
	e.GET("/slow", func(c echo.Context) error {
		close(started)
		time.Sleep(500 * time.Millisecond)
		return c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- web.Serve(ctx, ln, e, 10*time.Second) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel() // as SIGTERM does

	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: body %q, err %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve returned %v, want nil after a clean shutdown", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	e := web.New(web.Options{DB: testenv.DB(t), Logger: logger, BodyLimit: "1K", Version: "9.9"})
	e.GET("/boom", func(echo.Context) error { panic("kaboom") })
	e.POST("/echo", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	})
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantBody   string
		wantLog    string
	}{
		{"alive", http.MethodGet, "/healthz", "", 200, `"status":"ok"`, "path=/healthz status=200"},
		{"ready with the database up", http.MethodGet, "/readyz", "", 200, `"status":"ready"`, "path=/readyz status=200"},
		{"health shows version", http.MethodGet, "/healthz", "", 200, `"version":"9.9"`, ""},
		{"a panic becomes a 500 with a JSON error", http.MethodGet, "/boom", "", 500, `{"error":"internal server error"}`, "panic in handler"},
		{"body over the limit is refused", http.MethodPost, "/echo", strings.Repeat("x", 2048), 413, `"error"`, "status=413"},
		{"body under the limit passes", http.MethodPost, "/echo", "hello", 200, "hello", ""},
		{"unknown path is a JSON 404", http.MethodGet, "/nope", "", 404, `{"error":"Not Found"}`, "status=404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %q, want %d containing %q", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs.String())
			}
		})
	}
	// After a panic the server still serves.
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var health map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &health); err != nil || health["status"] != "ok" {
		t.Errorf("health after panic: %d %s", rec.Code, rec.Body.String())
	}
}
