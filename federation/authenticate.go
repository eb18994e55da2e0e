package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// Authenticator verifies the HTTP Signatures of incoming requests.
type Authenticator struct {
	resolver *Resolver
	opts     signature.Options
	now      func() time.Time
	keys     *keyCache
}

// NewAuthenticator returns an authenticator that finds keys with resolver.
func NewAuthenticator(resolver *Resolver) *Authenticator {
	return &Authenticator{resolver: resolver, now: time.Now, keys: newKeyCache(keyCacheSize, keyCacheTTL)}
}

// Forget drops what is cached about an actor (after it was deleted or updated).
func (a *Authenticator) Forget(actorURI string) { a.keys.forget(actorURI) }

// Authenticate checks the request's signature and returns the actor that
// signed it. With a cached key that fails, the key is fetched again once,
// since the actor may have rotated it. Errors that are ours (the database)
// are returned unwrapped by ErrUnauthenticated, so callers answer 5xx.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (*models.Actor, error) {
	signed, err := signature.CheckRequest(r, body, a.now(), a.opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	signer, err := a.verify(ctx, signed, false)
	if errors.Is(err, signature.ErrInvalidSignature) && !isLocalActor(signer) {
		signer, err = a.verify(ctx, signed, true)
	}
	return signer, err
}

func (a *Authenticator) verify(ctx context.Context, signed *signature.Signed, refresh bool) (*models.Actor, error) {
	if !refresh {
		if owner, key, ok := a.keys.get(signed.KeyID, a.now()); ok {
			if err := signed.Verify(key); err != nil {
				return owner, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
			}
			return owner, nil
		}
	}
	owner, err := a.resolver.KeyOwner(ctx, signed.KeyID, refresh)
	switch {
	case errors.Is(err, fetch.ErrGone), errors.Is(err, fetch.ErrNotFound):
		return nil, fmt.Errorf("%w: %w: key %s: %w", ErrUnauthenticated, ErrSignerGone, signed.KeyID, err)
	case errors.Is(err, models.ErrNotFound), errors.Is(err, ErrInvalidActor), errors.Is(err, ErrNotActor), IsFetchFailure(err):
		return nil, fmt.Errorf("%w: key %s: %w", ErrUnauthenticated, signed.KeyID, err)
	case err != nil:
		return nil, err
	}
	key, err := signature.ParsePublicKeyPEM(owner.PublicKeyPEM)
	if err != nil {
		return owner, fmt.Errorf("%w: key %s: %w", ErrUnauthenticated, signed.KeyID, err)
	}
	if err := signed.Verify(key); err != nil {
		return owner, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	a.keys.put(signed.KeyID, owner, key, a.now())
	return owner, nil
}

func isLocalActor(a *models.Actor) bool { return a != nil && a.IsLocal() }

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
