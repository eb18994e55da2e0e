package delivery

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
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
	key, err := parsePrivateKey(pemText)
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

// parsePrivateKey reads an RSA private key from PEM: PKCS#8 ("PRIVATE KEY",
// what models stores) or PKCS#1 ("RSA PRIVATE KEY"). Errors never quote the
// key.
func parsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil {
		return nil, errors.New("delivery: private key: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("delivery: private key: %w", err)
		}
		rsaKey, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("delivery: private key: %T is not an RSA key", k)
		}
		return rsaKey, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("delivery: private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("delivery: private key: unexpected PEM block %q", block.Type)
}
