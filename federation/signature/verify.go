package signature

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// Options tune CheckRequest. The zero value gives the defaults.
type Options struct {
	// MaxAge is how old the signed Date or created may be.
	// Zero means DefaultMaxAge.
	MaxAge time.Duration
	// MaxFuture is how far ahead of now the signed Date or created may be,
	// and how long past its expires a signature is still taken (clock
	// skew). Zero means DefaultMaxFuture.
	MaxFuture time.Duration
	// Scheme is the scheme ("https" or "http") requests reached us by, for
	// the RFC 9421 components @target-uri and @scheme: behind a reverse
	// proxy the request alone cannot tell. Empty: https, unless the
	// request's URL says http.
	Scheme string
}

func (o Options) limits() (maxAge, maxFuture time.Duration) {
	maxAge, maxFuture = o.MaxAge, o.MaxFuture
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if maxFuture <= 0 {
		maxFuture = DefaultMaxFuture
	}
	return maxAge, maxFuture
}

// Signed is a request whose signature passed every check that needs no key:
// it is well formed, covers the required headers, is fresh, and its Digest
// matches the body. Call Verify with the key named by KeyID to finish.
// A Signed holds copies of what it needs and may be verified several times
// (after a key re-fetch) and from several goroutines.
type Signed struct {
	// KeyID is the signature's keyId, by which the caller finds the key.
	KeyID string
	// Algorithm is the algorithm parameter, lowercased; "" when absent.
	Algorithm string
	// Headers are the signed headers, lowercased, in signed order.
	Headers []string
	// Time is the signed time that was checked against the window: the
	// created parameter when (created) is signed, else the Date header.
	Time time.Time
	// RFC9421 tells an RFC 9421 message signature (Signature-Input) from a
	// draft-cavage one; for it, Headers are the covered components.
	RFC9421 bool

	message *messageSig // RFC 9421 only

	params  sigParams
	signed  []string // the headers list Verify uses, safe from callers
	method  string
	host    string
	targets []string    // (request-target) with the query, then without it
	header  http.Header // copies of the signed headers
}

// CheckRequest is the first step of verification. It reads the draft-cavage
// signature of r from the Signature header, or from
// "Authorization: Signature ...", and checks everything that needs no key:
//
//   - the algorithm is rsa-sha256, hs2019, ed25519 or absent;
//   - (request-target), host, and date or (created) are signed, and on a
//     request with a body (any method but GET and HEAD, or a non-empty
//     body) so is digest or content-digest. The headers parameter defaults
//     to "date", which therefore never suffices;
//   - every signed header is present;
//   - the signed Date and created are within Options' window around now,
//     and expires, if given, has not passed;
//   - each signed Digest or Content-Digest has a SHA-256 entry equal to
//     SHA-256 of body, the raw request body.
//
// Errors wrap one of the package's sentinel errors, never
// ErrInvalidSignature: fetching the key again cannot help.
func CheckRequest(r *http.Request, body []byte, now time.Time, opts Options) (*Signed, error) {
	if len(r.Header.Values("Signature-Input")) > 0 {
		return checkRFC9421(r, body, now, opts)
	}
	p, err := readSignature(r.Header)
	if err != nil {
		return nil, err
	}
	algorithm := strings.ToLower(p.algorithm)
	if err := checkAlgorithm(algorithm); err != nil {
		return nil, err
	}
	headers := p.headers
	if headers == nil {
		headers = []string{"date"} // the draft's default
	}
	if err := checkCoverage(headers, hasBody(r, body)); err != nil {
		return nil, err
	}
	s := &Signed{
		KeyID:     p.keyID,
		Algorithm: algorithm,
		Headers:   slices.Clone(headers),
		params:    p,
		signed:    headers,
		method:    r.Method,
		host:      hostOf(r),
		targets:   requestTargets(r.URL),
	}
	if s.header, err = copySigned(r.Header, headers, s.host); err != nil {
		return nil, err
	}
	if s.Time, err = checkTime(p, headers, s.header, now, opts); err != nil {
		return nil, err
	}
	if err := checkDigests(headers, s.header, body); err != nil {
		return nil, err
	}
	return s, nil
}

// Verify is the second step: it checks the signature with key, an
// *rsa.PublicKey or an ed25519.PublicKey (as ParsePublicKeyPEM returns).
// RSA keys take rsa-sha256 and hs2019 signatures (RSASSA-PKCS1-v1_5 with
// SHA-256, as Mastodon means hs2019); Ed25519 keys take hs2019 and ed25519.
// It tries the (request-target) with the query string first, then without
// it, since some senders sign the path alone.
//
// Every error wraps ErrInvalidSignature: the caller may fetch the key again
// once, in case the actor rotated it, and retry.
//
// When (created) or (expires) is signed, go-fed/httpsig also refuses, by the
// wall clock and not by CheckRequest's now, a created more than 10 seconds
// ahead or an expires more than 10 seconds past.
func (s *Signed) Verify(key crypto.PublicKey) error {
	if s.message != nil {
		return s.message.verify(key, s.KeyID)
	}
	algo, err := verifyAlgorithm(s.Algorithm, key)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	for _, target := range s.targets {
		v, err := httpsig.NewVerifier(s.request(target))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
		}
		if v.Verify(key, algo) == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %s signature does not verify with the key of %s", ErrInvalidSignature, algo, s.KeyID)
}

