package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

const addrPinnedBench = "127.0.0.146:0"

// BenchmarkInboxPinned measures the inbox as issue 12 measured it from
// outside: `village serve` a process of its own, pinned to one core with
// GOMAXPROCS=1, and the senders in this process pinned to the other
// (PostgreSQL may run on either). Signed Create{Note}s from 50 remote
// authors whose keys Village holds, each mentioning alice, POSTed to her
// inbox over 16 kept-alive connections after a warm-up. It reports the
// rate of 202s (each activity stored durably before its answer), p50 and
// p99, then the rate until every one is applied (her post and her
// notification stored), and the floor 1 / (1/RSA-verify + 1/single insert)
// measured in the same run.
//
//	go test -tags testpasswords ./cmd/village -run '^$' -bench InboxPinned -benchtime 10000x
func BenchmarkInboxPinned(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("needs two cores: one for Village, one for the senders")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	v := testenv.StartVillage(b, testenv.VillageOptions{Addr: addrPinnedBench,
		Env: map[string]string{"GOMAXPROCS": "1", "VILLAGE_INBOX_RATE": "100000000"}})
	pin(b, v.Pid(), "1")
	pin(b, os.Getpid(), "0")
	b.Cleanup(func() { pin(b, os.Getpid(), "0-"+strconv.Itoa(runtime.NumCPU()-1)) })
	v.User("alice")
	authors := storeAuthors(b, v.DatabaseURL, &key.PublicKey)
	alice := v.BaseURL + "/users/alice"
	sent := 0
	requests := func(n int) []*http.Request {
		reqs := make([]*http.Request, n)
		for i := range reqs {
			sent++
			author := authors[sent%len(authors)]
			body, err := json.Marshal(testenv.MentioningCreate(author, alice, "alice", sent))
			if err != nil {
				b.Fatal(err)
			}
			req, err := http.NewRequest(http.MethodPost, alice+"/inbox", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/activity+json")
			if err := signature.SignRequest(req, body, author+"#main-key", key, time.Now()); err != nil {
				b.Fatal(err)
			}
			reqs[i] = req
		}
		return reqs
	}
	applied := func() int {
		var n int
		testenv.QueryOne(b, v, &n, `SELECT count(*) FROM posts p JOIN notifications n ON n.post_id = p.id AND n.type = 'mention'`)
		return n
	}
	waitApplied := func(want int) {
		for deadline := time.Now().Add(10 * time.Minute); applied() < want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d applied after ten minutes", applied(), want)
			}
		}
	}
	// Warm: every connection of the pool open, statements prepared, keys in memory.
	sendAll(b, requests(8*benchConnections), http.StatusAccepted)
	waitApplied(sent)

	reqs := requests(b.N)
	b.ResetTimer()
	start := time.Now()
	latencies := sendAll(b, reqs, http.StatusAccepted)
	b.StopTimer()
	reportRate(b, latencies, "accepted/s")
	waitApplied(sent)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "applied/s")

	verify, insert := rsaVerifyRate(b, key), singleInsertRate(b, v)
	floor := 1 / (1/verify + 1/insert)
	b.ReportMetric(verify, "rsa-verify/s")
	b.ReportMetric(insert, "insert/s")
	b.ReportMetric(floor, "floor/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/floor, "of-floor")
}

// pin sets the CPU affinity of every thread of process pid.
func pin(b *testing.B, pid int, cpus string) {
	b.Helper()
	if out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(pid)).CombinedOutput(); err != nil {
		b.Fatalf("taskset %s %d: %v\n%s", cpus, pid, err, out)
	}
}

// rsaVerifyRate measures RSA-2048 PKCS#1 v1.5 SHA-256 verifications per
// second on this process's core.
func rsaVerifyRate(b *testing.B, key *rsa.PrivateKey) float64 {
	digest := sha256.Sum256([]byte("measure"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	const n = 2000
	start := time.Now()
	for range n {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
	return n / time.Since(start).Seconds()
}

// singleInsertRate measures single-row inserts per second, each its own
// transaction, on the instance's database, into a table shaped like
// inbox_activities.
func singleInsertRate(b *testing.B, v *testenv.Village) float64 {
	ctx := context.Background()
	db, err := models.Open(ctx, v.DatabaseURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		uri text UNIQUE NOT NULL, body jsonb NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	const n = 2000
	start := time.Now()
	for i := range n {
		if _, err := db.Exec(ctx, `INSERT INTO bench_rows (uri, body) VALUES ($1, $2)`,
			fmt.Sprintf("row-%d-%d", start.UnixNano(), i), `{"type":"Create"}`); err != nil {
			b.Fatal(err)
		}
	}
	return n / time.Since(start).Seconds()
}
