package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

const addrBacklog = "127.0.0.145:0"

// TestKillingTheServerWithABacklogLosesAndDoublesNothing: with every
// activity deferred (VILLAGE_INBOX_SYNC_APPLIES=0, what a busy server
// does), 200 mentions of alice are answered 202 and the server is killed
// with -9 in the middle of applying them; started again, it applies the
// rest: each post stored once, alice told of each once.
func TestKillingTheServerWithABacklogLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrBacklog,
		Env: map[string]string{"VILLAGE_INBOX_SYNC_APPLIES": "0", "VILLAGE_INBOX_RATE": "100000"}})
	v.User("alice")
	mia := testenv.NewRemote(t, "mia")

	// Hold alice's actor row, which every mention's notification refers
	// to: the backlog's workers wait inside their transactions, so the
	// kill finds them mid-apply however fast the machine applies.
	ctx := context.Background()
	hold, err := v.DB().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `SELECT 1 FROM actors WHERE username = 'alice' AND domain IS NULL FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	alice := v.BaseURL + "/users/alice"
	const posts = 200
	next := make(chan int, posts)
	for i := range posts {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				resp, body := mia.Deliver(alice+"/inbox", testenv.MentioningCreate(mia.ActorID, alice, "alice", i))
				if resp.StatusCode != 202 {
					t.Errorf("post %d: %d %s", i, resp.StatusCode, body)
				}
			}
		}()
	}
	wg.Wait()
	v.Kill()
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	var applied, pending int
	testenv.QueryOne(t, v, &applied, `SELECT count(*) FROM posts WHERE uri LIKE $1`, mia.ActorID+"/statuses/%")
	testenv.QueryOne(t, v, &pending, `SELECT count(*) FROM inbox_activities WHERE pending`)
	if applied+pending != posts {
		t.Fatalf("after kill -9: %d applied and %d pending of %d accepted", applied, pending, posts)
	}
	if pending == 0 {
		t.Fatalf("all %d were applied before the kill; the test proves nothing", posts)
	}
	t.Logf("kill -9 with %d of %d accepted activities pending", pending, posts)

	v.Start()
	testenv.Eventually(t, 2*time.Minute, "every accepted post applied", func() bool {
		var n int
		testenv.QueryOne(t, v, &n, `SELECT count(*) FROM inbox_activities WHERE pending`)
		return n == 0
	})
	var stored, distinct, told int
	testenv.QueryOne(t, v, &stored, `SELECT count(*) FROM posts WHERE uri LIKE $1`, mia.ActorID+"/statuses/%")
	testenv.QueryOne(t, v, &distinct, `SELECT count(DISTINCT uri) FROM posts WHERE uri LIKE $1`, mia.ActorID+"/statuses/%")
	testenv.QueryOne(t, v, &told, `SELECT count(*) FROM notifications n JOIN actors r ON r.id = n.recipient_id
		WHERE r.username = 'alice' AND r.domain IS NULL AND n.type = 'mention'`)
	if stored != posts || distinct != posts || told != posts {
		t.Errorf("posts stored %d (%d distinct), alice told %d times; want %d each", stored, distinct, told, posts)
	}
}
