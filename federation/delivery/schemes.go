package delivery

import (
	"sync"
	"time"

	"github.com/village-social/village/federation/signature"
)

// SchemeMemoTTL is how long the signature scheme a host took is
// remembered; after it, the host is asked with RFC 9421 first again (it
// may have learnt it meanwhile).
const SchemeMemoTTL = 24 * time.Hour

// schemeMemoSize bounds the hosts remembered.
const schemeMemoSize = 10_000

// schemeMemo remembers, per host (host:port), the signature scheme its last
// successful delivery carried. It lives in the process's memory: another
// process, or this one after a restart, knocks twice once per host to learn
// it again, which costs one request.
type schemeMemo struct {
	mu    sync.Mutex
	hosts map[string]schemeEntry
	size  int
	ttl   time.Duration
}

type schemeEntry struct {
	scheme signature.Scheme
	until  time.Time
}

func newSchemeMemo(size int, ttl time.Duration) *schemeMemo {
	return &schemeMemo{hosts: make(map[string]schemeEntry), size: size, ttl: ttl}
}

// first returns the scheme to try first with host: the remembered one, or
// RFC 9421.
func (m *schemeMemo) first(host string, now time.Time) signature.Scheme {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.hosts[host]; ok && now.Before(e.until) {
		return e.scheme
	}
	return signature.RFC9421
}

// remember records that host took scheme.
func (m *schemeMemo) remember(host string, scheme signature.Scheme, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.hosts[host]; !ok && len(m.hosts) >= m.size {
		dropped := 0
		for h, e := range m.hosts {
			if !now.Before(e.until) || dropped < m.size/10 {
				delete(m.hosts, h)
				dropped++
			}
		}
	}
	m.hosts[host] = schemeEntry{scheme: scheme, until: now.Add(m.ttl)}
}
