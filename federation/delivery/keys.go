package delivery

import (
	"crypto/rsa"
	"sync"

	"github.com/village-social/village/federation"
)

// keyCacheSize bounds the parsed keys kept: one per local actor that sends,
// and parsing one costs about as much as a signature.
const keyCacheSize = 256

// keyCache keeps parsed private keys by actor id. An entry is used only
// while the actor's stored PEM is unchanged, so a rotated key takes effect
// on the next delivery.
type keyCache struct {
	mu   sync.Mutex
	max  int
	keys map[int64]cachedKey
}

type cachedKey struct {
	pem string
	key *rsa.PrivateKey
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: max, keys: make(map[int64]cachedKey)}
}

// get returns the parsed key of actorID whose stored PEM is pemText. The
// lock is held while parsing so that a fan-out's workers parse a key once,
// not once each.
func (c *keyCache) get(actorID int64, pemText string) (*rsa.PrivateKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.keys[actorID]; ok && e.pem == pemText {
		return e.key, nil
	}
	key, err := federation.ParsePrivateKeyPEM(pemText)
	if err != nil {
		return nil, err
	}
	if _, ok := c.keys[actorID]; !ok && len(c.keys) >= c.max {
		for id := range c.keys { // evict one at random: map order is random
			delete(c.keys, id)
			break
		}
	}
	c.keys[actorID] = cachedKey{pem: pemText, key: key}
	return key, nil
}
