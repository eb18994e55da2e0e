package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

// BenchmarkActorReads measures the design's read budget: a person's actor
// document (GET /users/alice, application/activity+json) served by the
// real handler stack (every middleware, the request log formatted) from
// PostgreSQL and its one-second document cache, beside a bare Echo handler
// answering the same bytes from memory, both through real HTTP with eight
// readers at once, interleaved in the same run. It reports each one's rate
// and p99 latency, and the ratio of the rates (budget: 0.5 or more).
func BenchmarkActorReads(b *testing.B) {
	ctx := context.Background()
	db := testenv.DB(b)
	urls := federation.NewURLs("http://127.0.0.2:8080")
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1"}); err != nil {
		b.Fatal(err)
	}
	// Its request log is formatted as in production, then dropped.
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	village := httptest.NewServer(web.New(web.Options{DB: db, URLs: urls, Logger: logger}))
	defer village.Close()
	doc := readOnce(b, village.URL+"/users/alice")

	bare := echo.New()
	bare.GET("/users/:name", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/activity+json", doc)
	})
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	const readers = 8
	var ours, theirs readStats
	b.ResetTimer()
	for range 3 { // interleaved, so both see the same machine
		theirs.add(readMany(b, bareSrv.URL+"/users/alice", b.N, readers))
		ours.add(readMany(b, village.URL+"/users/alice", b.N, readers))
	}
	b.StopTimer()
	b.ReportMetric(ours.rate(), "village-reads/s")
	b.ReportMetric(theirs.rate(), "bare-echo-reads/s")
	b.ReportMetric(ours.rate()/theirs.rate(), "of-bare")
	b.ReportMetric(float64(ours.p99().Microseconds()), "village-p99-µs")
	b.ReportMetric(float64(theirs.p99().Microseconds()), "bare-p99-µs")
}

// readOnce fetches an actor document as a server would, checking it is one.
func readOnce(b *testing.B, url string) []byte {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") == "" {
		b.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// readStats gathers the reads of several rounds.
type readStats struct {
	n         int
	elapsed   time.Duration
	latencies []time.Duration
}

func (s *readStats) add(r readStats) {
	s.n += r.n
	s.elapsed += r.elapsed
	s.latencies = append(s.latencies, r.latencies...)
}

func (s *readStats) rate() float64 { return float64(s.n) / s.elapsed.Seconds() }

func (s *readStats) p99() time.Duration {
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l[len(l)*99/100]
}

// readMany GETs url n times with readers at once, each on a kept-alive
// connection, and times every request.
func readMany(b *testing.B, url string, n, readers int) readStats {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: readers}}
	defer client.CloseIdleConnections()
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, n)
		wg        sync.WaitGroup
		failure   error
	)
	start := time.Now()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/readers+1)
			for range next {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Accept", "application/activity+json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failure = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if failure != nil {
		b.Fatalf("GET %s: %v", url, failure)
	}
	return readStats{n: n, elapsed: time.Since(start), latencies: latencies}
}
