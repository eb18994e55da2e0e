package federation_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

const ourBase = "http://127.0.0.2:8080"

// newAuthenticator is the inbox's authenticator on a fresh database, with a
// clock the test moves, fetching from loopback peers.
func newAuthenticator(t *testing.T) (*federation.Authenticator, *pgxpool.Pool, *clock) {
	t.Helper()
	db := testenv.DB(t)
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	resolver := federation.NewResolver(db, federation.NewURLs(ourBase), client, federation.ResolverOptions{Scheme: "http"})
	auth := federation.NewAuthenticator(resolver)
	c := &clock{t: time.Now()}
	federation.SetAuthenticatorClock(auth, c.now)
	return auth, db, c
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// inboxPost is a POST to our inbox as the server receives it, signed with
// key under keyID by scheme at now.
func inboxPost(t *testing.T, scheme signature.Scheme, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) *http.Request {
	t.Helper()
	out, err := http.NewRequest(http.MethodPost, ourBase+"/inbox", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := signature.Sign(scheme, out, body, keyID, key, now); err != nil {
		t.Fatal(err)
	}
	in := httptest.NewRequest(http.MethodPost, "/inbox", bytes.NewReader(body))
	in.Host = out.URL.Host
	for k, v := range out.Header {
		if k != "Host" {
			in.Header[k] = v
		}
	}
	return in
}

// actorRow is the whole stored row of an actor (with its row version), or
// "" when there is none.
func actorRow(t *testing.T, db *pgxpool.Pool, uri string) string {
	t.Helper()
	var row string
	err := db.QueryRow(context.Background(), `SELECT a.xmin::text || ' ' || a::text FROM actors a WHERE a.uri = $1`, uri).Scan(&row)
	if err != nil && err.Error() != "no rows in result set" {
		t.Fatal(err)
	}
	return row
}

// Forged requests in the name of an actor, known here or not, make us
// fetch that actor at most once per RefetchInterval, and write nothing.
func TestForgedSignaturesCostTheNamedActorAtMostOneFetch(t *testing.T) {
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const forgeries = 12
	for _, scheme := range []signature.Scheme{signature.Cavage, signature.RFC9421} {
		t.Run("known actor, "+scheme.String(), func(t *testing.T) {
			auth, db, clk := newAuthenticator(t)
			victim := testenv.NewRemote(t, "nora")
			body := []byte(`{"type":"Like","actor":"` + victim.ActorID + `"}`)
			if _, err := auth.Authenticate(context.Background(), inboxPost(t, scheme, body, victim.KeyID, victim.Key, clk.now()), body); err != nil {
				t.Fatalf("a genuine request: %v", err)
			}
			before, fetches := actorRow(t, db, victim.ActorID), victim.ActorFetches()
			if before == "" || fetches != 1 {
				t.Fatalf("after a genuine request: row %q, %d fetches", before, fetches)
			}
			checks := federation.Verifications(auth)
			for i := range forgeries {
				_, err := auth.Authenticate(context.Background(), inboxPost(t, scheme, body, victim.KeyID, forger, clk.now()), body)
				if !errors.Is(err, federation.ErrUnauthenticated) {
					t.Fatalf("forgery %d: %v, want ErrUnauthenticated", i, err)
				}
			}
			// The refreshed key is the one held, which already failed: the
			// signature is not checked again with it.
			if n := federation.Verifications(auth) - checks; n != forgeries {
				t.Errorf("%d forged requests cost %d signature checks, want one each", forgeries, n)
			}
			if n := victim.ActorFetches() - fetches; n > 1 {
				t.Errorf("%d forged requests fetched the actor %d times, want at most 1", forgeries, n)
			}
			if after := actorRow(t, db, victim.ActorID); after != before {
				t.Errorf("forged requests changed the stored actor:\nbefore %s\nafter  %s", before, after)
			}
			// The genuine key still verifies, from what is held, without a fetch.
			if _, err := auth.Authenticate(context.Background(), inboxPost(t, scheme, body, victim.KeyID, victim.Key, clk.now()), body); err != nil {
				t.Fatalf("a genuine request after the forgeries: %v", err)
			}
			if n := victim.ActorFetches() - fetches; n > 1 {
				t.Errorf("fetched %d times in all since the first request, want at most 1", n)
			}

			// A rotated key is fetched again once the interval is over.
			victim.RotateKey()
			clk.advance(federation.RefetchInterval + time.Second)
			if _, err := auth.Authenticate(context.Background(), inboxPost(t, scheme, body, victim.KeyID, victim.Key, clk.now()), body); err != nil {
				t.Fatalf("signed with the rotated key after the interval: %v", err)
			}
			if after := actorRow(t, db, victim.ActorID); after == before {
				t.Error("the rotated key was not stored")
			}
		})
	}
	t.Run("unknown actor", func(t *testing.T) {
		auth, db, clk := newAuthenticator(t)
		victim := testenv.NewRemote(t, "olga")
		body := []byte(`{"type":"Follow","actor":"` + victim.ActorID + `"}`)
		for i := range forgeries {
			_, err := auth.Authenticate(context.Background(), inboxPost(t, signature.Cavage, body, victim.KeyID, forger, clk.now()), body)
			if !errors.Is(err, federation.ErrUnauthenticated) {
				t.Fatalf("forgery %d: %v, want ErrUnauthenticated", i, err)
			}
		}
		if n := federation.Verifications(auth); n != forgeries {
			t.Errorf("%d forged requests cost %d signature checks, want one each", forgeries, n)
		}
		if n := victim.ActorFetches(); n != 1 {
			t.Errorf("%d forged requests fetched the actor %d times, want 1", forgeries, n)
		}
		if row := actorRow(t, db, victim.ActorID); row != "" {
			t.Errorf("an actor named only by forgeries was stored: %s", row)
		}
		// The actor's own request within the interval verifies with what
		// that fetch gave, and only then is the actor stored.
		if _, err := auth.Authenticate(context.Background(), inboxPost(t, signature.Cavage, body, victim.KeyID, victim.Key, clk.now()), body); err != nil {
			t.Fatalf("the actor's own request: %v", err)
		}
		if n := victim.ActorFetches(); n != 1 {
			t.Errorf("fetched %d times in all, want 1", n)
		}
		if row := actorRow(t, db, victim.ActorID); row == "" {
			t.Error("the verified actor was not stored")
		}
	})
	t.Run("key ids varied by fragment count as one actor", func(t *testing.T) {
		auth, _, clk := newAuthenticator(t)
		victim := testenv.NewRemote(t, "petra")
		body := []byte(`{"type":"Follow","actor":"` + victim.ActorID + `"}`)
		for i := range forgeries {
			keyID := fmt.Sprintf("%s#key-%d", victim.ActorID, i)
			if _, err := auth.Authenticate(context.Background(), inboxPost(t, signature.Cavage, body, keyID, forger, clk.now()), body); !errors.Is(err, federation.ErrUnauthenticated) {
				t.Fatalf("forgery %d: %v, want ErrUnauthenticated", i, err)
			}
		}
		if n := victim.ActorFetches(); n != 1 {
			t.Errorf("%d forged key ids fetched the actor %d times, want 1", forgeries, n)
		}
	})
}

// base58btc is a test's encoder of base58 (the Bitcoin alphabet).
func base58btc(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	slices.Reverse(out)
	return string(out)
}

// An actor that lists an Ed25519 Multikey in assertionMethod (FEP-521a, as
// Fedify does) may sign with it (RFC 9421, alg ed25519); a Multikey that
// another actor controls, or one of another origin, does not count.
func TestEd25519MultikeysOfTheActorVerify(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	multibase := "z" + base58btc(append([]byte{0xed, 0x01}, pub...))
	tests := []struct {
		name  string
		key   func(actorID string) map[string]any
		keyID func(actorID string) string
		ok    bool
	}{
		{"the actor's own Multikey", func(actorID string) map[string]any {
			return map[string]any{"id": actorID + "#ed25519-key", "type": "Multikey", "controller": actorID, "publicKeyMultibase": multibase}
		}, func(actorID string) string { return actorID + "#ed25519-key" }, true},
		{"a Multikey controlled by another actor", func(actorID string) map[string]any {
			return map[string]any{"id": actorID + "#ed25519-key", "type": "Multikey", "controller": actorID + "x", "publicKeyMultibase": multibase}
		}, func(actorID string) string { return actorID + "#ed25519-key" }, false},
		{"a Multikey on another origin", func(actorID string) map[string]any {
			return map[string]any{"id": "http://127.0.0.9:1/keys/1", "type": "Multikey", "controller": actorID, "publicKeyMultibase": multibase}
		}, func(string) string { return "http://127.0.0.9:1/keys/1" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, db, clk := newAuthenticator(t)
			r := testenv.NewRemote(t, "edna")
			doc := r.ActorDocument()
			doc["assertionMethod"] = []any{tt.key(r.ActorID)}
			r.Serve("/users/edna", doc)
			body := []byte(`{"type":"Like","actor":"` + r.ActorID + `"}`)
			out, err := http.NewRequest(http.MethodPost, ourBase+"/inbox", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := signature.SignRFC9421(out, body, tt.keyID(r.ActorID), priv, clk.now()); err != nil {
				t.Fatal(err)
			}
			in := httptest.NewRequest(http.MethodPost, "/inbox", bytes.NewReader(body))
			in.Host = out.URL.Host
			maps.Copy(in.Header, out.Header)
			signer, err := auth.Authenticate(context.Background(), in, body)
			if !tt.ok {
				if !errors.Is(err, federation.ErrUnauthenticated) {
					t.Fatalf("got %v, want ErrUnauthenticated", err)
				}
				if row := actorRow(t, db, r.ActorID); row != "" {
					t.Errorf("stored an actor whose key did not verify: %s", row)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if signer.URI != r.ActorID {
				t.Errorf("signer %s, want %s", signer.URI, r.ActorID)
			}
		})
	}
}
