package federation

import (
	"context"
	"crypto"
	"errors"
	"sync"
	"time"

	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
)

// The inbox verifies every request; keeping verified keys in memory for a
// short while spares a database round trip and a PEM parse per activity.
// The time limit bounds how long a deleted or updated actor's cached copy
// can be used; Forget ends it at once.
const (
	keyCacheSize = 10_000
	keyCacheTTL  = 5 * time.Minute
)

type cachedKey struct {
	owner   *models.Actor
	key     crypto.PublicKey
	expires time.Time
}

// keyCache maps key ids to their owner and parsed key.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]cachedKey
	size    int
	ttl     time.Duration
}

func newKeyCache(size int, ttl time.Duration) *keyCache {
	return &keyCache{entries: make(map[string]cachedKey), size: size, ttl: ttl}
}

func (c *keyCache) get(keyID string, now time.Time) (*models.Actor, crypto.PublicKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[keyID]
	if !ok || now.After(e.expires) {
		return nil, nil, false
	}
	return e.owner, e.key, true
}

func (c *keyCache) put(keyID string, owner *models.Actor, key crypto.PublicKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		// Full: drop the expired, and if none, an arbitrary tenth.
		dropped := 0
		for k, e := range c.entries {
			if now.After(e.expires) || dropped < c.size/10 {
				delete(c.entries, k)
				dropped++
			}
		}
	}
	c.entries[keyID] = cachedKey{owner: owner, key: key, expires: now.Add(c.ttl)}
}

func (c *keyCache) forget(actorURI string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.owner.URI == actorURI {
			delete(c.entries, k)
		}
	}
}

// fetchedKey is what one fetch of a signer's actor gave.
type fetchedKey struct {
	actor *models.Actor               // as read, not stored
	keys  map[string]crypto.PublicKey // the keys its document offers, by key id
}

type memoEntry struct {
	done chan struct{} // closed when the fetch is over
	at   time.Time
	val  fetchedKey
	err  error
}

// fetchMemo remembers, per actor, the last fetch of its key made to verify
// a request, for ttl: requests that need a fresh key within that time share
// it (and wait for it while it runs) instead of fetching again. Failures on
// the remote side (gone, unreachable, not an actor) are remembered too;
// ours (the database) are not.
type fetchMemo struct {
	mu      sync.Mutex
	entries map[string]*memoEntry
	size    int
	ttl     time.Duration
}

func newFetchMemo(size int, ttl time.Duration) *fetchMemo {
	return &fetchMemo{entries: make(map[string]*memoEntry), size: size, ttl: ttl}
}

// get returns the remembered fetch for keyID's actor, or runs fetch.
func (m *fetchMemo) get(ctx context.Context, keyID string, now time.Time, fetch func() (*models.Actor, map[string]crypto.PublicKey, error)) (fetchedKey, error) {
	k := memoKey(keyID)
	m.mu.Lock()
	e, ok := m.entries[k]
	if ok && now.Sub(e.at) < m.ttl {
		m.mu.Unlock()
		select {
		case <-e.done:
			return e.val, e.err
		case <-ctx.Done():
			return fetchedKey{}, ctx.Err()
		}
	}
	e = &memoEntry{done: make(chan struct{}), at: now}
	m.makeRoom(now)
	m.entries[k] = e
	m.mu.Unlock()

	actor, keys, err := fetch()
	if err == nil {
		e.val = fetchedKey{actor: actor, keys: keys}
	}
	e.err = err
	close(e.done)
	if err != nil && !remoteFailure(err) {
		m.mu.Lock()
		if m.entries[k] == e {
			delete(m.entries, k)
		}
		m.mu.Unlock()
	}
	return e.val, e.err
}

// makeRoom drops expired entries when the memo is full, and if none, a
// tenth of the finished ones. The caller holds mu.
func (m *fetchMemo) makeRoom(now time.Time) {
	if len(m.entries) < m.size {
		return
	}
	dropped := 0
	for k, e := range m.entries {
		select {
		case <-e.done:
		default:
			continue // running: its waiters hold it
		}
		if now.Sub(e.at) >= m.ttl || dropped < m.size/10 {
			delete(m.entries, k)
			dropped++
		}
	}
}

func (m *fetchMemo) forget(actorURI string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, actorURI)
}

// remoteFailure tells a failure of the remote side, worth remembering,
// from one of ours.
func remoteFailure(err error) bool {
	return errors.Is(err, fetch.ErrGone) || errors.Is(err, fetch.ErrNotFound) || errors.Is(err, ErrInvalidActor) ||
		errors.Is(err, ErrNotActor) || errors.Is(err, ErrDomainSuspended) || IsFetchFailure(err)
}
