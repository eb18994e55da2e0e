package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// running starts p's backlog runner until the test ends.
func running(t *testing.T, p *inbox.Processor) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.RunBacklog(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	testenv.Eventually(t, 10*time.Second, "the runner runs", p.BacklogRunning)
}

// receive hands Receive an activity, as the inbox handler does, and
// fails unless it is accepted (stored, applied now or later).
func (e *env) receive(t *testing.T, signer *models.Actor, activity map[string]any) {
	t.Helper()
	body, err := json.Marshal(activity)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.inbox.Receive(context.Background(), signer, body); err != nil {
		t.Fatalf("%s %s: %v", activity["type"], activity["id"], err)
	}
}

// count runs a counting query on the test's database.
func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) pending(t *testing.T) int {
	t.Helper()
	n, err := models.PendingInboxActivities(context.Background(), e.DB)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReceiveWithoutARunnerAppliesAtOnce(t *testing.T) {
	e, moms, maria, _ := newGroupEnv(t)
	e.inbox.WithSyncApplies(0) // would defer everything, were a runner running
	n := e.note(maria, "Park at four?", moms)
	e.receive(t, maria, create(maria, n))
	if e.post(t, n["id"].(string)) == nil {
		t.Fatal("the post is not stored when Receive returns, with no runner to apply it later")
	}
	if got := e.pending(t); got != 0 {
		t.Errorf("%d activities pending, want 0", got)
	}
}

func TestABusyInboxStoresActivitiesAndTheRunnerAppliesThemOnce(t *testing.T) {
	e, moms, maria, lou := newGroupEnv(t)
	e.inbox.WithSyncApplies(0) // every activity that changes something is deferred
	running(t, e.inbox)

	// Sent at once, as a busy server receives them: stored in batches by
	// the runner's inserter, each sent twice (a replay while it waits or
	// after).
	const posts = 20
	var notes []map[string]any
	var wg sync.WaitGroup
	for i := range posts {
		author := []*models.Actor{maria, lou}[i%2]
		n := e.note(author, fmt.Sprintf("Park at four? (%d)", i), moms)
		notes = append(notes, n)
		for range 2 {
			body, err := json.Marshal(create(author, n))
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				if err := e.inbox.Receive(context.Background(), author, body); err != nil {
					t.Errorf("post %d: %v", i, err)
				}
			})
		}
	}
	wg.Wait()

	testenv.Eventually(t, 10*time.Second, "the backlog is applied", func() bool { return e.pending(t) == 0 })
	for _, n := range notes {
		if got := e.count(t, `SELECT count(*) FROM posts WHERE uri = $1`, n["id"]); got != 1 {
			t.Errorf("%d posts for %s, sent twice, want 1", got, n["id"])
		}
		if got := e.count(t, `SELECT count(*) FROM inbox_activities WHERE activity_uri = $1`, n["id"].(string)+"/activity"); got != 1 {
			t.Errorf("its Create recorded %d times, want once", got)
		}
	}
	// Their shares to the group's followers were queued, as when applied at once.
	if got := e.count(t, `SELECT count(DISTINCT args->>'activity_id') FROM river_job WHERE args->>'activity_id' IS NOT NULL`); got < posts {
		t.Errorf("the group's shares of %d deferred posts queued, want %d", got, posts)
	}
}

func TestTheBacklogIsAppliedInArrivalOrder(t *testing.T) {
	e, moms, maria, _ := newGroupEnv(t)
	ctx := context.Background()
	n := e.note(maria, "Park at four?", moms)
	// A Create and the Delete that follows it, both waiting: applied the
	// other way round, the Delete finds nothing and the post stays.
	for _, activity := range []map[string]any{create(maria, n), e.activity(maria, "Delete", n["id"])} {
		body, err := json.Marshal(activity)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.DeferInboxActivity(ctx, e.DB, activity["id"].(string), activity["type"].(string), maria.ID, body, ""); err != nil {
			t.Fatal(err)
		}
	}
	running(t, e.inbox)
	testenv.Eventually(t, 10*time.Second, "the backlog is applied", func() bool { return e.pending(t) == 0 })
	if got := e.count(t, `SELECT count(*) FROM posts WHERE uri = $1 AND deleted_at IS NULL`, n["id"]); got != 0 {
		t.Error("the post is shown: its Delete was applied before its Create")
	}
	if got := e.count(t, `SELECT count(*) FROM inbox_activities WHERE activity_uri LIKE $1 AND NOT pending AND attempts = 0`, maria.URI+"%"); got != 2 {
		t.Errorf("%d of maria's activities applied without a failure, want 2", got)
	}
}

