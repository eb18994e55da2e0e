package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// limiter counts events (failed log-ins, sign-ups) per key in a sliding
// window and refuses a key once it has had limit of them in that window.
// It lives in memory, owned by the handlers: a restart forgets the counts,
// which costs an attacker a restart of ours per window, not a bypass.
type limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	events map[string][]time.Time // each key's events in the window, oldest first
	swept  time.Time
}

// limiterMaxKeys bounds memory under a flood of distinct keys: past it, keys
// whose events have all left the window are swept.
const limiterMaxKeys = 100_000

func newLimiter(limit int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{limit: limit, window: window, now: now, events: map[string][]time.Time{}}
}

// recent drops a key's events older than the window; the caller holds mu.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	ev := l.events[key]
	i := 0
	for i < len(ev) && !now.Before(ev[i].Add(l.window)) {
		i++
	}
	ev = ev[i:]
	if len(ev) == 0 {
		delete(l.events, key)
		return nil
	}
	l.events[key] = ev
	return ev
}

// allow reports whether key may try again, and if not, how long until it may.
func (l *limiter) allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ev := l.recent(key, now)
	if len(ev) < l.limit {
		return true, 0
	}
	// The oldest event that keeps the count at the limit must leave the window.
	return false, ev[len(ev)-l.limit].Add(l.window).Sub(now)
}

// add counts one event against key.
func (l *limiter) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.events) >= limiterMaxKeys && now.Sub(l.swept) >= l.window/10 {
		for k := range l.events {
			l.recent(k, now)
		}
		l.swept = now
	}
	ev := append(l.recent(key, now), now)
	if len(ev) > l.limit {
		ev = ev[len(ev)-l.limit:] // more than limit never changes a decision
	}
	l.events[key] = ev
}

// reset forgets key's events (a successful log-in clears its account's).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

// Limits of the web app's accounts: a person's account is guarded tightly;
// an address less so, since a school or library puts many parents behind one.
const (
	loginAccountFailures = 5
	loginAddressFailures = 20
	loginWindow          = 15 * time.Minute
	signupsPerAddress    = 10
	signupWindow         = time.Hour
)

// accountGuards are what the handlers keep to guard accounts: the limiters
// of log-ins and sign-ups, and the key that signs CSRF tokens.
type accountGuards struct {
	loginAccount *limiter // failed log-ins per account (or per name typed, when none matches)
	loginAddress *limiter // failed log-ins per client address
	signup       *limiter // sign-up attempts per client address

	csrfMu  sync.Mutex
	csrfKey []byte // loaded from the database on first use
}

func newAccountGuards(now func() time.Time) *accountGuards {
	return &accountGuards{
		loginAccount: newLimiter(loginAccountFailures, loginWindow, now),
		loginAddress: newLimiter(loginAddressFailures, loginWindow, now),
		signup:       newLimiter(signupsPerAddress, signupWindow, now),
	}
}

// clientAddress names the client for rate limits. X-Forwarded-For is
// believed only from a loopback or private peer (a reverse proxy on the same
// machine or network), and then only its last entry, the one that proxy
// added, since a client can write any entries before it. IPv6 clients are
// counted by /64, which one household usually holds whole.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if addr.IsLoopback() || addr.IsPrivate() {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			parts := strings.Split(fwd[len(fwd)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				addr = a
			}
		}
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}
