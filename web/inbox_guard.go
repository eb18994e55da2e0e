package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// domainBlockTTL is how long the inbox trusts its copy of the domain
// blocks: a block made on the admin page applies at once, one made with the
// command line (another process) within this time.
const domainBlockTTL = time.Second

// domainBlockCache keeps the (short) lists of domain blocks and suspended
// remote accounts in memory, so that the inbox can refuse a suspended
// domain before it verifies anything or fetches its key, and a suspended
// account once verified, without a query per activity.
type domainBlockCache struct {
	db  models.DB
	now func() time.Time

	mu        sync.Mutex
	blocks    []models.DomainBlock
	suspended map[string]bool // suspended remote accounts' ids
	loaded    time.Time
}

// load reads the lists again when they are older than domainBlockTTL; the
// caller holds mu.
func (d *domainBlockCache) load(ctx context.Context) error {
	now := d.now()
	if !d.loaded.IsZero() && now.Sub(d.loaded) < domainBlockTTL && !now.Before(d.loaded) {
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

// actorSuspended reports whether this instance suspended the remote account uri.
func (d *domainBlockCache) actorSuspended(ctx context.Context, uri string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return false, err
	}
	return d.suspended[uri], nil
}

// severity is the block covering domain ("" when none).
func (d *domainBlockCache) severity(ctx context.Context, domain string) (string, error) {
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

// forget makes the next look-up read the blocks again (after a change here).
func (d *domainBlockCache) forget() {
	d.mu.Lock()
	d.loaded = time.Time{}
	d.mu.Unlock()
}

var keyIDParam = regexp.MustCompile(`keyId="([^"]+)"`)

// claimedHost is the host the request's signature names (keyId), before
// anything is verified: enough to refuse a suspended domain or a host over
// its rate without the cost of checking the signature; "" when unsigned.
func claimedHost(r *http.Request) string {
	m := keyIDParam.FindStringSubmatch(r.Header.Get("Signature"))
	if m == nil {
		return ""
	}
	u, err := url.Parse(m[1])
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// guardInbox refuses, before verification, an inbox POST claiming to come
// from a suspended domain (403) or from a host over its rate (429 with
// Retry-After). Nothing is stored or fetched for either.
func (h *handlers) guardInbox(c echo.Context) error {
	host := claimedHost(c.Request())
	if host == "" {
		return nil
	}
	if err := h.refuseSuspendedDomain(c, host); err != nil {
		return err
	}
	if h.limits.inbox == nil {
		return nil
	}
	if wait := h.limits.inbox.wait(host); wait > 0 {
		return h.inboxLimited(c, host, wait)
	}
	return nil
}

// refuseSuspendedDomain answers 403 for a suspended domain.
func (h *handlers) refuseSuspendedDomain(c echo.Context, domain string) error {
	sev, err := h.domainBlocks.severity(c.Request().Context(), domain)
	if err != nil {
		return err
	}
	if sev == models.BlockSuspend {
		h.logger.Info("inbox: refused a suspended domain", "domain", domain)
		return echo.NewHTTPError(http.StatusForbidden, "this server does not accept activities from "+domain)
	}
	return nil
}

// refuseSuspendedAccount answers 403 for a remote account this instance suspended.
func (h *handlers) refuseSuspendedAccount(c echo.Context, signer *models.Actor) error {
	suspended, err := h.domainBlocks.actorSuspended(c.Request().Context(), signer.URI)
	if err != nil {
		return err
	}
	if suspended {
		h.logger.Info("inbox: refused a suspended account", "actor", signer.URI)
		return echo.NewHTTPError(http.StatusForbidden, "this server does not accept activities from "+signer.URI)
	}
	return nil
}

// countInbox spends the verified signer's host one token of its rate.
func (h *handlers) countInbox(c echo.Context, domain string) error {
	if h.limits.inbox == nil {
		return nil
	}
	if ok, wait := h.limits.inbox.take(domain); !ok {
		return h.inboxLimited(c, domain, wait)
	}
	return nil
}

func (h *handlers) inboxLimited(c echo.Context, host string, wait time.Duration) error {
	secs := int(wait/time.Second) + 1
	h.logger.Info("inbox: rate limited", "host", host, "retry_after", secs)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests, "too many activities from "+host+"; try again in "+strconv.Itoa(secs)+"s")
}
