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

// hostSlots limits concurrent POSTs per host within the process. A host's
// semaphore exists only while some job holds or waits for it, so the map
// stays as small as the set of hosts being delivered to.
type hostSlots struct {
	per   int
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	sem   chan struct{}
	users int // jobs holding or waiting for a slot; guarded by hostSlots.mu
}

func newHostSlots(per int) *hostSlots {
	return &hostSlots{per: per, hosts: make(map[string]*hostSlot)}
}

// acquire takes one of host's slots, waiting at most wait (not at all when
// wait is zero). It returns the function that gives the slot back, or false
// when none came free in time.
func (h *hostSlots) acquire(ctx context.Context, host string, wait time.Duration) (release func(), ok bool) {
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, h.per)}
		h.hosts[host] = s
	}
	s.users++
	h.mu.Unlock()

	leave := func() {
		h.mu.Lock()
		s.users--
		if s.users == 0 {
			delete(h.hosts, host)
		}
		h.mu.Unlock()
	}
	release = func() {
		<-s.sem
		leave()
	}
	select {
	case s.sem <- struct{}{}:
		return release, true
	default:
	}
	if wait <= 0 {
		leave()
		return nil, false
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case s.sem <- struct{}{}:
		return release, true
	case <-timer.C:
	case <-ctx.Done():
	}
	leave()
	return nil, false
}
