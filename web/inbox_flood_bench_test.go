package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

// BenchmarkInboxFlood is the server's cost of one bad inbox POST of each
// kind, served in process (no network), beside a cheap GET (/healthz, one
// database ping): unsigned, too large with a length, too large without one
// (read to the limit and a byte), a forged signature in a known actor's
// name and a Digest that does not match (one RSA check each; the actor's
// key is refreshed once, then held for federation.RefetchInterval).
func BenchmarkInboxFlood(b *testing.B) {
	srv, _, urls, resolver := federatedServer(b)
	nora := testenv.NewRemote(b, "nora")
	if _, err := resolver.Actor(context.Background(), nora.ActorID); err != nil {
		b.Fatal(err)
	}
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	follow := testenv.Activity(b, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": nora.ActorID + "/follows/1", "type": "Follow", "actor": nora.ActorID, "object": urls.Base + "/users/alice"})
	oversized := bytes.Repeat([]byte(" "), 1_000_001)
	post := func(body []byte, key *rsa.PrivateKey, sent []byte, length bool) *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/inbox", bytes.NewReader(sent))
		req.Header.Set("Content-Type", "application/activity+json")
		if !length {
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(sent)), -1
		}
		if key != nil {
			if err := signature.SignRequest(req, body, nora.KeyID, key, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		return req
	}
	other := bytes.Replace(follow, []byte("Follow"), []byte("Flower"), 1)
	kinds := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"GET-healthz", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/healthz", nil) }, http.StatusOK},
		{"unsigned", func() *http.Request { return post(follow, nil, follow, true) }, http.StatusUnauthorized},
		{"oversized-with-length", func() *http.Request { return post(oversized, forger, oversized, true) }, http.StatusRequestEntityTooLarge},
		{"oversized-without-length", func() *http.Request { return post(oversized, forger, oversized, false) }, http.StatusRequestEntityTooLarge},
		{"forged-signature", func() *http.Request { return post(follow, forger, follow, true) }, http.StatusUnauthorized},
		{"wrong-digest", func() *http.Request { return post(follow, nora.Key, other, true) }, http.StatusUnauthorized},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				req := k.req() // the sender's signing is not the server's cost
				rec := httptest.NewRecorder()
				b.StartTimer()
				srv.Config.Handler.ServeHTTP(rec, req)
				if rec.Code != k.want {
					b.Fatalf("status %d, want %d: %s", rec.Code, k.want, rec.Body)
				}
			}
		})
	}
	b.Logf("actor fetches of nora in all: %d (one to know her, at most one refresh)", nora.ActorFetches())
}
