package activitypub

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Why an inbox refused an activity: a small fixed set, for metrics
// (web/metrics' village_inbox_refused_total) and logs.
const (
	RefusedMediaType = "media_type"   // not an ActivityPub content type
	RefusedUnsigned  = "unsigned"     // no signature at all
	RefusedSignature = "signature"    // a signature that does not verify
	RefusedBlocked   = "blocked"      // a suspended domain or account
	RefusedRate      = "rate_limited" // the host is over its rate
	RefusedBadJSON   = "bad_json"     // not JSON, or too deep or wide
	RefusedTooLarge  = "too_large"    // over the body limit
	RefusedNoInbox   = "no_inbox"     // no such actor here
	RefusedByPolicy  = "refused"      // verified, but not allowed (inbox.Error)
	RefusedError     = "error"        // our own failure (5xx): the sender retries
	RefusedOther     = "other"        // any other 4xx
)

// InboxRefusalReasons lists every reason InboxRefusal gives.
func InboxRefusalReasons() []string {
	return []string{RefusedMediaType, RefusedUnsigned, RefusedSignature, RefusedBlocked, RefusedRate,
		RefusedBadJSON, RefusedTooLarge, RefusedNoInbox, RefusedByPolicy, RefusedError, RefusedOther}
}

// refusalKey is where the inbox handler notes why it refused, in the Echo
// context, for InboxRefusal to read.
const refusalKey = "activitypub.inbox_refusal"

// refused notes why the inbox refuses the request c.
func refused(c echo.Context, reason string) { c.Set(refusalKey, reason) }

// InboxRefusal says why the inbox POST c was answered status: the reason
// the handler noted, else one read from the status (a body over the limit
// is refused by middleware before the handler runs).
func InboxRefusal(c echo.Context, status int) string {
	if r, ok := c.Get(refusalKey).(string); ok && status < 500 {
		return r
	}
	switch {
	case status >= 500:
		return RefusedError
	case status == http.StatusRequestEntityTooLarge:
		return RefusedTooLarge
	case status == http.StatusTooManyRequests:
		return RefusedRate
	case status == http.StatusUnsupportedMediaType:
		return RefusedMediaType
	}
	return RefusedOther
}
