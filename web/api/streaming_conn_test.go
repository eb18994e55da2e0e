package api

import (
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// A stream whose app stops reading fills its queue and is closed at the
// next message, without the sender waiting: the event loop goes on to
// everyone else at once.
func TestAStreamThatFallsBehindIsClosedWithoutBeingWaitedFor(t *testing.T) {
	tok := &models.Token{ID: 1, Account: &models.Account{ID: 1, Actor: &models.Actor{ID: 7}}}
	for _, sse := range []bool{false, true} {
		c := newStreamConn(tok, sse)
		sub := &streamSub{name: "public"}
		start := time.Now()
		for range streamQueue {
			c.send(sub, "update", `{"id":"1"}`)
		}
		select {
		case <-c.done:
			t.Fatalf("sse=%v: closed with its queue only just full", sse)
		default:
		}
		c.send(sub, "update", `{"id":"2"}`) // one more than it holds
		select {
		case <-c.done:
		default:
			t.Fatalf("sse=%v: a stream with a full queue is still open", sse)
		}
		c.send(sub, "update", `{"id":"3"}`) // sending to a closed stream neither blocks nor panics
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("sse=%v: sending took %v: it must never wait for the app", sse, waited)
		}
		if len(c.out) != streamQueue {
			t.Errorf("sse=%v: %d messages held, want at most %d", sse, len(c.out), streamQueue)
		}
	}
}

// Messages are what Mastodon's apps parse: a WebSocket message is JSON
// with stream, event and the payload as a string; an event stream's is
// an event line, a data line and a blank line.
func TestStreamMessagesAreInMastodonsShape(t *testing.T) {
	tok := &models.Token{ID: 1, Account: &models.Account{ID: 1, Actor: &models.Actor{ID: 7}}}
	tests := []struct {
		name    string
		sse     bool
		sub     *streamSub
		event   string
		payload string
		want    string
	}{
		{"a websocket update", false, &streamSub{name: "hashtag", tag: "park"}, "update", `{"id":"1"}`,
			`{"stream":["hashtag","park"],"event":"update","payload":"{\"id\":\"1\"}"}`},
		{"a websocket list", false, &streamSub{name: "list", list: &models.List{ID: 12}}, "delete", "5",
			`{"stream":["list","12"],"event":"delete","payload":"5"}`},
		{"a websocket filters_changed", false, &streamSub{name: "user"}, "filters_changed", "",
			`{"stream":["user"],"event":"filters_changed"}`},
		{"an event stream", true, &streamSub{name: "user"}, "notification", `{"id":"3"}`,
			"event: notification\ndata: {\"id\":\"3\"}\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newStreamConn(tok, tc.sse)
			c.send(tc.sub, tc.event, tc.payload)
			if got := string(<-c.out); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
