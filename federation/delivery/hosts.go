package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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

// hostSlots limits concurrent POSTs per host across every worker process,
// each host to what its pace allows in this process (see hostPace). The
// count is shared, in PostgreSQL (models.ClaimDeliverySlot): a slot is a
// row held by one POST, with a lease that a killed process lets run out.
// In front of it, what this process holds is counted in memory, so that
// a job whose host is full here waits for a slot given back here without
// asking the database, and only as many jobs ask at once as there may be
// free slots. A host's entry exists only while some job holds or waits
// for one of its slots.
type hostSlots struct {
	db     *pgxpool.Pool
	pace   *hostPace
	lease  time.Duration
	logger *slog.Logger
	holder string        // this process, in delivery_slots.holder
	claims atomic.Uint64 // numbers each claim, so that a holder names one POST

	mu    sync.Mutex
	hosts map[string]*hostSlot
	swept time.Time
}

// hostSlot is one host's slots in this process; guarded by hostSlots.mu.
type hostSlot struct {
	held   int           // slots taken by this process
	asking int           // jobs asking the database for one now
	users  int           // jobs holding, asking or waiting for a slot
	freed  chan struct{} // closed (and replaced) when a slot is given back
}

// Shared slots: how often a job asks again for a slot that another
// process may give back, and how long unused slot rows are kept.
const (
	slotPoll      = 50 * time.Millisecond
	slotIdle      = time.Hour
	slotSweepping = 10 * time.Minute
)

func newHostSlots(db *pgxpool.Pool, pace *hostPace, lease time.Duration, logger *slog.Logger) *hostSlots {
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand never fails
	return &hostSlots{db: db, pace: pace, lease: lease, logger: logger, holder: hex.EncodeToString(id[:]),
		hosts: make(map[string]*hostSlot)}
}

// acquire takes one of host's slots, waiting at most wait (not at all when
// wait is zero). It returns the function that gives the slot back, or false
// when none came free in time; an error when the database could not say.
func (h *hostSlots) acquire(ctx context.Context, host string, wait time.Duration) (release func(), ok bool, err error) {
	release, ok, _, err = h.take(ctx, host, wait, false)
	return release, ok, err
}

// acquireWithHealth is acquire without waiting, reading the host's
// delivery health in the same round trip; the health is read even when no
// slot is free.
func (h *hostSlots) acquireWithHealth(ctx context.Context, host string) (release func(), ok bool, health *models.DeliveryHost, err error) {
	return h.take(ctx, host, 0, true)
}

func (h *hostSlots) take(ctx context.Context, host string, wait time.Duration, withHealth bool) (release func(), ok bool, health *models.DeliveryHost, err error) {
	h.sweep(ctx)
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		s = &hostSlot{freed: make(chan struct{})}
		h.hosts[host] = s
	}
	s.users++
	h.mu.Unlock()
	defer func() {
		if !ok {
			h.mu.Lock()
			h.leave(host, s)
			h.mu.Unlock()
		}
	}()

	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	for {
		limit := h.pace.limit(host, time.Now())
		h.mu.Lock()
		fullHere := s.held+s.asking >= limit
		if !fullHere {
			s.asking++
		}
		freed := s.freed
		h.mu.Unlock()
		var poll <-chan time.Time
		if fullHere && withHealth {
			health, err = models.DeliveryHostByName(ctx, h.db, host)
			return nil, false, health, err
		}
		if !fullHere {
			holder := h.holder + "/" + strconv.FormatUint(h.claims.Add(1), 10)
			var slot int
			if withHealth {
				slot, health, err = models.ClaimDeliverySlotAndHealth(ctx, h.db, host, holder, limit, h.lease)
			} else {
				slot, err = models.ClaimDeliverySlot(ctx, h.db, host, holder, limit, h.lease)
			}
			h.mu.Lock()
			s.asking--
			if slot > 0 {
				s.held++
			}
			h.mu.Unlock()
			if err != nil {
				return nil, false, nil, err
			}
			if slot > 0 {
				return h.releaser(host, s, slot, holder), true, health, nil
			}
			// Full in another process: ask again soon.
			poll = time.After(slotPoll)
		}
		if wait <= 0 {
			return nil, false, health, nil
		}
		select {
		case <-freed:
		case <-poll:
		case <-timer:
			return nil, false, nil, nil
		case <-ctx.Done():
			return nil, false, nil, nil
		}
	}
}

// releaser gives the slot back to the database, then to this process's
// waiters. It does so even as ctx ends (a shutdown); if the database
// cannot be told, the lease runs out instead.
func (h *hostSlots) releaser(host string, s *hostSlot, slot int, holder string) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := models.ReleaseDeliverySlot(ctx, h.db, host, slot, holder); err != nil {
			h.logger.Warn("delivery: giving a host's slot back failed; its lease will run out", "host", host, "error", err)
		}
		h.mu.Lock()
		s.held--
		close(s.freed)
		s.freed = make(chan struct{})
		h.leave(host, s)
		h.mu.Unlock()
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

// sweep deletes slot rows unused for slotIdle, at most once per
// slotSweepping in this process.
func (h *hostSlots) sweep(ctx context.Context) {
	now := time.Now()
	h.mu.Lock()
	due := now.Sub(h.swept) >= slotSweepping
	if due {
		h.swept = now
	}
	h.mu.Unlock()
	if !due {
		return
	}
	if _, err := models.SweepDeliverySlots(ctx, h.db, slotIdle); err != nil {
		h.logger.Warn("delivery: sweeping unused host slots failed", "error", err)
	}
}
