package ratelimit

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/village-social/village/models"
)

// The instance's limits. A person's account is guarded tightly; an address
// less so, since a school or library puts many parents behind one.
const (
	PostsPerAccount = 30 // posts and comments, web and API together
	PostWindow      = 10 * time.Minute
	// ResolvesPerAccount is how many addresses a member may have fetched
	// from other servers by pasting them in search (resolve=true) per
	// ResolveWindow: one paste is one fetch, a script would be many.
	ResolvesPerAccount = 60
	ResolveWindow      = 10 * time.Minute
	// DefaultInboxRate is how many activities one remote host may post to
	// our inboxes per minute (a burst of as many is allowed): generous,
	// since a busy server shares a whole town's activity through one host.
	DefaultInboxRate = 300

	loginAccountFailures = 5
	loginAddressFailures = 20
	loginWindow          = 15 * time.Minute
	signupsPerAddress    = 10
	signupWindow         = time.Hour
)

// Limits are the limiters one server shares between its faces: the web app
// and the client API count posts together, the inboxes count per host.
// Every web process on the database shares them too: the counts are in
// PostgreSQL. (Reports are counted in the database, with the report:
// models.CreateReport.)
type Limits struct {
	Posts        *Limiter      // per account
	Resolves     *Limiter      // fetches a search asks of other servers, per account
	Inbox        *TokenBuckets // per remote host (the signer's domain); nil: unlimited
	LoginAccount *Limiter      // failed log-ins per account (or per name typed, when none matches)
	LoginAddress *Limiter      // failed log-ins per client address
	Signup       *Limiter      // sign-up attempts per client address
}

// New makes the limiters, counting in db; inboxPerMinute 0 leaves the
// inboxes unlimited (the binary always sets it: VILLAGE_INBOX_RATE,
// default DefaultInboxRate).
func New(db models.DB, now func() time.Time, inboxPerMinute int, logger *slog.Logger) *Limits {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sweep := &sweeper{db: db, logger: logger}
	limiter := func(name string, limit int, window time.Duration) *Limiter {
		return &Limiter{db: db, now: now, sweep: sweep,
			window: models.RateWindow{Name: name, Limit: limit, Window: window}}
	}
	l := &Limits{
		Posts:        limiter("posts", PostsPerAccount, PostWindow),
		Resolves:     limiter("resolves", ResolvesPerAccount, ResolveWindow),
		LoginAccount: limiter("login-account", loginAccountFailures, loginWindow),
		LoginAddress: limiter("login-address", loginAddressFailures, loginWindow),
		Signup:       limiter("signup", signupsPerAddress, signupWindow),
	}
	if inboxPerMinute > 0 {
		l.Inbox = &TokenBuckets{db: db, now: now, sweep: sweep, empty: map[string]time.Time{}, leases: map[string]*lease{},
			chunk:  chunkOf(inboxPerMinute),
			bucket: models.RateBucket{Name: "inbox", Rate: float64(inboxPerMinute) / 60, Burst: inboxPerMinute}}
	}
	return l
}

// Post counts a post or comment by an account (web form or API); past
// PostsPerAccount in PostWindow it returns an *Error.
func (l *Limits) Post(ctx context.Context, accountID int64) error {
	return l.Posts.Take(ctx, "posts", strconv.FormatInt(accountID, 10))
}

// Resolve counts a fetch a member's search asks of another server; past
// ResolvesPerAccount in ResolveWindow it returns an *Error.
func (l *Limits) Resolve(ctx context.Context, accountID int64) error {
	return l.Resolves.Take(ctx, "searches that fetch", strconv.FormatInt(accountID, 10))
}

// ClientAddress names the client for rate limits. X-Forwarded-For is
// believed only from a loopback or private peer (a reverse proxy on the same
// machine or network), and then only its last entry, the one that proxy
// added, since a client can write any entries before it. IPv6 clients are
// counted by /64, which one household usually holds whole.
func ClientAddress(r *http.Request) string {
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
