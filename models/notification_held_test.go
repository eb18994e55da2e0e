package models_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// A notification its recipient's policy holds back (a stranger's private
// mention, by default) reaches no device: no push is queued for it and no
// stream hears of it, while a friend's that follows is both.
func TestAHeldBackNotificationIsNeitherPushedNorStreamed(t *testing.T) {
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, friend, stranger := f.Alice(t), f.Person(t, "bob"), f.Maria(t)
	f.Follow(t, alice, friend)
	acc, err := models.AccountByUsername(ctx, f.DB, "alice")
	if err != nil {
		t.Fatal(err)
	}
	token, err := models.CreateToken(ctx, f.DB, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := models.TokenByValue(ctx, f.DB, token)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.SavePushSubscription(ctx, f.DB, &models.PushSubscription{ActorID: alice.ID, TokenID: &tok.ID,
		AccessToken: token, Endpoint: "https://push.example/alice", P256dh: "key", Auth: "secret",
		Alerts: []string{models.NotifyMention}, Policy: models.PushPolicyAll}); err != nil {
		t.Fatal(err)
	}
	if err := models.MarkStreamListening(ctx, f.DB, "this test"); err != nil {
		t.Fatal(err)
	}
	conn, err := f.DB.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN village_stream"); err != nil {
		t.Fatal(err)
	}

	mention := func(from *models.Actor, n int) int64 {
		t.Helper()
		p := &models.Post{URI: "https://example.test/direct/" + strconv.Itoa(n), AuthorID: from.ID, Type: "Note", Visibility: "direct"}
		if _, err := models.InsertPost(ctx, f.DB, p); err != nil {
			t.Fatal(err)
		}
		if err := models.Notify(ctx, f.DB, alice.ID, models.NotifyMention, from.ID, &p.ID, nil); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := f.DB.QueryRow(ctx, `SELECT id FROM notifications WHERE post_id = $1`, p.ID).Scan(&id); err != nil {
			t.Fatalf("the mention was not stored: %v", err)
		}
		return id
	}
	pushes := func(notification int64) (n int) {
		t.Helper()
		if err := f.DB.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'web_push'
			AND args->>'notification_id' = $1`, strconv.FormatInt(notification, 10)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	held := mention(stranger, 1)
	shown := mention(friend, 2)
	if got := pushes(held); got != 0 {
		t.Errorf("%d pushes queued for the held-back mention, want none", got)
	}
	if got := pushes(shown); got != 1 {
		t.Errorf("%d pushes queued for the friend's mention, want 1", got)
	}
	// The posts' own events come first; the first notification event must
	// be the friend's.
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		n, err := conn.Conn().WaitForNotification(waitCtx)
		if err != nil {
			t.Fatalf("no notification event for the friend's mention: %v", err)
		}
		e, err := models.ParseStreamEvent(n.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != models.StreamNotification {
			continue
		}
		if e.ID != shown {
			t.Fatalf("the stream heard of notification %d, want only the friend's %d (never the held-back %d)", e.ID, shown, held)
		}
		return
	}
}
