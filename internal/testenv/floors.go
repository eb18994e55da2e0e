package testenv

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// The floors the inbox benchmarks compare with (issue 12), each measured
// in the benchmark's own run: the rates of the work no inbox can skip.

// RSAVerifyRate measures RSA-2048 PKCS#1 v1.5 SHA-256 verifications per
// second on the calling goroutine.
func RSAVerifyRate(tb testing.TB, key *rsa.PrivateKey) float64 {
	tb.Helper()
	digest := sha256.Sum256([]byte("measure"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		tb.Fatal(err)
	}
	const n = 2000
	start := time.Now()
	for range n {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			tb.Fatal(err)
		}
	}
	return n / time.Since(start).Seconds()
}

// RSASignRate measures RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second.
func RSASignRate(tb testing.TB, key *rsa.PrivateKey) float64 {
	tb.Helper()
	digest := sha256.Sum256([]byte("measure"))
	const n = 200
	start := time.Now()
	for range n {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			tb.Fatal(err)
		}
	}
	return n / time.Since(start).Seconds()
}

// SingleInsertRate measures single-row inserts per second, each its own
// transaction, one at a time, into a table shaped like inbox_activities.
func SingleInsertRate(tb testing.TB, db models.DB) float64 {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		uri text UNIQUE NOT NULL, body jsonb NOT NULL)`); err != nil {
		tb.Fatal(err)
	}
	const n = 2000
	start := time.Now()
	for i := range n {
		if _, err := db.Exec(ctx, `INSERT INTO bench_rows (uri, body) VALUES ($1, $2)`,
			fmt.Sprintf("row-%d-%d", start.UnixNano(), i), `{"type":"Like"}`); err != nil {
			tb.Fatal(err)
		}
	}
	return n / time.Since(start).Seconds()
}

// PublicKeyPEM is pub as a PEM "PUBLIC KEY" block, as actor documents carry it.
func PublicKeyPEM(tb testing.TB, pub *rsa.PublicKey) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// ActorServer serves, on addr (a loopback host:port), an actor document
// for any /users/NAME, all with the public key pub, and NodeInfo saying
// Mastodon; it answers 202 to any POST (their inboxes). For benchmarks of
// Follows by actors a Village has never seen.
func ActorServer(tb testing.TB, addr string, pub *rsa.PublicKey) *httptest.Server {
	tb.Helper()
	publicPEM := PublicKeyPEM(tb, pub)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	writeJSON := func(w http.ResponseWriter, contentType string, v any) {
		w.Header().Set("Content-Type", contentType)
		json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", func(w http.ResponseWriter, r *http.Request) {
		id := base + "/users/" + r.PathValue("name")
		writeJSON(w, "application/activity+json", map[string]any{
			"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       id, "type": "Person", "preferredUsername": r.PathValue("name"),
			"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
			"endpoints": map[string]any{"sharedInbox": base + "/inbox"},
			"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": publicPEM}})
	})
	mux.HandleFunc("GET /.well-known/nodeinfo", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/json", map[string]any{"links": []any{map[string]any{
			"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": base + "/nodeinfo/2.0"}}})
	})
	mux.HandleFunc("GET /nodeinfo/2.0", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, "application/json", map[string]any{"version": "2.0",
			"software": map[string]any{"name": "mastodon", "version": "4.3.0"}})
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv
}
