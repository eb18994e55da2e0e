package fetch

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. Every error returned by this package wraps at most one of
// them (StatusError matches ErrStatus and, by code, ErrNotFound or ErrGone),
// so callers branch with errors.Is.
var (
	// ErrAddressNotAllowed: the URL's literal IP, or an address its host
	// resolved to at dial time, is loopback, private, link-local or
	// otherwise not globally routable, and no allow-list prefix contains it.
	ErrAddressNotAllowed = errors.New("fetch: address not allowed")

	// ErrSchemeNotAllowed: the URL (or a redirect target) is not http or
	// https, or a redirect tried to go from https down to http.
	ErrSchemeNotAllowed = errors.New("fetch: scheme not allowed")

	// ErrInvalidURL: the URL does not parse, is not absolute, or has no host.
	ErrInvalidURL = errors.New("fetch: invalid URL")

	// ErrTooManyRedirects: the server redirected more than the configured
	// number of times, or sent a redirect without a usable Location.
	ErrTooManyRedirects = errors.New("fetch: too many redirects")

	// ErrTimeout: the whole fetch (every hop and the body) did not finish
	// within the client's timeout or the caller's deadline.
	ErrTimeout = errors.New("fetch: timed out")

	// ErrTooLarge: the body is larger than the client's cap. Nothing of it
	// is returned: a truncated document is never handed on.
	ErrTooLarge = errors.New("fetch: response body too large")

	// ErrContentType: an ActivityPub fetch got a Content-Type other than
	// application/activity+json or application/ld+json.
	ErrContentType = errors.New("fetch: unexpected content type")

	// ErrInvalidDocument: the body is not a single JSON object, or it nests
	// deeper or is wider than jsonguard allows (the error then wraps
	// jsonguard's sentinel too, e.g. jsonguard.ErrTooDeep).
	ErrInvalidDocument = errors.New("fetch: invalid JSON document")

	// ErrIDMismatch: an ActivityPub document's id is missing or differs from
	// the final URL it was fetched from; the document must be discarded.
	ErrIDMismatch = errors.New("fetch: document id does not match its URL")

	// ErrStatus matches every *StatusError: the final response was not 2xx.
	ErrStatus = errors.New("fetch: unexpected HTTP status")

	// ErrNotFound matches a *StatusError with code 404.
	ErrNotFound = errors.New("fetch: not found")

	// ErrGone matches a *StatusError with code 410: the object was deleted
	// and a cached copy may be removed.
	ErrGone = errors.New("fetch: gone")
)

// StatusError reports a final response whose status is not 2xx (a redirect
// status is only final when it cannot be followed). errors.Is matches it
// against ErrStatus always, ErrNotFound for 404 and ErrGone for 410.
type StatusError struct {
	StatusCode int    // the HTTP status code received
	URL        string // the URL that answered with it
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("fetch: GET %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Is lets errors.Is match the sentinel that fits the status code.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrStatus:
		return true
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrGone:
		return e.StatusCode == http.StatusGone
	}
	return false
}
