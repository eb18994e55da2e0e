package federation

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/models"
)

// Errors of Authenticate. ErrUnauthenticated covers every reason to answer
// 401; ErrSignerGone is one of them, set apart because a Delete of an
// actor whose key is gone is still worth honouring.
var (
	ErrUnauthenticated = errors.New("federation: request not authenticated")
	ErrSignerGone      = errors.New("federation: the signing actor is gone")
)

// Authenticator verifies the HTTP Signatures (draft-cavage and RFC 9421)
// of incoming requests.
//
// A forged request costs us one signature check and nobody else anything:
// the signer's key is fetched from its origin only when we hold none that
// verifies, and after a fetch whose key did not verify, not again for that
// actor within RefetchInterval (what the fetch gave is kept that long and
// used instead); a fetched actor is stored only once its key has verified
// the request.
type Authenticator struct {
	resolver *Resolver
	opts     signature.Options
	now      func() time.Time
	keys     *keyCache
	fetched  *fetchMemo
	// verified counts signature checks (an RSA verification is ~1.4 ms
	// of CPU), for tests of what a forged request costs.
	verified atomic.Int64
}

// RefetchInterval is the least time between two fetches of one actor's key
// made to verify requests, after a fetch whose key did not verify.
const RefetchInterval = 5 * time.Minute

// NewAuthenticator returns an authenticator that finds keys with resolver.
func NewAuthenticator(resolver *Resolver) *Authenticator {
	opts := signature.Options{}
	if u, err := url.Parse(resolver.urls.Base); err == nil && u.Scheme != "" {
		opts.Scheme = u.Scheme // for RFC 9421's @target-uri, behind a proxy too
	}
	return &Authenticator{resolver: resolver, opts: opts, now: time.Now,
		keys: newKeyCache(keyCacheSize, keyCacheTTL), fetched: newFetchMemo(keyCacheSize, RefetchInterval)}
}

// Forget drops what is cached about an actor (after it was deleted or updated).
func (a *Authenticator) Forget(actorURI string) {
	a.keys.forget(actorURI)
	a.fetched.forget(actorURI)
}

// Authenticate checks the request's signature and returns the actor that
// signed it. A key held here (in memory or stored) that does not verify
// the request is fetched again, since the actor may have rotated it, but
// see RefetchInterval. Errors that are ours (the database) are returned
// unwrapped by ErrUnauthenticated, so callers answer 5xx.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (*models.Actor, error) {
	signed, err := signature.CheckRequest(r, body, a.now(), a.opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	held, key, err := a.heldKey(ctx, signed.KeyID)
	if err != nil {
		return nil, err
	}
	if held != nil && key != nil {
		verr := a.verify(signed, key)
		if verr == nil {
			a.keys.put(signed.KeyID, held, key, a.now())
			return held, nil
		}
		if held.IsLocal() {
			return held, fmt.Errorf("%w: %w", ErrUnauthenticated, verr)
		}
		return a.verifyFetched(ctx, signed, key)
	}
	return a.verifyFetched(ctx, signed, nil)
}

// verify checks the signature with key, counted.
func (a *Authenticator) verify(signed *signature.Signed, key crypto.PublicKey) error {
	a.verified.Add(1)
	return signed.Verify(key)
}

// heldKey returns the key we hold for keyID, from memory or the database,
// without fetching: a nil actor when we hold none, a nil key when the
// stored one is unreadable.
func (a *Authenticator) heldKey(ctx context.Context, keyID string) (*models.Actor, crypto.PublicKey, error) {
	if owner, key, ok := a.keys.get(keyID, a.now()); ok {
		return owner, key, nil
	}
	owner, err := a.resolver.StoredKeyOwner(ctx, keyID)
	if errors.Is(err, models.ErrNotFound) {
		if _, local := a.resolver.urls.ParseLocalActor(keyID); local {
			return nil, nil, fmt.Errorf("%w: key %s: no such local actor", ErrUnauthenticated, keyID)
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	key, err := signature.ParsePublicKeyPEM(owner.PublicKeyPEM)
	if err != nil {
		if owner.IsLocal() {
			return nil, nil, fmt.Errorf("%w: key %s: %w", ErrUnauthenticated, keyID, err)
		}
		return owner, nil, nil
	}
	return owner, key, nil
}

// verifyFetched verifies the request with the key its signer's origin
// serves, fetched now or, within RefetchInterval of a fetch that did not
// verify, as that fetch gave it; the actor is stored only when its key
// verifies. failed is the key held here that already failed to verify the
// request (nil if none): when the origin serves that same key, the answer
// is known without checking the signature a second time.
func (a *Authenticator) verifyFetched(ctx context.Context, signed *signature.Signed, failed crypto.PublicKey) (*models.Actor, error) {
	f, err := a.fetched.get(ctx, signed.KeyID, a.now(), func() (*models.Actor, map[string]crypto.PublicKey, error) {
		return a.resolver.FetchKeyOwner(ctx, signed.KeyID)
	})
	switch {
	case errors.Is(err, fetch.ErrGone), errors.Is(err, fetch.ErrNotFound):
		return nil, fmt.Errorf("%w: %w: key %s: %w", ErrUnauthenticated, ErrSignerGone, signed.KeyID, err)
	case err != nil && remoteFailure(err):
		return nil, fmt.Errorf("%w: key %s: %w", ErrUnauthenticated, signed.KeyID, err)
	case err != nil:
		return nil, err
	}
	key, ok := f.keys[signed.KeyID]
	if !ok {
		return nil, fmt.Errorf("%w: key %s is not one of %s's keys (%s)", ErrUnauthenticated, signed.KeyID, f.actor.URI, f.actor.PublicKeyID)
	}
	if same, ok := key.(interface{ Equal(crypto.PublicKey) bool }); ok && failed != nil && same.Equal(failed) {
		return nil, fmt.Errorf("%w: key %s: the signature does not verify with the actor's current key", ErrUnauthenticated, signed.KeyID)
	}
	if err := a.verify(signed, key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	stored, err := a.resolver.StoreActor(ctx, f.actor)
	if err != nil {
		return nil, err
	}
	// A Multikey (FEP-521a) is not stored with the actor: it is kept here
	// for keyCacheTTL, then fetched again when next used.
	a.keys.put(signed.KeyID, stored, key, a.now())
	// A fetch whose key verified is no reason to refuse the next one: the
	// actor may rotate its key at any time. Only failed ones hold.
	a.fetched.forget(memoKey(signed.KeyID))
	return stored, nil
}

// memoKey is what fetches are counted by: the actor part of a key id, so
// that key ids differing in their fragment cannot multiply the fetches.
func memoKey(keyID string) string {
	actor, _, _ := strings.Cut(keyID, "#")
	return actor
}

// IsFetchFailure tells a failure to fetch a remote document (their problem)
// from our own.
func IsFetchFailure(err error) bool {
	for _, e := range []error{fetch.ErrAddressNotAllowed, fetch.ErrSchemeNotAllowed, fetch.ErrInvalidURL,
		fetch.ErrTooManyRedirects, fetch.ErrTimeout, fetch.ErrTooLarge, fetch.ErrContentType,
		fetch.ErrInvalidDocument, fetch.ErrIDMismatch, fetch.ErrStatus} {
		if errors.Is(err, e) {
			return true
		}
	}
	var netErr interface{ Timeout() bool }
	return errors.As(err, &netErr)
}
