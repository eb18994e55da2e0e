package activitypub

import (
	"sync"
	"time"
)

// inboxNameTTL is how long a personal or group inbox found to exist is
// taken for granted: every POST to it would otherwise ask the database
// first. A deleted account's inbox may accept for that long; what it
// accepts is applied by its content, as at the shared inbox, so nothing
// reaches anyone it would not have reached there.
const inboxNameTTL = 30 * time.Second

// inboxNameMaxEntries bounds the set: past it, it starts afresh.
const inboxNameMaxEntries = 10_000

// inboxNames remembers which local inboxes exist ("users/alice",
// "groups/park_slope"), each with when it was looked up.
type inboxNames struct {
	mu      sync.Mutex
	entries map[string]time.Time
}

func newInboxNames() *inboxNames { return &inboxNames{entries: map[string]time.Time{}} }

func (n *inboxNames) known(key string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	at, ok := n.entries[key]
	return ok && now.Sub(at) < inboxNameTTL
}

func (n *inboxNames) remember(key string, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.entries) >= inboxNameMaxEntries {
		clear(n.entries)
	}
	n.entries[key] = now
}

// forget drops them all: a change made elsewhere (an account deleted
// from the command line) may have removed one.
func (n *inboxNames) forget() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.entries)
}
