package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/oauth"
)

// streamSub is one stream a connection subscribed to, as Mastodon names
// them: user, user:notification, public, public:local, public:remote
// (each public one also :media), hashtag, hashtag:local, list, direct.
type streamSub struct {
	name string
	tag  string       // hashtag streams: the tag, normalized
	list *models.List // list stream: the list, hers
	// notifications: the user stream also carries notifications (the
	// token may read them).
	notifications bool
}

// key names the subscription within its connection.
func (s *streamSub) key() string {
	switch {
	case s.list != nil:
		return s.name + ":" + strconv.FormatInt(s.list.ID, 10)
	case s.tag != "":
		return s.name + ":" + s.tag
	}
	return s.name
}

// stream is what each message's "stream" field says.
func (s *streamSub) stream() []string {
	switch {
	case s.list != nil:
		return []string{s.name, strconv.FormatInt(s.list.ID, 10)}
	case s.tag != "":
		return []string{s.name, s.tag}
	}
	return []string{s.name}
}

// public reports whether the stream shows the instance's public posts.
func (s *streamSub) public() bool { return strings.HasPrefix(s.name, "public") }

// hashtag reports whether the stream is a hashtag's.
func (s *streamSub) hashtag() bool { return strings.HasPrefix(s.name, "hashtag") }

// streamError is a refusal as Mastodon's streaming server words it.
type streamError struct {
	status int
	msg    string
}

func (e *streamError) Error() string { return e.msg }

func (e *streamError) json() []byte {
	b, _ := json.Marshal(map[string]any{"error": e.msg, "status": e.status})
	return b
}

// publicStreams need no scope, as on Mastodon.
var publicStreams = []string{"public", "public:media", "public:local", "public:local:media",
	"public:remote", "public:remote:media", "hashtag", "hashtag:local"}

// subscription checks that tok may read the stream named, with its tag or
// list, and returns it.
func (h *Handler) subscription(ctx context.Context, tok *models.Token, name, tag, list string) (*streamSub, error) {
	holds := func(scopes ...string) bool {
		for _, s := range scopes {
			if oauth.Grants(tok.Scopes, s) {
				return true
			}
		}
		return false
	}
	known := slices.Contains(publicStreams, name) || slices.Contains([]string{"user", "user:notification", "list", "direct"}, name)
	if !known {
		return nil, &streamError{http.StatusBadRequest, "Unknown stream type"}
	}
	if !slices.Contains(publicStreams, name) {
		needed := "read:statuses"
		if name == "user:notification" {
			needed = "read:notifications"
		}
		if !holds("read", needed) {
			return nil, &streamError{http.StatusUnauthorized, "Access token does not have the required scopes"}
		}
	}
	sub := &streamSub{name: name, notifications: name == "user:notification" || (name == "user" && holds("read", "read:notifications"))}
	switch name {
	case "hashtag", "hashtag:local":
		normalized, err := models.NormalizeTag(tag)
		if tag == "" || err != nil {
			return nil, &streamError{http.StatusBadRequest, "Missing tag name parameter"}
		}
		sub.tag = normalized
	case "list":
		id, err := strconv.ParseInt(list, 10, 64)
		if list == "" || err != nil {
			return nil, &streamError{http.StatusBadRequest, "Missing list name parameter"}
		}
		l, err := models.ListOf(ctx, h.db, tok.Account.Actor.ID, id)
		if errors.Is(err, models.ErrNotFound) {
			return nil, &streamError{http.StatusUnauthorized, "Not authorized to stream this list"}
		}
		if err != nil {
			return nil, err
		}
		sub.list = l
	}
	return sub, nil
}

// streamConn is one app's open stream: its subscriptions, and the
// messages waiting to be written to it.
type streamConn struct {
	accountID int64
	tokenID   int64
	token     *models.Token
	sse       bool // an event stream (one subscription), not a WebSocket

	mu   sync.Mutex
	subs map[string]*streamSub

	out       chan []byte // messages, ready to write
	done      chan struct{}
	closeOnce sync.Once
}

func newStreamConn(tok *models.Token, sse bool) *streamConn {
	return &streamConn{accountID: tok.Account.Actor.ID, tokenID: tok.ID, token: tok, sse: sse,
		subs: map[string]*streamSub{}, out: make(chan []byte, streamQueue), done: make(chan struct{})}
}

// subscribe adds a subscription; one it has already is kept once.
func (c *streamConn) subscribe(s *streamSub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs[s.key()] = s
}

// unsubscribe drops the subscription with s's key.
func (c *streamConn) unsubscribe(s *streamSub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.subs, s.key())
}

// subscriptions lists the connection's subscriptions.
func (c *streamConn) subscriptions() []*streamSub {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*streamSub, 0, len(c.subs))
	for _, s := range c.subs {
		out = append(out, s)
	}
	return out
}

// streamMessage is a WebSocket message as Mastodon sends it: the payload
// is the entity's JSON as a string (a deleted status's id for delete;
// none for filters_changed).
type streamMessage struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload,omitempty"`
}

// send queues event with its payload for the subscription; a connection
// whose queue is full is closed instead of waited for.
func (c *streamConn) send(s *streamSub, event, payload string) {
	var msg []byte
	if c.sse {
		msg = []byte("event: " + event + "\ndata: " + payload + "\n\n")
	} else {
		msg, _ = json.Marshal(streamMessage{Stream: s.stream(), Event: event, Payload: payload})
	}
	c.queue(msg)
}

// queue adds a message ready to write, or closes a connection that fell
// too far behind.
func (c *streamConn) queue(msg []byte) {
	select {
	case <-c.done:
	case c.out <- msg:
	default:
		c.close()
	}
}

// close ends the stream; its writer sees done and stops.
func (c *streamConn) close() {
	c.closeOnce.Do(func() { close(c.done) })
}