// request builds the request go-fed/httpsig sees: the signed headers as
// copied, the given (request-target), and a Signature header rewritten from
// our parse, since httpsig's own parser splits naively on commas.
func (s *Signed) request(target string) *http.Request {
	p := sigParams{keyID: "k", headers: s.signed, signature: s.params.signature}
	// Pass created and expires only when signed: httpsig checks them
	// against the wall clock, which must not refuse unsigned values.
	if slices.Contains(s.signed, createdHeader) {
		p.created = s.params.created
	}
	if slices.Contains(s.signed, expiresHeader) {
		p.expires = s.params.expires
	}
	h := s.header.Clone()
	h.Set("Signature", p.format())
	path, query, _ := strings.Cut(target, "?")
	return &http.Request{Method: s.method, URL: &url.URL{Path: path, RawQuery: query}, Header: h, Host: s.host}
}

// readSignature finds and parses the draft-cavage signature parameters.
func readSignature(h http.Header) (sigParams, error) {
	value, err := signatureValue(h)
	if err != nil {
		return sigParams{}, err
	}
	p, err := parseSignature(value)
	if err != nil {
		return sigParams{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return p, nil
}

// signatureValue returns the Signature header, or else an Authorization
// header of the Signature scheme.
func signatureValue(h http.Header) (string, error) {
	switch sigs := h.Values("Signature"); {
	case len(sigs) > 1:
		return "", fmt.Errorf("%w: more than one Signature header", ErrMalformed)
	case len(sigs) == 1 && strings.TrimSpace(sigs[0]) != "":
		return sigs[0], nil
	}
	auth := h.Get("Authorization")
	const scheme = "signature"
	if len(auth) > len(scheme) && strings.EqualFold(auth[:len(scheme)], scheme) && isSpace(auth[len(scheme)]) {
		return auth, nil
	}
	return "", ErrNotSigned
}

// checkAlgorithm accepts the labels Mastodon accepts (rsa-sha256, hs2019,
// or none, which means hs2019) plus ed25519. rsa-sha1 is refused as
// Mastodon refuses it: SHA-1 is broken and no current server sends it.
// hmac-* needs a shared secret, which the fediverse does not have.
func checkAlgorithm(a string) error {
	switch a {
	case "", "hs2019", "rsa-sha256", "ed25519":
		return nil
	}
	return fmt.Errorf("%w: %q (accepted: rsa-sha256, hs2019, ed25519)", ErrUnsupportedAlgorithm, a)
}

// checkCoverage requires the headers without which a signature could be
// replayed to another host or path, at another time, or with another body.
func checkCoverage(headers []string, body bool) error {
	has := func(n string) bool { return slices.Contains(headers, n) }
	switch {
	case !has(requestTarget):
		return fmt.Errorf("%w: (request-target) must be signed", ErrHeaderNotSigned)
	case !has("host"):
		return fmt.Errorf("%w: host must be signed", ErrHeaderNotSigned)
	case !has("date") && !has(createdHeader):
		return fmt.Errorf("%w: date or (created) must be signed", ErrHeaderNotSigned)
	case body && !has("digest") && !has("content-digest"):
		return fmt.Errorf("%w: digest must be signed on a request with a body", ErrHeaderNotSigned)
	}
	return nil
}

func hasBody(r *http.Request, body []byte) bool {
	return len(body) > 0 || (r.Method != http.MethodGet && r.Method != http.MethodHead)
}

// hostOf returns the Host the request was sent with: a server moves it out
// of the header map into r.Host, which is also what routed the request.
func hostOf(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if h := r.Header.Get("Host"); h != "" {
		return h
	}
	return r.URL.Host
}

// requestTargets returns the path and query as sent, then the path alone
// when there is a query.
func requestTargets(u *url.URL) []string {
	target := u.RequestURI()
	path, query, _ := strings.Cut(target, "?")
	if query == "" {
		return []string{path}
	}
	return []string{target, path}
}

// copySigned copies the signed headers out of h, so that the later Verify
// does not depend on the request, and reports the first one missing.
func copySigned(h http.Header, headers []string, host string) (http.Header, error) {
	out := make(http.Header, len(headers))
	for _, name := range headers {
		switch name {
		case requestTarget, createdHeader, expiresHeader:
			continue
		case "host":
			if host == "" {
				return nil, fmt.Errorf("%w: host", ErrHeaderMissing)
			}
			out.Set("Host", host)
			continue
		}
		values := h.Values(name)
		if len(values) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrHeaderMissing, name)
		}
		out[textproto.CanonicalMIMEHeaderKey(name)] = slices.Clone(values)
	}
	return out, nil
}

