package delivery

import (
	"math"
	"sync"
	"time"
)

// A slow host that answers well gets more POSTs in flight (issue 12,
// point 5a). At PerHost (4) in flight, a host that takes 300 ms per
// answer gets at most 13 POSTs a second, and a burst of a hundred takes
// eight seconds. By Little's law a host keeps slowHostRate POSTs a second
// with rate·latency of them in flight, so a host whose recent successful
// answers are slow is allowed that many, at least PerHost and at most
// MaxPerHost. A host whose last answer was a failure (an error, a
// timeout, 408, 429 or 5xx), or that has not answered yet, gets PerHost:
// a failing host is never pressed harder.
//
// The pace is per process: each process computes a host's limit from what
// it saw of it; the slots that limit counts are shared by all (hostSlots),
// so that adding processes does not add POSTs in flight.
const (
	slowHostRate = 30 // POSTs a second a slow host is allowed to reach
	// paceWeight is the weight of the newest answer in a host's latency
	// average: recent enough to follow a host that slows down or recovers,
	// smooth enough that one slow answer does not open the gates.
	paceWeight = 0.3
	// paceForget drops what is known of a host not delivered to for a
	// while; paceHosts bounds how many hosts are remembered.
	paceForget = 10 * time.Minute
	paceHosts  = 10_000
)

// hostPace remembers how each host has been answering lately.
type hostPace struct {
	base, most int
	mu         sync.Mutex
	hosts      map[string]*paced
}

type paced struct {
	latency time.Duration // average of recent successful answers
	failing bool          // the last answer was a failure
	seen    time.Time
}

func newHostPace(base, most int) *hostPace {
	return &hostPace{base: base, most: max(base, most), hosts: make(map[string]*paced)}
}

// limit is how many POSTs may be in flight to host now.
func (p *hostPace) limit(host string, now time.Time) int {
	p.mu.Lock()
	h := p.hosts[host]
	p.mu.Unlock()
	if h == nil || h.failing || h.latency == 0 || now.Sub(h.seen) > paceForget {
		return p.base
	}
	want := int(math.Ceil(h.latency.Seconds() * slowHostRate))
	return min(max(want, p.base), p.most)
}

// observe records one answer of host: how long it took and whether it was
// a success (2xx, or a refusal that shows the host up: another 4xx).
func (p *hostPace) observe(host string, took time.Duration, ok bool, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.hosts[host]
	if h == nil {
		p.makeRoom(now)
		h = &paced{}
		p.hosts[host] = h
	}
	h.seen, h.failing = now, !ok
	if !ok {
		return
	}
	if h.latency == 0 {
		h.latency = took
	} else {
		h.latency = time.Duration(paceWeight*float64(took) + (1-paceWeight)*float64(h.latency))
	}
}

// makeRoom drops forgotten hosts when the map is full, and if none, a
// tenth of the others. The caller holds mu.
func (p *hostPace) makeRoom(now time.Time) {
	if len(p.hosts) < paceHosts {
		return
	}
	dropped := 0
	for k, h := range p.hosts {
		if now.Sub(h.seen) > paceForget || dropped < paceHosts/10 {
			delete(p.hosts, k)
			dropped++
		}
	}
}
