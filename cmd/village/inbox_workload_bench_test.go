package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
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

const (
	addrPinnedBench = "127.0.0.146:0"
	addrPinnedPeer  = "127.0.0.147:0" // where the new followers' documents are served
)

// BenchmarkInboxPinned measures the inbox as issue 12 measured it from
// outside: `village serve` a process of its own, pinned to one core with
// GOMAXPROCS=1, and the senders in this process pinned to the other
// (PostgreSQL may run on either), 16 kept-alive connections, after a
// warm-up. Each sub-benchmark reports the rate of 202s (each activity
// stored durably before its answer), p50 and p99, then the rate until
// every one is applied, and its floor measured in the same run.
//
//   - mention: signed Create{Note}s from 50 remote authors whose keys
//     Village holds, each mentioning alice, to her inbox; applied = her
//     post and her notification stored. Floor 1 / (1/RSA-verify +
//     1/single insert).
//
//   - follow: Follows of a group by actors Village has never seen, whose
//     documents this process serves on 127.0.0.147: each is fetched with
//     a signed GET, stored, and followed; applied = the follow accepted
//     and its Accept queued. Floor 1 / (1/RSA-verify + 1/RSA-sign (the
//     GET's signature) + 1/single insert).
//
//     go test -tags testpasswords ./cmd/village -run '^$' -bench InboxPinned -benchtime 10000x
func BenchmarkInboxPinned(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("needs two cores: one for Village, one for the senders")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("mention", func(b *testing.B) {
		v := pinnedVillage(b)
		authors := storeAuthors(b, v.DatabaseURL, &key.PublicKey)
		alice := v.BaseURL + "/users/alice"
		runPinned(b, v, key, func(i int) (string, string, map[string]any) {
			author := authors[i%len(authors)]
			return alice + "/inbox", author, testenv.MentioningCreate(author, alice, "alice", i)
		}, `SELECT count(*) FROM posts p JOIN notifications n ON n.post_id = p.id AND n.type = 'mention'`,
			map[string]float64{"rsa-verify/s": testenv.RSAVerifyRate(b, key), "insert/s": pinnedInsertRate(b, v)})
	})
	b.Run("follow", func(b *testing.B) {
		v := pinnedVillage(b)
		v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents")
		peer := testenv.ActorServer(b, addrPinnedPeer, &key.PublicKey).URL
		group := v.BaseURL + "/groups/park_slope"
		runPinned(b, v, key, func(i int) (string, string, map[string]any) {
			actor := fmt.Sprintf("%s/users/f%d", peer, i)
			return group + "/inbox", actor, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": actor + "/follows/1", "type": "Follow", "actor": actor, "object": group}
		}, `SELECT count(*) FROM follows WHERE state = 'accepted'`,
			map[string]float64{"rsa-verify/s": testenv.RSAVerifyRate(b, key), "rsa-sign/s": testenv.RSASignRate(b, key), "insert/s": pinnedInsertRate(b, v)})
	})
}

// pinnedVillage starts Village on one core, this process on the other,
// with alice.
func pinnedVillage(b *testing.B) *testenv.Village {
	b.Helper()
	v := testenv.StartVillage(b, testenv.VillageOptions{Addr: addrPinnedBench,
		Env: map[string]string{"GOMAXPROCS": "1", "VILLAGE_INBOX_RATE": "100000000"}})
	pin(b, v.Pid(), "1")
	pin(b, os.Getpid(), "0")
	b.Cleanup(func() { pin(b, os.Getpid(), "0-"+strconv.Itoa(runtime.NumCPU()-1)) })
	v.User("alice")
	return v
}

// runPinned warms v up, then times b.N activities: activity(i) is where
// to POST, the signing actor and the activity; applied counts those
// applied (a query answering one number).
func runPinned(b *testing.B, v *testenv.Village, key *rsa.PrivateKey, activity func(i int) (string, string, map[string]any),
	applied string, floorRates map[string]float64) {
	b.Helper()
	sent := 0
	requests := func(n int) []*http.Request {
		reqs := make([]*http.Request, n)
		for i := range reqs {
			inbox, actor, a := activity(sent)
			sent++
			reqs[i] = signedPOST(b, inbox, actor, key, a)
		}
		return reqs
	}
	count := func() int {
		var n int
		testenv.QueryOne(b, v, &n, applied)
		return n
	}
	waitApplied := func(want int) {
		testenv.Eventually(b, 10*time.Minute, "every activity applied", func() bool { return count() >= want })
	}
	// Warm: every connection of the pool open, statements prepared.
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

	perOne := 0.0
	for unit, r := range floorRates {
		b.ReportMetric(r, unit)
		perOne += 1 / r
	}
	b.ReportMetric(1/perOne, "floor/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()*perOne, "of-floor")
}

// signedPOST is activity POSTed to inbox, signed by actor's key
// (actor#main-key) before the clock starts: signing is the sender's cost.
func signedPOST(b *testing.B, inbox, actor string, key *rsa.PrivateKey, activity map[string]any) *http.Request {
	b.Helper()
	body, err := json.Marshal(activity)
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signature.SignRequest(req, body, actor+"#main-key", key, time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

// pin sets the CPU affinity of every thread of process pid.
func pin(b *testing.B, pid int, cpus string) {
	b.Helper()
	if out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(pid)).CombinedOutput(); err != nil {
		b.Fatalf("taskset %s %d: %v\n%s", cpus, pid, err, out)
	}
}

// pinnedInsertRate is testenv.SingleInsertRate on v's database.
func pinnedInsertRate(b *testing.B, v *testenv.Village) float64 {
	db, err := models.Open(context.Background(), v.DatabaseURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	return testenv.SingleInsertRate(b, db)
}
