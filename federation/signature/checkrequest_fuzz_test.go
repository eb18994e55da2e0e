package signature

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzCheckRequest sends CheckRequest a POST whose Signature, Date and
// Digest headers and body are any text: it must never panic, and a request
// it takes must name a key, cover (request-target), host, a time and the
// body's digest, with header names that cannot break the signing string,
// and a signed time inside the window. Verify with an unrelated key must
// then fail, not panic.
func FuzzCheckRequest(f *testing.F) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	body := []byte(`{"type":"Like"}`)
	r, err := http.NewRequest(http.MethodPost, "https://village.example/inbox", bytes.NewReader(body))
	if err != nil {
		f.Fatal(err)
	}
	if err := SignRequest(r, body, "https://a.example/u#main-key", key, now); err != nil {
		f.Fatal(err)
	}
	sig, date, digest := r.Header.Get("Signature"), r.Header.Get("Date"), r.Header.Get("Digest")
	f.Add(sig, date, digest, body)
	f.Add(strings.Replace(sig, `headers="`, `headers="(created) `, 1)+",created=1796558400", date, digest, body)
	f.Add(strings.Replace(sig, "rsa-sha256", "hs2019", 1), date, "sha-256="+strings.TrimPrefix(digest, "SHA-256="), body)
	f.Add(`keyId="k",headers="(request-target) host date digest",signature="AAAA"`, date, digest, []byte{})
	f.Add(`keyId="k",headers="(request-target) host (created) digest",created=9223372036854775807,signature="AA"`, "", digest, body)
	f.Add(`keyId="k",headers="(request-target) host date digest",expires=1,signature="AA"`, "Sun, 06 Dec 2026 12:00:00 GMT", digest, body)
	f.Add(`Signature keyId="k",headers="(request-target) HOST Date digest x-a:b",signature="AA=="`, date, "SHA-256=,MD5=x", body)

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	maxAge, maxFuture := Options{}.limits()
	f.Fuzz(func(t *testing.T, sig, date, digest string, body []byte) {
		r, err := http.NewRequest(http.MethodPost, "https://village.example/inbox?x=1", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header = http.Header{"Signature": {sig}, "Date": {date}, "Digest": {digest}}
		r.Host = "village.example"
		s, err := CheckRequest(r, body, now, Options{})
		if err != nil {
			return
		}
		if s.KeyID == "" {
			t.Fatalf("taken with no keyId: %q", sig)
		}
		for _, must := range []string{requestTarget, "host"} {
			if !slices.Contains(s.Headers, must) {
				t.Fatalf("taken without %s signed: %q", must, sig)
			}
		}
		if !slices.Contains(s.Headers, "date") && !slices.Contains(s.Headers, createdHeader) {
			t.Fatalf("taken with no time signed: %q", sig)
		}
		if !slices.Contains(s.Headers, "digest") && !slices.Contains(s.Headers, "content-digest") {
			t.Fatalf("a POST taken with no digest signed: %q", sig)
		}
		for _, h := range s.Headers {
			if h == "" || h != strings.ToLower(h) || strings.ContainsAny(h, ": \t\r\n") {
				t.Fatalf("signed header name %q could break the signing string", h)
			}
		}
		if s.Time.Before(now.Add(-maxAge)) || s.Time.After(now.Add(maxFuture)) {
			t.Fatalf("signed time %v outside the window around %v", s.Time, now)
		}
		if err := s.Verify(&other.PublicKey); err == nil {
			t.Fatalf("a signature %q verified with an unrelated key", sig)
		}
	})
}
