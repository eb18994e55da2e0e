package activitypub

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// actorDocTTL is how long a local actor's serialized document is served
// from memory at most. Changes made through this server drop every copy
// at once (any request that may write does), and so do changes made by
// another process or the command line, which the server hears of through
// PostgreSQL (Options.Changes: moderation actions, and triggers on the
// tables an actor document is made of, migration 033); the limit covers a
// change it missed while its listening connection was down.
const actorDocTTL = 30 * time.Second

// actorDocMaxEntries bounds the cache: past it, it starts afresh.
const actorDocMaxEntries = 10_000

// actorDocCache keeps local actors' ActivityPub documents as served, so
// that the many servers fetching an actor at once (a post travelling
// through a busy group) cost a lookup in memory rather than a database
// query and a serialization each (the design's read budget).
type actorDocCache struct {
	mu         sync.Mutex
	generation uint64 // bumped by every write; an entry of an older one is stale
	entries    map[string]actorDocEntry
}

type actorDocEntry struct {
	body       []byte
	generation uint64
	stored     time.Time
}

func newActorDocCache() *actorDocCache {
	return &actorDocCache{entries: map[string]actorDocEntry{}}
}

// current is the generation a document about to be built belongs to.
func (c *actorDocCache) current() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// get is the stored document of key, if fresh.
func (c *actorDocCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.generation != c.generation || time.Since(e.stored) >= actorDocTTL {
		return nil, false
	}
	return e.body, true
}

// put stores a document built in generation; one built before a write
// that happened meanwhile is not kept.
func (c *actorDocCache) put(key string, body []byte, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		return
	}
	if len(c.entries) >= actorDocMaxEntries {
		clear(c.entries)
	}
	c.entries[key] = actorDocEntry{body: body, generation: generation, stored: time.Now()}
}

// forget drops every stored document.
func (c *actorDocCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	clear(c.entries)
}

// forgetOnWrites drops the stored documents around every request that may
// change something (any method but GET and HEAD): before, so that it does
// not answer from them, and after, so that nothing read while it ran
// outlives it.
func (c *actorDocCache) forgetOnWrites(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		switch ctx.Request().Method {
		case http.MethodGet, http.MethodHead:
			return next(ctx)
		}
		c.forget()
		defer c.forget()
		return next(ctx)
	}
}
