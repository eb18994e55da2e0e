package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/village-social/village/models"
)

// ErrDomainSuspended refuses reaching a domain the instance has suspended.
var ErrDomainSuspended = errors.New("federation: that domain is suspended here")

// HostOf is the lower-cased host[:port] of a URL, "" when it has none.
func HostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// refuseSuspended keeps the resolver from fetching anything from a
// suspended domain: its actors and posts are not wanted here.
func (r *Resolver) refuseSuspended(ctx context.Context, id string) error {
	suspended, err := models.DomainSuspended(ctx, r.db, HostOf(id))
	if err != nil {
		return err
	}
	if suspended {
		return fmt.Errorf("%w: %s", ErrDomainSuspended, id)
	}
	return nil
}