// checkTime checks the signed times against the window around now and
// returns the one that stands for the request's time.
func checkTime(p sigParams, headers []string, h http.Header, now time.Time, opts Options) (time.Time, error) {
	maxAge, maxFuture := opts.limits()
	var signed time.Time
	if slices.Contains(headers, createdHeader) {
		if p.created == 0 {
			return time.Time{}, fmt.Errorf("%w: (created) is signed but the created parameter is missing", ErrMalformed)
		}
		signed = time.Unix(p.created, 0)
		if err := inWindow("created", signed, now, maxAge, maxFuture); err != nil {
			return time.Time{}, err
		}
	}
	if slices.Contains(headers, "date") {
		date, err := http.ParseTime(h.Get("Date"))
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: Date %q is not an HTTP date", ErrMalformed, h.Get("Date"))
		}
		if err := inWindow("Date", date, now, maxAge, maxFuture); err != nil {
			return time.Time{}, err
		}
		if signed.IsZero() {
			signed = date
		}
	}
	if slices.Contains(headers, expiresHeader) && p.expires == 0 {
		return time.Time{}, fmt.Errorf("%w: (expires) is signed but the expires parameter is missing", ErrMalformed)
	}
	// An unsigned expires can only shorten the window, so honour it too.
	if p.expires != 0 {
		expires := time.Unix(p.expires, 0)
		if now.After(expires.Add(maxFuture)) {
			return time.Time{}, fmt.Errorf("%w: signature expired at %s", ErrStale, expires.UTC().Format(http.TimeFormat))
		}
	}
	return signed, nil
}

func inWindow(what string, t, now time.Time, maxAge, maxFuture time.Duration) error {
	// Times are compared, not durations: now.Sub saturates ~292 years out,
	// and negating the smallest Duration gives it back, so a Date in the
	// year 2700 once passed as fresh.
	age := now.Sub(t)
	if t.Before(now.Add(-maxAge)) {
		return fmt.Errorf("%w: %s is %s old, at most %s accepted", ErrStale, what, age.Round(time.Second), maxAge)
	}
	if t.After(now.Add(maxFuture)) {
		return fmt.Errorf("%w: %s is %s in the future, at most %s accepted", ErrStale, what, (-age).Round(time.Second), maxFuture)
	}
	return nil
}

// checkDigests checks every signed body digest against the body.
func checkDigests(headers []string, h http.Header, body []byte) error {
	sum := sha256.Sum256(body)
	if slices.Contains(headers, "digest") {
		if err := checkDigest("Digest", strings.Join(h.Values("Digest"), ","), sum[:]); err != nil {
			return err
		}
	}
	if slices.Contains(headers, "content-digest") {
		return checkContentDigest(strings.Join(h.Values("Content-Digest"), ", "), body)
	}
	return nil
}

// checkDigest reads a Digest (RFC 3230: "SHA-256=b64, SHA-512=b64") and
// requires a SHA-256 entry,
// every such entry equal to sum. Algorithm names are case-insensitive.
func checkDigest(field, value string, sum []byte) error {
	var offered []string
	found := false
	for _, entry := range strings.Split(value, ",") {
		name, v, _ := strings.Cut(strings.TrimSpace(entry), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "sha-256") {
			offered = append(offered, strings.TrimSpace(name))
			continue
		}
		found = true
		v = strings.TrimSpace(v)
		got, err := decodeBase64(v)
		if err != nil || !bytes.Equal(got, sum) {
			return fmt.Errorf("%w: %s has SHA-256 %s, the body's is %s", ErrDigestMismatch, field, v, base64.StdEncoding.EncodeToString(sum))
		}
	}
	if !found {
		return fmt.Errorf("%w: %s offers %s, only SHA-256 is accepted", ErrUnsupportedAlgorithm, field, strings.Join(offered, ", "))
	}
	return nil
}

// verifyAlgorithm picks the httpsig algorithm for a label and a key.
func verifyAlgorithm(label string, key crypto.PublicKey) (httpsig.Algorithm, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil {
			return "", errors.New("no public key")
		}
		if label == "" || label == "hs2019" || label == "rsa-sha256" {
			return httpsig.RSA_SHA256, nil
		}
		return "", fmt.Errorf("an RSA key cannot check a signature labelled %s", label)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", errors.New("public key: Ed25519 key of the wrong size")
		}
		if label == "" || label == "hs2019" || label == "ed25519" {
			return httpsig.ED25519, nil
		}
		return "", fmt.Errorf("an Ed25519 key cannot check a signature labelled %s", label)
	}
	return "", fmt.Errorf("unsupported public key type %T", key)
}
