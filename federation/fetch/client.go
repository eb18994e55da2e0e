// Package fetch is the outgoing HTTP client for every remote GET of
// ActivityPub documents, WebFinger and NodeInfo. It is built to face hostile
// servers: every connection goes through an address Guard checked at dial
// time (SSRF, DNS rebinding), redirects are few and each hop is re-checked
// and re-signed, the whole fetch has one deadline, and bodies are capped.
package fetch

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/village-social/village/federation/jsonguard"
)

// Defaults used when an Options field is zero.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxRedirects = 3
	DefaultUserAgent    = "Village"

	// ActivityAccept is the Accept header of GetActivity.
	ActivityAccept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Transport limits. A fetch as a whole is bounded by Options.Timeout; these
// keep one slow phase, or one host, from holding resources for all of it.
const (
	dialTimeout         = 5 * time.Second
	tlsHandshakeTimeout = 5 * time.Second
	idleConnTimeout     = 90 * time.Second
	maxIdleConns        = 100
	maxIdleConnsPerHost = 4
	maxConnsPerHost     = 16
	maxHeaderBytes      = 64 << 10
	redirectDrainBytes  = 4 << 10
)

// Options configures a Client. Zero values take the defaults.
type Options struct {
	// AllowPrivate lists prefixes that may be reached even though they are
	// not public (the operator's VILLAGE_ALLOW_PRIVATE; tests pass
	// 127.0.0.0/8).
	AllowPrivate []netip.Prefix

	// Timeout bounds one whole fetch: every redirect hop and the body.
	// Default 10s.
	Timeout time.Duration

	// MaxBodyBytes caps the response body; a larger one is an error.
	// Default 1 MiB.
	MaxBodyBytes int64

	// MaxRedirects is how many redirects are followed. 0 means the default
	// (3); a negative value follows none.
	MaxRedirects int

	// UserAgent is sent on every request, e.g. "Village/0.1 (+https://host/)".
	// Default "Village".
	UserAgent string

	// Signer, if set, is called on every outgoing request, including each
	// redirect hop, after Accept, User-Agent and Host are set and just before
	// it is sent. It adds an HTTP Signature (Date, Signature headers).
	// An error from it aborts the fetch.
	Signer func(*http.Request) error
}

// Client performs guarded fetches. It is safe for concurrent use and should
// be shared: it keeps a pool of connections.
type Client struct {
	guard        *Guard
	http         *http.Client
	timeout      time.Duration
	maxBody      int64
	maxRedirects int
	userAgent    string
	signer       func(*http.Request) error
}

// Document is a fetched JSON document.
type Document struct {
	// URL is the final URL fetched, after redirects, without fragment. For
	// GetActivity it equals the document's id, and its origin (not the one
	// of the URL asked for) is the origin the document speaks for.
	URL string
	// ContentType is the response's Content-Type header.
	ContentType string
	// Raw is the body exactly as received.
	Raw []byte
	// Object is Raw parsed as a JSON object.
	Object map[string]any
}

// New returns a Client configured by opts.
func New(opts Options) *Client {
	c := &Client{
		guard:        NewGuard(opts.AllowPrivate),
		timeout:      opts.Timeout,
		maxBody:      opts.MaxBodyBytes,
		maxRedirects: opts.MaxRedirects,
		userAgent:    opts.UserAgent,
		signer:       opts.Signer,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	switch {
	case c.maxRedirects == 0:
		c.maxRedirects = DefaultMaxRedirects
	case c.maxRedirects < 0:
		c.maxRedirects = 0
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}

	dialer := &net.Dialer{
		Timeout:   dialTimeout,
		KeepAlive: 30 * time.Second,
		Control:   c.guard.Control,
	}
	transport := &http.Transport{
		// No proxy, not even from the environment: the guard would then
		// check the proxy's address instead of the target's.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  c.timeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        idleConnTimeout,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		MaxConnsPerHost:        maxConnsPerHost,
		MaxResponseHeaderBytes: maxHeaderBytes,
	}
	c.http = &http.Client{
		Transport: transport,
		// Redirects are followed by hand so that each hop is checked,
		// freshly built (no headers carried over) and re-signed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// Guard returns the client's address guard, for callers that build other
// transports (deliveries) with the same policy.
func (c *Client) Guard() *Guard { return c.guard }

// CloseIdleConnections closes pooled connections that are not in use.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// GetActivity fetches an ActivityPub document (actor, object, activity,
// collection) by URL.
//
// It sends Accept: ActivityAccept, follows up to MaxRedirects redirects, and
// requires a 2xx status, a Content-Type of application/activity+json or
// application/ld+json, a body within the cap that is one JSON object within
// jsonguard's limits (depth, array length, keys), and an
// "id" equal to the final URL. Any fragment of rawURL is dropped (it is never
// sent), so a key id like ".../actor#main-key" fetches and matches the actor.
func (c *Client) GetActivity(ctx context.Context, rawURL string) (*Document, error) {
	doc, err := c.get(ctx, rawURL, ActivityAccept, checkActivityType)
	if err != nil {
		return nil, err
	}
	id, _ := doc.Object["id"].(string)
	if !sameID(id, doc.URL) {
		return nil, fmt.Errorf("%w: id %q fetched from %s", ErrIDMismatch, id, doc.URL)
	}
	return doc, nil
}

// GetJSON fetches a plain JSON document (WebFinger, NodeInfo) with the given
// Accept header (application/json if empty), under the same guard, timeout,
// size cap and redirect rules as GetActivity, but without its Content-Type
// and id checks. The body must still be one JSON object within jsonguard's
// limits.
func (c *Client) GetJSON(ctx context.Context, rawURL, accept string) (*Document, error) {
	if accept == "" {
		accept = "application/json"
	}
	return c.get(ctx, rawURL, accept, nil)
}

// get runs one guarded fetch: redirects, status, content type, body, JSON.
func (c *Client) get(ctx context.Context, rawURL, accept string, checkType func(string) error) (*Document, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.open(ctx, rawURL, accept)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return c.readDocument(ctx, resp, checkType)
}

// open starts a guarded GET of an absolute URL (its fragment dropped,
// never sent), following redirects; the caller closes the body.
func (c *Client) open(ctx context.Context, rawURL, accept string) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if !u.IsAbs() {
		return nil, fmt.Errorf("%w: %q is not absolute", ErrInvalidURL, rawURL)
	}
	u.Fragment, u.RawFragment = "", ""
	return c.follow(ctx, u, accept)
}

// readDocument reads a final response as one JSON document: status,
// content type, body cap, shape.
func (c *Client) readDocument(ctx context.Context, resp *http.Response, checkType func(string) error) (*Document, error) {
	final := resp.Request.URL.String()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{StatusCode: resp.StatusCode, URL: final}
	}
	ct := resp.Header.Get("Content-Type")
	if checkType != nil {
		if err := checkType(ct); err != nil {
			return nil, fmt.Errorf("%w: %q from %s", err, ct, final)
		}
	}
	if resp.ContentLength > c.maxBody {
		return nil, fmt.Errorf("%w: %s declares %d bytes, cap %d", ErrTooLarge, final, resp.ContentLength, c.maxBody)
	}
	// Read one byte past the cap to tell "exactly the cap" from "more".
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, c.transportError(ctx, final, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("%w: %s sent more than %d bytes", ErrTooLarge, final, c.maxBody)
	}
	// The shape first: nothing decodes a document too deep or too wide.
	if err := jsonguard.Check(body); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidDocument, final, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidDocument, final, err)
	}
	if obj == nil { // the body was "null"
		return nil, fmt.Errorf("%w: %s: not an object", ErrInvalidDocument, final)
	}
	return &Document{URL: final, ContentType: ct, Raw: body, Object: obj}, nil
}

