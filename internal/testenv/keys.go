package testenv

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

// BorrowKey lends t an RSA-2048 key until t ends: one given back by an
// earlier test, or a new one. Generating one costs about 45 ms of CPU, and
// the suite's remote peers need hundreds; a key is lent to one test at a
// time, so no two actors of a running test share one.
func BorrowKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	process.keysMu.Lock()
	var key *rsa.PrivateKey
	if n := len(process.keys); n > 0 {
		key, process.keys = process.keys[n-1], process.keys[:n-1]
	}
	process.keysMu.Unlock()
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
	t.Cleanup(func() {
		process.keysMu.Lock()
		process.keys = append(process.keys, key)
		process.keysMu.Unlock()
	})
	return key
}
