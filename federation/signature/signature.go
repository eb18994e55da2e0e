// Package signature signs and verifies HTTP signatures the way Mastodon,
// GoToSocial, Lemmy and Fedify speak them: draft-cavage HTTP Signatures and
// RFC 9421 HTTP Message Signatures (with RFC 9530 Content-Digest).
//
// RFC 9421 is our own code (rfc9421.go, over our own reader of RFC 8941
// structured fields, sfv.go). For draft-cavage, the signature math is done
// by github.com/go-fed/httpsig, and this package adds
// what that library lacks: it labels outgoing signatures "rsa-sha256" (the
// library writes "hs2019", which some servers refuse), and on incoming
// requests it parses the Signature header itself to require the right signed
// headers, checks the Digest against the body and the Date against a time
// window, and retries the (request-target) without the query string.
//
// Verification has two steps so that the caller can fetch the signer's key
// in between:
//
//	s, err := signature.CheckRequest(r, body, time.Now(), signature.Options{})
//	// err: answer 401 with err.Error(); no key fetch needed.
//	key := lookup(s.KeyID)
//	err = s.Verify(key)
//	// errors.Is(err, signature.ErrInvalidSignature): re-fetch the key once
//	// (the actor may have rotated it) and call s.Verify again.
package signature

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// Time window for the signed Date (or created) of an incoming request.
//
// Mastodon signs each delivery attempt afresh, so a legitimate request is
// seconds old when it arrives; an hour leaves room for slow queues and proxies
// while keeping a captured request from being replayed for long. Senders'
// clocks may run a little fast, hence a small allowance into the future.
// Mastodon itself accepts about an hour on each side; widen through Options
// if a peer with a badly set clock matters.
const (
	DefaultMaxAge    = time.Hour
	DefaultMaxFuture = 5 * time.Minute
)

// Sentinel errors. Every error of CheckRequest, Signed.Verify and
// ParsePublicKeyPEM is or wraps exactly one of them; the message says what
// was wrong and is fit for a 401 body.
var (
	// ErrNotSigned: the request has neither a Signature header nor an
	// "Authorization: Signature" header.
	ErrNotSigned = errors.New("signature: request is not signed")
	// ErrMalformed: the Signature header cannot be parsed, lacks keyId or
	// signature, or a signed value (Date, created, expires) is unreadable.
	ErrMalformed = errors.New("signature: malformed signature")
	// ErrUnsupportedAlgorithm: the signature algorithm, or the Digest
	// algorithm, is not one we accept.
	ErrUnsupportedAlgorithm = errors.New("signature: unsupported algorithm")
	// ErrHeaderNotSigned: a header that must be covered by the signature
	// ((request-target), host, date or (created), and digest on requests
	// with a body) is not in the signed headers list.
	ErrHeaderNotSigned = errors.New("signature: required header not signed")
	// ErrHeaderMissing: a header named in the signed headers list is absent
	// from the request.
	ErrHeaderMissing = errors.New("signature: signed header missing from request")
	// ErrDigestMismatch: the Digest (or Content-Digest) does not match the
	// body.
	ErrDigestMismatch = errors.New("signature: digest does not match body")
	// ErrStale: the signed Date or created is outside the accepted window,
	// or the signature has expired.
	ErrStale = errors.New("signature: request time outside the accepted window")
	// ErrInvalidSignature: the signature does not verify with the key given.
	// Only Signed.Verify returns it; it is the one failure that a fresh copy
	// of the key (after a rotation) can cure.
	ErrInvalidSignature = errors.New("signature: invalid signature")
	// ErrBadPublicKey: ParsePublicKeyPEM could not read a supported key.
	ErrBadPublicKey = errors.New("signature: bad public key")
)

// Signed headers for outgoing requests, in the order Mastodon uses.
var (
	postHeaders = []string{httpsig.RequestTarget, "host", "date", "digest"}
	getHeaders  = []string{httpsig.RequestTarget, "host", "date"}
)

// SignRequest signs an outgoing request with key, as Mastodon does.
//
// It sets the Host and Date headers (Date from now). With a non-nil body
// (POST) it also sets Digest to SHA-256 of body and signs
// "(request-target) host date digest"; with a nil body (GET) it signs
// "(request-target) host date". body must be exactly what will be sent; the
// caller sets r.Body. Any earlier Signature and Digest headers are replaced,
// so a request may be signed again before a retry. The Signature header says
// algorithm="rsa-sha256" and keyId=keyID (callers pass "<actor>#main-key").
func SignRequest(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	if key == nil {
		return errors.New("signature: sign: no private key")
	}
	host, err := signedHost(r, keyID)
	if err != nil {
		return err
	}
	r.Header.Del("Signature")
	r.Header.Del("Digest")
	r.Header.Set("Host", host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))

	headers := getHeaders
	if body != nil {
		headers = postHeaders
	}
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("signature: sign: %w", err)
	}
	// httpsig builds (request-target) from URL.Path, the decoded path; the
	// wire carries the escaped one. Hand it a view with the escaped path
	// that shares r's headers, so Digest and Signature land on r.
	view := &http.Request{Method: r.Method, URL: wireURL(r.URL), Header: r.Header, Host: host}
	// The keyId is not part of the signed string; pass a placeholder and
	// write the real one ourselves, correctly quoted.
	if err := signer.SignRequest(key, "k", view, body); err != nil {
		return fmt.Errorf("signature: sign: %w", err)
	}
	p, err := parseSignature(r.Header.Get("Signature"))
	if err != nil {
		return fmt.Errorf("signature: sign: reading back httpsig's header: %w", err)
	}
	p.keyID = keyID
	p.algorithm = "rsa-sha256" // httpsig says hs2019; Guppe refuses that label
	r.Header.Set("Signature", p.format())
	return nil
}

// wireURL returns a URL whose Path is the escaped path as sent on the wire.
func wireURL(u *url.URL) *url.URL {
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return &url.URL{Path: path, RawQuery: u.RawQuery}
}

// ParsePublicKeyPEM reads an actor's publicKeyPem: a PKIX "PUBLIC KEY" block
// (what Mastodon publishes) or a PKCS#1 "RSA PUBLIC KEY" block. It returns
// an *rsa.PublicKey or an ed25519.PublicKey, the key types Signed.Verify
// accepts.
func ParsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	// Indented PEM (seen in hand-written actor documents) would not decode.
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrBadPublicKey)
	}
	switch block.Type {
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadPublicKey, err)
		}
		switch key.(type) {
		case *rsa.PublicKey, ed25519.PublicKey:
			return key, nil
		}
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrBadPublicKey, key)
	case "RSA PUBLIC KEY":
		key, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadPublicKey, err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: unexpected PEM block %q", ErrBadPublicKey, block.Type)
}

// signedHost is the host a request to be signed goes to (the client sends
// r.Host when set, else r.URL.Host: sign what goes out), once keyID is
// known not to be empty.
func signedHost(r *http.Request, keyID string) (string, error) {
	if keyID == "" {
		return "", errors.New("signature: sign: empty keyId")
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		return "", errors.New("signature: sign: request has no host")
	}
	return host, nil
}