// follow sends the GET and follows redirects, guarding and signing each hop.
// The returned response is final: 2xx, or any status that is not a
// followable redirect. Its Request.URL is the URL that produced it.
func (c *Client) follow(ctx context.Context, u *url.URL, accept string) (*http.Response, error) {
	for hops := 0; ; hops++ {
		if err := c.guard.CheckURL(u); err != nil {
			return nil, fmt.Errorf("fetch: GET %s: %w", u.Redacted(), err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("User-Agent", c.userAgent)
		// Net/http writes req.Host on the wire and ignores Header["Host"];
		// both are set so a signer covering "host" reads the sent value.
		req.Host = u.Host
		req.Header.Set("Host", u.Host)
		if c.signer != nil {
			if err := c.signer(req); err != nil {
				return nil, fmt.Errorf("fetch: sign GET %s: %w", u.Redacted(), err)
			}
		}

		resp, err := c.http.Do(req)
		if err != nil {
			return nil, c.transportError(ctx, u.Redacted(), err)
		}
		if !isRedirect(resp.StatusCode) {
			return resp, nil
		}

		loc := resp.Header.Get("Location")
		drain(resp)
		if loc == "" {
			return nil, &StatusError{StatusCode: resp.StatusCode, URL: u.Redacted()}
		}
		if hops >= c.maxRedirects {
			return nil, fmt.Errorf("%w: more than %d, at %s", ErrTooManyRedirects, c.maxRedirects, u.Redacted())
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("%w: redirect from %s to %q: %w", ErrInvalidURL, u.Redacted(), loc, err)
		}
		next.Fragment, next.RawFragment = "", ""
		// A hostile or hijacked origin must not move a TLS fetch onto
		// plain text, where anyone on the path could answer for it.
		if u.Scheme == "https" && next.Scheme == "http" {
			return nil, fmt.Errorf("%w: redirect from %s down to %s", ErrSchemeNotAllowed, u.Redacted(), next.Redacted())
		}
		u = next
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// drain reads a little of a discarded body so the connection can be reused,
// then closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, redirectDrainBytes))
	_ = resp.Body.Close()
}

// transportError wraps an error from sending or reading, marking timeouts.
// ctx is the fetch's own context: if it has expired, the fetch timed out,
// whatever shape the transport gave the error.
func (c *Client) transportError(ctx context.Context, target string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop net/http's repetition of method and URL
	}
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%w: GET %s (limit %s): %w", ErrTimeout, target, c.timeout, err)
	}
	return fmt.Errorf("fetch: GET %s: %w", target, err)
}

// checkActivityType accepts application/activity+json and
// application/ld+json, whatever their parameters.
//
// Mastodon (FetchResourceService, JsonLdHelper) compares only the media
// type, without parameters, against exactly these two, so it takes
// ld+json with or without the ActivityStreams profile. Demanding the profile
// would refuse servers Mastodon federates with and buys no safety: the id
// check and the caller's @context check judge the content. application/json
// and text/html are refused, as Mastodon does.
func checkActivityType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return ErrContentType
	}
	switch mt {
	case "application/activity+json", "application/ld+json":
		return nil
	}
	return ErrContentType
}

// sameID reports whether a document's id names the URL it was fetched from.
// The comparison is exact, as Mastodon's, except that an empty path equals
// "/" ("https://host" and "https://host/" are the same request).
func sameID(id, final string) bool {
	if id == "" {
		return false
	}
	if id == final {
		return true
	}
	return rootPath(id) == rootPath(final)
}

// rootPath returns s with an empty path written as "/", or s unchanged.
func rootPath(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.Path != "" || u.RawPath != "" {
		return s
	}
	u.Path = "/"
	return u.String()
}
