package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

// The addresses of the metrics test: the instance, its metrics listener
// and a remote peer.
const (
	addrObserved        = "127.0.0.120:0"
	addrObservedMetrics = "127.0.0.121"
	addrObservedPeer    = "127.0.0.122:0"
)

// `village serve` with VILLAGE_METRICS_LISTEN serves /metrics and the
// profiles on that private address only: the series of every group are
// there after a remote follow (inbox, delivery), a refused POST, a stream
// and some pages; the request id a proxy sent comes back, and names the
// request's JSON log line and the delivery it queued.
func TestServeExposesMetricsAndProfilesOnThePrivateListener(t *testing.T) {
	t.Parallel()
	metricsAddr := freeAddrOn(t, addrObservedMetrics)
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrObserved, Env: map[string]string{
		"VILLAGE_METRICS_LISTEN": metricsAddr,
		"VILLAGE_LOG_FORMAT":     "json",
		"VILLAGE_LOG_LEVEL":      "debug", // a delivery's success is logged at debug
	}})
	alice := v.User("alice")
	peer := testenv.NewRemoteAt(t, addrObservedPeer, "nora")

	// A follow through a proxy that names the request.
	body := testenv.Activity(t, map[string]any{"id": peer.ActorID + "/follows/1", "type": "Follow",
		"actor": peer.ActorID, "object": v.BaseURL + "/users/alice"})
	req := peer.NewPost(v.BaseURL+"/users/alice/inbox", body)
	req.Header.Set("X-Request-Id", "proxy-follow-17")
	if err := signature.SignRequest(req, body, peer.KeyID, peer.Key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Request-Id") != "proxy-follow-17" {
		t.Fatalf("Follow: %d, X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	testenv.Eventually(t, 60*time.Second, "the Accept delivered", func() bool {
		for _, got := range peer.Received() {
			if got["type"] == "Accept" {
				return true
			}
		}
		return false
	})
	if code := testenv.Send(t, peer.NewPost(v.BaseURL+"/inbox", body)); code != http.StatusUnauthorized {
		t.Fatalf("unsigned POST: %d", code)
	}
	for range 2 {
		if code := getStatus(t, v.BaseURL+"/users/alice"); code != http.StatusOK {
			t.Fatalf("GET alice: %d", code)
		}
	}
	stream, _, err := websocket.DefaultDialer.Dial("ws://"+v.Addr+"/api/v1/streaming?stream=user&access_token="+alice.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()

	var s testenv.Samples
	testenv.Eventually(t, 30*time.Second, "the delivery and the stream counted", func() bool {
		s = testenv.Samples(testenv.Scrape(t, "http://"+metricsAddr+"/metrics"))
		delivered, _ := s.Find("village_delivery_jobs_total", map[string]string{"outcome": "delivered"})
		streams, _ := s.Find("village_streaming_connections", nil)
		return delivered >= 1 && streams == 1
	})
	for _, series := range []struct {
		name   string
		labels map[string]string
	}{
		{"village_http_requests_total", map[string]string{"method": "GET", "route": "/users/:name", "status": "200"}},
		{"village_http_requests_total", map[string]string{"method": "POST", "route": "/users/:name/inbox", "status": "202"}},
		{"village_http_request_duration_seconds_bucket", map[string]string{"route": "/users/:name/inbox", "le": "+Inf"}},
		{"village_inbox_accepted_total", nil},
		{"village_inbox_refused_total", map[string]string{"reason": "unsigned"}},
		{"village_delivery_jobs_total", map[string]string{"outcome": "delivered"}},
		{"village_delivery_queue_jobs", map[string]string{"state": "available"}},
		{"village_delivery_queue_oldest_available_seconds", nil},
		{"village_delivery_paused_hosts", nil},
		{"village_streaming_connections", nil},
		{"village_db_pool_acquired_conns", nil},
		{"village_db_pool_max_conns", nil},
		{"village_db_pool_acquire_wait_seconds_total", nil},
		{"process_resident_memory_bytes", nil},
	} {
		if _, ok := s.Find(series.name, series.labels); !ok {
			t.Errorf("no %s%v in the scrape", series.name, series.labels)
		}
	}
	if n, _ := s.Find("village_inbox_refused_total", map[string]string{"reason": "unsigned"}); n != 1 {
		t.Errorf("unsigned refusals: %v, want 1", n)
	}

	// Profiles on the private listener, neither they nor the metrics on
	// the public one.
	if code := getStatus(t, "http://"+metricsAddr+"/debug/pprof/"); code != http.StatusOK {
		t.Errorf("private /debug/pprof/: %d", code)
	}
	for _, path := range []string{"/debug/pprof/", "/metrics"} {
		if code := getStatus(t, v.BaseURL+path); code == http.StatusOK {
			t.Errorf("public %s: %d, want it not served", path, code)
		}
	}

	// The request id on the request's line and on the delivery's.
	var requestLine, deliveryLine bool
	for _, line := range strings.Split(v.Log(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["request_id"] != "proxy-follow-17" {
			continue
		}
		requestLine = requestLine || l["msg"] == "request" && l["path"] == "/users/alice/inbox"
		deliveryLine = deliveryLine || l["msg"] == "delivery: delivered" && l["inbox"] != nil
	}
	if !requestLine || !deliveryLine {
		t.Errorf("JSON lines with the proxy's request id: request %v, delivery %v", requestLine, deliveryLine)
	}
}

// getStatus answers a GET's status, its body read.
func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// freeAddrOn is host with a port free now.
func freeAddrOn(t *testing.T, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
