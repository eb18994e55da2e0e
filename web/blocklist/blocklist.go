// Package blocklist keeps the instance's domain blocks and its suspended
// remote accounts in memory for a second, so that the inbox can refuse a
// suspended server before it verifies anything or fetches a key, and every
// face can ask "is this server limited?" without a query each time.
package blocklist

import (
	"context"
	"sync"
	"time"

	"github.com/village-social/village/models"
)

// ttl is how long the cache trusts its copy of the domain
// blocks: a block made on the admin page applies at once, one made with the
// command line (another process) within this time.
const ttl = time.Second

// Cache keeps the (short) lists of domain blocks and suspended remote
// accounts in memory, so that the inbox can refuse a suspended domain before
// it verifies anything or fetches its key, and a suspended account once
// verified, without a query per activity.
type Cache struct {
	db  models.DB
	now func() time.Time

	mu        sync.Mutex
	blocks    []models.DomainBlock
	suspended map[string]bool // suspended remote accounts' ids
	loaded    time.Time
}

// load reads the lists again when they are older than ttl; the
// caller holds mu.
func (d *Cache) load(ctx context.Context) error {
	now := d.now()
	if !d.loaded.IsZero() && now.Sub(d.loaded) < ttl && !now.Before(d.loaded) {
		return nil
	}
	blocks, err := models.DomainBlocks(ctx, d.db)
	if err != nil {
		return err
	}
	suspended, err := models.SuspendedRemoteURIs(ctx, d.db)
	if err != nil {
		return err
	}
	d.blocks, d.suspended, d.loaded = blocks, suspended, now
	return nil
}

// ActorSuspended reports whether this instance suspended the remote account uri.
func (d *Cache) ActorSuspended(ctx context.Context, uri string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return false, err
	}
	return d.suspended[uri], nil
}

// Severity is the block covering domain ("" when none).
func (d *Cache) Severity(ctx context.Context, domain string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return "", err
	}
	sev := ""
	for _, b := range d.blocks {
		if b.Covers(domain) && (sev == "" || b.Severity == models.BlockSuspend) {
			sev = b.Severity
		}
	}
	return sev, nil
}

// Forget makes the next look-up read the blocks again (after a change here).
func (d *Cache) Forget() {
	d.mu.Lock()
	d.loaded = time.Time{}
	d.mu.Unlock()
}

// New keeps the lists of db, going by now.
func New(db models.DB, now func() time.Time) *Cache {
	return &Cache{db: db, now: now}
}