func TestAnActivityAcceptedAndThenRefusedIsLoggedAndFinishedNotRetried(t *testing.T) {
	e, moms, maria, lou := newGroupEnv(t)
	n, stored := e.posted(t, lou, moms) // applied at once: no runner yet
	if stored == nil {
		t.Fatal("lou's post was not stored")
	}
	e.inbox.WithSyncApplies(0)
	running(t, e.inbox)
	// maria may not delete lou's post: applied now, this is a 403; from the
	// backlog, the sender has had its 202 already.
	e.receive(t, maria, e.activity(maria, "Delete", n["id"]))
	testenv.Eventually(t, 10*time.Second, "the refused Delete is finished", func() bool { return e.pending(t) == 0 })
	if e.post(t, n["id"].(string)) == nil {
		t.Error("a refused Delete removed lou's post")
	}
	if got := e.count(t, `SELECT count(*) FROM inbox_activities WHERE type = 'Delete' AND NOT pending AND attempts = 0`); got != 1 {
		t.Errorf("%d finished Deletes with no failed attempt, want 1 (a refusal is not retried)", got)
	}
}

// What a process stored and did not apply before it died (kill -9 after
// the 202) is applied by the next runner; with two runners on one
// database, as with two processes, each activity is applied once.
func TestPendingActivitiesLeftByADeadProcessAreAppliedOnceByTwoRunners(t *testing.T) {
	e, moms, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	const posts = 40
	var ids []string
	for i := range posts {
		author := maria
		if i%2 == 1 {
			author = lou
		}
		n := e.note(author, fmt.Sprintf("Swap of kids' clothes, box %d", i), moms)
		activity := create(author, n)
		body, err := json.Marshal(activity)
		if err != nil {
			t.Fatal(err)
		}
		// What Receive stores before its 202, without the process that
		// would have applied it.
		if fresh, err := models.DeferInboxActivity(ctx, e.DB, activity["id"].(string), "Create", author.ID, body, ""); err != nil || !fresh {
			t.Fatalf("storing %d: fresh %v, %v", i, fresh, err)
		}
		ids = append(ids, n["id"].(string))
	}
	if got := e.pending(t); got != posts {
		t.Fatalf("%d pending, want %d", got, posts)
	}
	running(t, e.inbox)
	running(t, e.otherProcess(t))
	testenv.Eventually(t, 10*time.Second, "every pending activity is applied", func() bool { return e.pending(t) == 0 })
	for _, id := range ids {
		if got := e.count(t, `SELECT count(*) FROM posts WHERE uri = $1`, id); got != 1 {
			t.Errorf("%s stored %d times, want once", id, got)
		}
	}
	if got := e.count(t, `SELECT count(*) FROM inbox_activities WHERE pending OR attempts > 0`); got != 0 {
		t.Errorf("%d activities still pending or failed once", got)
	}
}

// otherProcess is a second processor on e's database, as another
// process's.
func (e *env) otherProcess(t *testing.T) *inbox.Processor {
	t.Helper()
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		UserAgent: "Village/inbox-test", Timeout: 5 * time.Second})
	t.Cleanup(client.CloseIdleConnections)
	resolver := federation.NewResolver(e.DB, e.URLs, client, federation.ResolverOptions{Scheme: "http", Logger: testenv.Logger(t)})
	return inbox.New(e.DB, e.URLs, resolver, e.outbox, federation.NewAuthenticator(resolver), testenv.Logger(t))
}

// A database that is down (here: a closed pool) makes the runner wait for
// its next poll, not crash the process.
func TestTheRunnerOutlivesADatabaseThatIsDown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, e.DB.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	pool.Close()
	client := fetch.New(fetch.Options{UserAgent: "Village/inbox-test", Timeout: time.Second})
	resolver := federation.NewResolver(pool, e.URLs, client, federation.ResolverOptions{Scheme: "http"})
	p := inbox.New(pool, e.URLs, resolver, e.outbox, nil, testenv.Logger(t))
	running(t, p)
	time.Sleep(2500 * time.Millisecond) // two polls, each claim failing
	if !p.BacklogRunning() {
		t.Error("the runner stopped when the database was down")
	}
}
