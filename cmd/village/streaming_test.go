package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrStreamA       = "127.0.0.162:0"
	addrStreamB       = "127.0.0.163:0"
	addrStreamASecond = "127.0.0.164:0"
)

// awaitEvent waits for the first event that pick accepts, skipping the
// others, and fails the test after limit.
func awaitEvent(t *testing.T, events chan mastodon.Event, limit time.Duration, what string, pick func(mastodon.Event) bool) mastodon.Event {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended while waiting for %s", what)
			}
			if pick(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s within %v", what, limit)
		}
	}
}

// An app on a Mastodon client library streams alice's home: a post of
// someone she follows on another instance arrives as an update, a mention
// as a notification, over the WebSocket and the event stream alike; and
// a second `village serve` process on the same database (what a bigger
// instance runs) tells her stream, open on the first, of a post made
// through it.
func TestStreamingThroughAMastodonClientLibrary(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrStreamA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrStreamB})
	alice, bob := a.User("alice"), b.User("bob")
	a.User("carol")
	second := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrStreamASecond, DatabaseURL: a.DatabaseURL,
		Env: map[string]string{"VILLAGE_DOMAIN": a.Addr}})
	carolOnSecond := second.ClientFor("carol")

	bobOnA := testenv.Resolve(t, alice, "@bob@"+b.Addr)
	alice.Post("/api/v1/accounts/"+bobOnA.ID+"/follow", nil, nil)
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "carol").ID+"/follow", nil, nil)
	testenv.Eventually(t, 30*time.Second, "bob's Accept", func() bool { return testenv.RelationshipOf(t, alice, bobOnA.ID).Following })

	mc, ctx := mastodonClient(t, alice)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var instance struct {
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	alice.Get("/api/v2/instance", &instance)
	if want := "ws://" + a.Addr; instance.Configuration.URLs.Streaming != want {
		t.Errorf("configuration.urls.streaming = %q, want %q", instance.Configuration.URLs.Streaming, want)
	}
	socket := must[chan mastodon.Event](t, "the WebSocket")(mc.NewWSClient().StreamingWSUser(ctx))
	sse := must[chan mastodon.Event](t, "the event stream")(mc.StreamingUser(ctx))

	// The library connects in the background: carol posts through the
	// second process until both streams, open on the first, show it.
	isFrom := func(text string) func(mastodon.Event) bool {
		return func(e mastodon.Event) bool {
			u, ok := e.(*mastodon.UpdateEvent)
			return ok && strings.Contains(u.Status.Content, text)
		}
	}
	for name, events := range map[string]chan mastodon.Event{"WebSocket": socket, "event stream": sse} {
		seen := false
		for i := 0; i < 30 && !seen; i++ {
			carolOnSecond.Post("/api/v1/statuses", url.Values{"status": {"through the second process"}}, nil)
			select {
			case e := <-events:
				seen = isFrom("through the second process")(e)
			case <-time.After(time.Second):
			}
		}
		if !seen {
			t.Fatalf("the %s on the first process never showed carol's post made through the second", name)
		}
	}
	// Drain what the warm-up left: each stream then starts clean.
	for _, events := range []chan mastodon.Event{socket, sse} {
		for drained := false; !drained; {
			select {
			case <-events:
			case <-time.After(2 * time.Second):
				drained = true
			}
		}
	}

	// A followed account on another instance posts: both streams show it.
	posted := time.Now()
	testenv.PostStatus(t, bob, url.Values{"status": {"hello from the other village"}})
	awaitEvent(t, socket, 30*time.Second, "bob's post on the WebSocket", isFrom("hello from the other village"))
	t.Logf("bob's post on B reached alice's WebSocket on A in %v (federation included)", time.Since(posted).Round(time.Millisecond))
	awaitEvent(t, sse, 30*time.Second, "bob's post on the event stream", isFrom("hello from the other village"))

	// A mention from the other instance: a notification, on both.
	testenv.PostStatus(t, bob, url.Values{"status": {"@alice@" + a.Addr + " are you coming?"}})
	for name, events := range map[string]chan mastodon.Event{"WebSocket": socket, "event stream": sse} {
		e := awaitEvent(t, events, 30*time.Second, "the mention's notification on the "+name, func(e mastodon.Event) bool {
			_, ok := e.(*mastodon.NotificationEvent)
			return ok
		})
		n := e.(*mastodon.NotificationEvent).Notification
		if n.Type != "mention" || n.Account.Acct != "bob@"+b.Addr || n.Status == nil || !strings.Contains(n.Status.Content, "are you coming?") {
			t.Errorf("the %s's notification: %s from %s about %+v", name, n.Type, n.Account.Acct, n.Status)
		}
	}
}
