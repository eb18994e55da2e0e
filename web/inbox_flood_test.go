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

// A flood of bad inbox POSTs (issue 12, point 5b): unsigned, signed with a
// forged key in a known actor's name, with a Digest that does not match,
// and too large with or without a length. All are refused, the named
// actor's server is asked for its key at most once in all (a rate-limited
// refresh, federation.RefetchInterval), and nothing is written.
func TestAFloodOfBadInboxPostsIsRefusedWithoutFetchesOrWrites(t *testing.T) {
	t.Parallel()
	srv, db, urls, resolver := federatedServer(t)
	nora := testenv.NewRemote(t, "nora")
	if _, err := resolver.Actor(context.Background(), nora.ActorID); err != nil { // known, key stored
		t.Fatal(err)
	}
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	follow := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": nora.ActorID + "/follows/1", "type": "Follow", "actor": nora.ActorID, "object": urls.Base + "/users/alice"})
	oversized := bytes.Repeat([]byte(" "), 1_000_001) // one byte over web.DefaultBodyLimit ("1M")
	signed := func(body []byte, key *rsa.PrivateKey) *http.Request {
		req := nora.NewPost(srv.URL+"/inbox", body)
		if err := signature.SignRequest(req, body, nora.KeyID, key, time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	kinds := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"unsigned", func() *http.Request { return nora.NewPost(srv.URL+"/inbox", follow) }, http.StatusUnauthorized},
		{"forged signature", func() *http.Request { return signed(follow, forger) }, http.StatusUnauthorized},
		{"wrong Digest", func() *http.Request {
			req := signed(follow, nora.Key) // signed over the Follow, then another body sent
			other := bytes.Replace(follow, []byte("Follow"), []byte("Flower"), 1)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(other)), int64(len(other))
			return req
		}, http.StatusUnauthorized},
		{"oversized with a length", func() *http.Request { return signed(oversized, forger) }, http.StatusRequestEntityTooLarge},
		{"oversized without a length", func() *http.Request {
			req := signed(oversized, forger)
			req.Body, req.ContentLength = io.NopCloser(io.MultiReader(bytes.NewReader(oversized))), -1
			return req
		}, http.StatusRequestEntityTooLarge},
	}
	before, fetches := databaseFingerprint(t, db), nora.ActorFetches()
	const each = 20
	for _, k := range kinds {
		for i := range each {
			if code := testenv.Send(t, k.req()); code != k.want {
				t.Fatalf("%s, request %d: status %d, want %d", k.name, i, code, k.want)
			}
		}
	}
	if n := nora.ActorFetches() - fetches; n > 1 {
		t.Errorf("%d bad requests in nora's name fetched her actor %d times, want at most once", each*len(kinds), n)
	}
	if after := databaseFingerprint(t, db); after != before {
		t.Errorf("refused requests changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Nora herself still gets in.
	if code := nora.Post(srv.URL+"/inbox", follow, time.Now()); code != http.StatusAccepted {
		t.Errorf("nora's own Follow after the flood: status %d, want 202", code)
	}
}

// countingBody is a request body of size bytes that counts what is read
// of it.
type countingBody struct {
	left, read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	clear(p[:n])
	b.left -= n
	b.read += n
	return n, nil
}

func (b *countingBody) Close() error { return nil }

// A body sent without a length is read up to the limit and one byte more,
// never further, before it is refused; an unsigned one is not read at all.
func TestAnInboxReadsABodyWithoutLengthOnlyUpToTheLimit(t *testing.T) {
	t.Parallel()
	srv, _, _, _ := federatedServer(t)
	const limit = 1_000_000 // web.DefaultBodyLimit, "1M": a decimal megabyte
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, sign := range []bool{true, false} {
		body := &countingBody{left: 8 << 20}
		req := httptest.NewRequest(http.MethodPost, "/inbox", body)
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/activity+json")
		if sign {
			if err := signature.SignRequest(req, []byte("{}"), "http://127.0.0.1:1/users/x#main-key", forger, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(rec, req)
		switch {
		case sign && (rec.Code != http.StatusRequestEntityTooLarge || body.read > limit+1):
			t.Errorf("signed, 8 MiB without a length: status %d after reading %d bytes, want 413 after at most %d", rec.Code, body.read, limit+1)
		case !sign && (rec.Code != http.StatusUnauthorized || body.read != 0):
			t.Errorf("unsigned, 8 MiB without a length: status %d after reading %d bytes, want 401 after none", rec.Code, body.read)
		}
		t.Logf("signed %v: %d after reading %d bytes", sign, rec.Code, body.read)
	}
}
