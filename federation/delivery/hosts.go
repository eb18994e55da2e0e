package delivery

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/village-social/village/models"
)

// Pausing a failing host: from the PauseAfter-th failure in a row it is
// paused for pauseBaseFactor·RetryBase (5 minutes by default), doubled with
// each further failure, at most maxPause.
const (
	pauseBaseFactor = 10
	maxPause        = 12 * time.Hour
)

func newPauseRule(o Options) models.PauseRule {
	return models.PauseRule{After: o.PauseAfter, Base: pauseBaseFactor * o.RetryBase, Max: maxPause}
}

// hostKey names the host of an http(s) URL as host:port, the port made
// explicit, so that https://a.example and https://a.example:443 are one host
// and two servers on one address with different ports are two.
func hostKey(u *url.URL) (string, bool) {
	name := strings.ToLower(u.Hostname())
	if name == "" {
		return "", false
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		default:
			return "", false
		}
	}
	return net.JoinHostPort(name, port), true
}

// hostSlots limits concurrent POSTs per host within the process, each
// host to what its pace allows (see hostPace). A host's entry exists only
// while some job holds or waits for one of its slots, so the map stays as
// small as the set of hosts being delivered to.
type hostSlots struct {
	pace  *hostPace
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// hostSlot is one host's slots; guarded by hostSlots.mu.
type hostSlot struct {
	held  int           // slots taken
	users int           // jobs holding or waiting for a slot
	freed chan struct{} // closed (and replaced) when a slot is given back
}

func newHostSlots(pace *hostPace) *hostSlots {
	return &hostSlots{pace: pace, hosts: make(map[string]*hostSlot)}
}

// acquire takes one of host's slots, waiting at most wait (not at all when
// wait is zero). It returns the function that gives the slot back, or false
// when none came free in time.
func (h *hostSlots) acquire(ctx context.Context, host string, wait time.Duration) (release func(), ok bool) {
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		s = &hostSlot{freed: make(chan struct{})}
		h.hosts[host] = s
	}
	s.users++
	h.mu.Unlock()

	release = func() {
		h.mu.Lock()
		s.held--
		close(s.freed)
		s.freed = make(chan struct{})
		h.leave(host, s)
		h.mu.Unlock()
	}
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	for {
		limit := h.pace.limit(host, time.Now())
		h.mu.Lock()
		if s.held < limit {
			s.held++
			h.mu.Unlock()
			return release, true
		}
		freed := s.freed
		if wait <= 0 {
			h.leave(host, s)
			h.mu.Unlock()
			return nil, false
		}
		h.mu.Unlock()
		select {
		case <-freed:
			continue
		case <-timer:
		case <-ctx.Done():
		}
		h.mu.Lock()
		h.leave(host, s)
		h.mu.Unlock()
		return nil, false
	}
}

// leave drops one user of the host's slots, and the entry with the last.
// The caller holds mu.
func (h *hostSlots) leave(host string, s *hostSlot) {
	s.users--
	if s.users == 0 {
		delete(h.hosts, host)
	}
}
