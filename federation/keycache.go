package federation

import (
	"crypto"
	"sync"
	"time"

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
