package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// The benchmark's balancer and processes, and the host its remote
// authors are said to live on (nothing listens there: their keys are
// stored before the clock starts, as after a first fetch).
const (
	addrBenchBalancer = "127.0.0.132:0"
	benchRemoteHost   = "127.0.0.135:9"
	benchAuthors      = 50
	benchConnections  = 16
)

var addrBenchProcesses = []string{"127.0.0.133:0", "127.0.0.134:0"}

// BenchmarkBalancer measures Village through HAProxy with one web process
// behind it and with two, on one database (no worker: nothing here is
// delivered): signed Create{Note}s from 50
// known remote authors, each mentioning a local member, POSTed to her
// inbox (each stored before its 202, and applied with her notification
// then or, under this load, from the inbox's backlog), and reads
// of her actor document, from 16 kept-alive connections. The senders,
// HAProxy, PostgreSQL and every Village process share the machine's cores.
//
//	go test -tags testpasswords ./cmd/village -run '^$' -bench Balancer -benchtime 2000x
func BenchmarkBalancer(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	for n := 1; n <= len(addrBenchProcesses); n++ {
		b.Run(fmt.Sprintf("processes=%d", n), func(b *testing.B) {
			procs := make([]testenv.VillageOptions, n)
			for i := range procs {
				procs[i] = testenv.VillageOptions{Addr: addrBenchProcesses[i], Role: "web"}
			}
			inst := testenv.StartBalanced(b, testenv.BalancedOptions{Addr: addrBenchBalancer, Web: procs,
				Env: map[string]string{"VILLAGE_INBOX_RATE": "100000000"}})
			inst.Web[0].Admin("admin", "user", "create", "alice", "--password", "password-alice")
			authors := storeAuthors(b, inst.DatabaseURL, &key.PublicKey)
			alice := inst.BaseURL + "/users/alice"
			sent := 0

			b.Run("inbox", func(b *testing.B) {
				reqs := make([]*http.Request, b.N)
				for i := range reqs {
					sent++
					author := authors[sent%len(authors)]
					reqs[i] = signedPOST(b, alice+"/inbox", author, key, testenv.MentioningCreate(author, alice, "alice", sent))
				}
				b.ResetTimer()
				latencies := sendAll(b, reqs, http.StatusAccepted)
				b.StopTimer()
				reportRate(b, latencies, "activities/s")
			})
			// Under this load they wait in the inbox's backlog after their
			// 202 (inbox/backlog.go): every one is applied in time.
			testenv.Eventually(b, 5*time.Minute, "every accepted post stored", func() bool {
				var stored int
				testenv.QueryOne(b, inst.Web[0], &stored, `SELECT count(*) FROM posts p JOIN actors a ON a.id = p.author_id WHERE a.domain = $1`, benchRemoteHost)
				return stored == sent
			})

			b.Run("actor", func(b *testing.B) {
				reqs := make([]*http.Request, b.N)
				for i := range reqs {
					req, err := http.NewRequest(http.MethodGet, alice, nil)
					if err != nil {
						b.Fatal(err)
					}
					req.Header.Set("Accept", "application/activity+json")
					reqs[i] = req
				}
				b.ResetTimer()
				latencies := sendAll(b, reqs, http.StatusOK)
				b.StopTimer()
				reportRate(b, latencies, "reads/s")
			})
		})
	}
}

// storeAuthors stores the remote authors with their key, as Village would
// after fetching each once, and returns their actor ids.
func storeAuthors(b *testing.B, databaseURL string, pub *rsa.PublicKey) []string {
	b.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, databaseURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		b.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	var out []string
	for i := range benchAuthors {
		uri := fmt.Sprintf("http://%s/users/u%d", benchRemoteHost, i)
		if _, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: fmt.Sprintf("u%d", i),
			Domain: benchRemoteHost, URI: uri, InboxURL: uri + "/inbox", SharedInboxURL: "http://" + benchRemoteHost + "/inbox",
			FollowersURL: uri + "/followers", PublicKeyID: uri + "#main-key", PublicKeyPEM: pemKey}); err != nil {
			b.Fatal(err)
		}
		out = append(out, uri)
	}
	return out
}

// sendAll sends the requests from benchConnections kept-alive
// connections, failing on any other status than want, and returns each
// request's latency, sorted.
func sendAll(b *testing.B, reqs []*http.Request, want int) []time.Duration {
	b.Helper()
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: benchConnections}}
	defer client.CloseIdleConnections()
	latencies := make([]time.Duration, len(reqs))
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range benchConnections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				start := time.Now()
				resp, err := client.Do(reqs[i])
				if err != nil {
					failed.CompareAndSwap(nil, err.Error())
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				latencies[i] = time.Since(start)
				if resp.StatusCode != want {
					failed.CompareAndSwap(nil, fmt.Sprintf("%s %s: %d %s", reqs[i].Method, reqs[i].URL, resp.StatusCode, body))
					return
				}
			}
		}()
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	return latencies
}

// reportRate reports requests per second of the timed run, and p50 and p99.
func reportRate(b *testing.B, latencies []time.Duration, unit string) {
	b.ReportMetric(float64(len(latencies))/b.Elapsed().Seconds(), unit)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
}
