package testenv

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

// keys holds the RSA-2048 keys that tests of this process have given
// back: generating one costs about 45 ms of CPU, and the suite's remote
// peers need hundreds. A key is lent to one test at a time, so no two
// actors of a running test share one.
var keys struct {
	mu   sync.Mutex
	free []*rsa.PrivateKey
}

// BorrowKey lends t an RSA-2048 key until t ends: one given back by an
// earlier test, or a new one.
func BorrowKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keys.mu.Lock()
	var key *rsa.PrivateKey
	if n := len(keys.free); n > 0 {
		key, keys.free = keys.free[n-1], keys.free[:n-1]
	}
	keys.mu.Unlock()
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
	t.Cleanup(func() {
		keys.mu.Lock()
		keys.free = append(keys.free, key)
		keys.mu.Unlock()
	})
	return key
}
