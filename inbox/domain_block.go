package inbox

import (
	"context"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// fromSuspendedDomain reports whether any of these URIs (actors, objects)
// lives on a domain the instance has suspended: what such a domain wrote
// is dropped even when an allowed server passes it on (an Announce, a
// thread's ancestors).
func (p *Processor) fromSuspendedDomain(ctx context.Context, db models.DB, uris ...string) (bool, error) {
	for _, u := range uris {
		if u == "" || p.urls.IsLocal(u) {
			continue
		}
		suspended, err := models.DomainSuspended(ctx, db, federation.HostOf(u))
		if err != nil || suspended {
			return suspended, err
		}
	}
	return false, nil
}
