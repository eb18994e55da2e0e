package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/village-social/village/models"
)

// The streaming API (Mastodon's /api/v1/streaming): apps keep a WebSocket
// or an event stream open and hear of new posts, edits, deletions,
// notifications and conversations as they happen. What happens reaches
// every `village serve` process through PostgreSQL (the triggers of
// migration 029 and LISTEN), so an app connected to one process hears of
// a post made through another. Each process keeps only its own
// connections: a connection's subscriptions, and a bounded queue of what
// it has yet to send; a connection whose queue is full is closed, so one
// slow app never holds the others back.

// Limits of the streaming API.
const (
	// streamQueue is how many messages a connection may have waiting;
	// an app that falls this far behind is disconnected (it reconnects
	// and reads what it missed from the REST API, as apps do).
	streamQueue = 256
	// maxStreamsPerAccount bounds the connections of one account in one
	// process; maxStreams, of everyone.
	maxStreamsPerAccount = 64
	maxStreams           = 20000
	// streamBeat is how often a process with streams says so (the
	// triggers stop after two minutes without it) and checks that the
	// streams' tokens are still live.
	streamBeat = 30 * time.Second
	// streamWriteTimeout bounds one write to an app.
	streamWriteTimeout = 10 * time.Second
	// streamEventTimeout bounds the work of telling everyone of one event.
	streamEventTimeout = 15 * time.Second
)

// streams is the streaming API of this process.
type streams struct {
	h       *Handler
	logger  *slog.Logger
	process string // this process's name in stream_listeners
	// upgrader makes WebSockets: any origin (apps in browsers, such as
	// Elk, connect from their own; the token, not a cookie, says who
	// calls), write buffers shared between connections.
	upgrader websocket.Upgrader

	mu        sync.Mutex
	conns     map[*streamConn]struct{}
	perAcct   map[int64]int
	listening bool // stream_listeners has this process
	stopped   bool // the process is stopping: no new streams
}

func newStreams(h *Handler, logger *slog.Logger) *streams {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &streams{h: h, logger: logger, process: hex.EncodeToString(b[:]),
		upgrader: websocket.Upgrader{
			ReadBufferSize:  1024,
			WriteBufferSize: 4096,
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     func(*http.Request) bool { return true },
		},
		conns: map[*streamConn]struct{}{}, perAcct: map[int64]int{}}
}

// errStreamLimit: too many streams, of one account or of everyone.
type errStreamLimit struct{ reason string }

func (e errStreamLimit) Error() string { return e.reason }

// add registers a new connection; the first one marks this process as
// listening before it returns, so that nothing after the connection
// opens is missed.
func (s *streams) add(ctx context.Context, c *streamConn) error {
	s.mu.Lock()
	switch {
	case s.stopped:
		s.mu.Unlock()
		return errStreamLimit{"The server is restarting"}
	case len(s.conns) >= maxStreams:
		s.mu.Unlock()
		return errStreamLimit{"Too many streams on this server"}
	case s.perAcct[c.accountID] >= maxStreamsPerAccount:
		s.mu.Unlock()
		return errStreamLimit{"Too many streams for this account"}
	}
	s.conns[c] = struct{}{}
	s.perAcct[c.accountID]++
	mark := !s.listening
	s.listening = true
	s.mu.Unlock()
	if mark {
		if err := models.MarkStreamListening(ctx, s.h.db, s.process); err != nil {
			s.remove(c)
			s.mu.Lock()
			s.listening = false
			s.mu.Unlock()
			return err
		}
	}
	return nil
}

// remove forgets a connection.
func (s *streams) remove(c *streamConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.perAcct[c.accountID]--; s.perAcct[c.accountID] <= 0 {
		delete(s.perAcct, c.accountID)
	}
}

// snapshot lists the open connections.
func (s *streams) snapshot() []*streamConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*streamConn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// run tells the connections of each event until events is closed (the
// process is stopping), then closes every stream. Events are handled one
// at a time, in the order PostgreSQL announced them.
func (s *streams) run(events <-chan models.StreamEvent) {
	beat := time.NewTicker(streamBeat)
	defer beat.Stop()
	for {
		select {
		case e, ok := <-events:
			if !ok {
				s.stop()
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), streamEventTimeout)
			if err := s.tell(ctx, e); err != nil {
				s.logger.Warn("streaming: could not tell apps of an event", "kind", e.Kind, "id", e.ID, "error", err)
			}
			cancel()
		case <-beat.C:
			ctx, cancel := context.WithTimeout(context.Background(), streamEventTimeout)
			s.heartbeat(ctx)
			cancel()
		}
	}
}

// heartbeat keeps this process marked as listening while it has streams
// (unmarked once it has none), and closes streams whose token was
// revoked or whose account was suspended since they opened.
func (s *streams) heartbeat(ctx context.Context) {
	conns := s.snapshot()
	s.mu.Lock()
	listening := s.listening
	if len(conns) == 0 {
		s.listening = false
	}
	s.mu.Unlock()
	var err error
	switch {
	case len(conns) > 0:
		err = models.MarkStreamListening(ctx, s.h.db, s.process)
	case listening:
		err = models.UnmarkStreamListening(ctx, s.h.db, s.process)
	}
	if err != nil {
		s.logger.Warn("streaming: heartbeat", "error", err)
	}
	if len(conns) == 0 {
		return
	}
	ids := make([]int64, 0, len(conns))
	for _, c := range conns {
		ids = append(ids, c.tokenID)
	}
	live, err := models.LiveTokensAmong(ctx, s.h.db, ids)
	if err != nil {
		s.logger.Warn("streaming: checking tokens", "error", err)
		return
	}
	alive := make(map[int64]bool, len(live))
	for _, id := range live {
		alive[id] = true
	}
	for _, c := range conns {
		if !alive[c.tokenID] {
			c.close()
		}
	}
}

// stop closes every stream and forgets this process.
func (s *streams) stop() {
	s.mu.Lock()
	s.stopped = true
	listening := s.listening
	s.mu.Unlock()
	for _, c := range s.snapshot() {
		c.close()
	}
	if listening {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := models.UnmarkStreamListening(ctx, s.h.db, s.process); err != nil {
			s.logger.Warn("streaming: stopping", "error", err)
		}
	}
}
