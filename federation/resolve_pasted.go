package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/village-social/village/federation/fetch"
)

// ErrNotPasteable means a pasted address leads to no object Village can
// show: a page without an ActivityPub alternate, or an answer that names
// itself wrongly.
var ErrNotPasteable = errors.New("federation: address leads to no object")

// FetchPasted fetches the object an address someone pasted names: the
// object's own id, or its page (the `url` of a post, which may differ from
// its id). A page answered as JSON names the object's id; a page answered
// as HTML names it in its ActivityPub alternate link. Either way the
// object is then fetched from its id, so that its origin vouches for it,
// as Mastodon's search does. Nothing is stored.
func (r *Resolver) FetchPasted(ctx context.Context, address string) (Object, error) {
	if r.urls.IsLocal(address) {
		return nil, fmt.Errorf("%w: %s is local", ErrNotPasteable, address)
	}
	if err := r.refuseSuspended(ctx, address); err != nil {
		return nil, err
	}
	pasted, err := r.client.GetPasted(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch pasted address: %w", err)
	}
	next := pasted.Alternate
	if doc := pasted.Document; doc != nil {
		obj := Object(doc.Object)
		if obj.ID() == doc.URL {
			return obj, nil // the object itself, from its own address
		}
		next = obj.ID()
	}
	if next == "" || next == address {
		return nil, fmt.Errorf("%w: %s", ErrNotPasteable, address)
	}
	if r.urls.IsLocal(next) {
		return nil, fmt.Errorf("%w: %s names %s, which is local", ErrNotPasteable, address, next)
	}
	// One step only: the object at next must be itself, or it is refused.
	obj, err := r.FetchObject(ctx, next)
	if errors.Is(err, fetch.ErrIDMismatch) {
		return nil, fmt.Errorf("%w: %w", ErrNotPasteable, err)
	}
	return obj, err
}
