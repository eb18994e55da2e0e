package activitypub

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

var (
	keyIDParam   = regexp.MustCompile(`keyId="([^"]+)"`)
	rfc9421KeyID = regexp.MustCompile(`;\s*keyid="([^"]+)"`)
)

// claimedHost is the host the request's signature names (keyId, or keyid
// of an RFC 9421 Signature-Input), before anything is verified: enough to
// refuse a suspended domain or a host over its rate without the cost of
// checking the signature; "" when unsigned.
func claimedHost(r *http.Request) string {
	m := keyIDParam.FindStringSubmatch(r.Header.Get("Signature"))
	if m == nil {
		m = rfc9421KeyID.FindStringSubmatch(r.Header.Get("Signature-Input"))
	}
	if m == nil {
		return ""
	}
	u, err := url.Parse(m[1])
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// carriesSignature reports whether the request has a signature of either
// scheme (draft-cavage in Signature or Authorization, RFC 9421 in
// Signature-Input), whatever it is worth.
func carriesSignature(r *http.Request) bool {
	return r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != "" ||
		strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "signature ")
}

// guardInbox refuses, before verification, an inbox POST claiming to come
// from a suspended domain (403) or from a host over its rate (429 with
// Retry-After). Nothing is stored or fetched for either.
func (h *Handler) guardInbox(c echo.Context) error {
	host := claimedHost(c.Request())
	if host == "" {
		return nil
	}
	if err := h.refuseSuspendedDomain(c, host); err != nil {
		return err
	}
	if h.limits.Inbox == nil {
		return nil
	}
	if wait := h.limits.Inbox.Wait(host); wait > 0 {
		return h.inboxLimited(c, host, wait)
	}
	return nil
}

// refuseSuspendedDomain answers 403 for a suspended domain.
func (h *Handler) refuseSuspendedDomain(c echo.Context, domain string) error {
	sev, err := h.domainBlocks.Severity(c.Request().Context(), domain)
	if err != nil {
		return err
	}
	if sev == models.BlockSuspend {
		h.logger.InfoContext(c.Request().Context(), "inbox: refused a suspended domain", "domain", domain)
		refused(c, RefusedBlocked)
		return echo.NewHTTPError(http.StatusForbidden, "this server does not accept activities from "+domain)
	}
	return nil
}

// refuseSuspendedAccount answers 403 for a remote account this instance suspended.
func (h *Handler) refuseSuspendedAccount(c echo.Context, signer *models.Actor) error {
	suspended, err := h.domainBlocks.ActorSuspended(c.Request().Context(), signer.URI)
	if err != nil {
		return err
	}
	if suspended {
		h.logger.InfoContext(c.Request().Context(), "inbox: refused a suspended account", "actor", signer.URI)
		refused(c, RefusedBlocked)
		return echo.NewHTTPError(http.StatusForbidden, "this server does not accept activities from "+signer.URI)
	}
	return nil
}

// countInbox spends the verified signer's host one token of its rate.
func (h *Handler) countInbox(c echo.Context, domain string) error {
	if h.limits.Inbox == nil {
		return nil
	}
	ok, wait, err := h.limits.Inbox.Take(c.Request().Context(), domain)
	if err != nil {
		return err
	}
	if !ok {
		return h.inboxLimited(c, domain, wait)
	}
	return nil
}

func (h *Handler) inboxLimited(c echo.Context, host string, wait time.Duration) error {
	secs := int(wait/time.Second) + 1
	h.logger.InfoContext(c.Request().Context(), "inbox: rate limited", "host", host, "retry_after", secs)
	refused(c, RefusedRate)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests, "too many activities from "+host+"; try again in "+strconv.Itoa(secs)+"s")
}
