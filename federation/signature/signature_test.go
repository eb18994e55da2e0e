package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testKeyID = "https://remote.example/users/alice#main-key"
	testHost  = "village.example"
)

var (
	// signTime is when every test request was signed.
	signTime = time.Date(2025, time.March, 14, 15, 9, 26, 0, time.UTC)
	testBody = []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://remote.example/users/alice"}`)

	postHeaderList = []string{"(request-target)", "host", "date", "digest"}

	// rsaKeys are the signer's key and an unrelated one, made once: RSA
	// key generation is slow.
	rsaKeys = sync.OnceValues(func() (*rsa.PrivateKey, *rsa.PrivateKey) {
		return mustRSA(), mustRSA()
	})
	edKey = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func signerKey() *rsa.PrivateKey { k, _ := rsaKeys(); return k }
func otherKey() *rsa.PrivateKey  { _, k := rsaKeys(); return k }

func sha256Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// signedByUs builds an outgoing request with SignRequest and returns it as
// the receiving server would see it.
func signedByUs(t testing.TB, method, url string, body []byte) *http.Request {
	t.Helper()
	out, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := SignRequest(out, body, testKeyID, signerKey(), signTime); err != nil {
		t.Fatalf("SignRequest: %v", err)
	}
	return received(out, body)
}

// received turns an outgoing request into the one a server hands its
// handler: Host moves out of the header map, RequestURI is the wire target.
func received(out *http.Request, body []byte) *http.Request {
	in := httptest.NewRequest(out.Method, out.URL.RequestURI(), bytes.NewReader(body))
	in.Host = out.Host
	for k, v := range out.Header {
		if k != "Host" {
			in.Header[k] = slices.Clone(v)
		}
	}
	return in
}

// handSig describes a signature made by hand, independently of the
// package: the signing string is assembled here per draft-cavage.
type handSig struct {
	headers []string              // signed headers; nil leaves the headers parameter out
	target  string                // (request-target) as signed; "" means as requested
	params  string                // extra parameters, e.g. `algorithm="hs2019",`
	created int64                 // value of (created), if signed
	expires int64                 // value of (expires), if signed
	sign    func(s string) []byte // nil means RSA-SHA256 with signerKey
}

// inbound returns a received request to target on testHost with Date
// (signTime) and, for a body, Digest set, signed as hs describes.
func inbound(method, target string, body []byte, hs handSig) *http.Request {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Host = testHost
	r.Header.Set("Date", signTime.Format(http.TimeFormat))
	if body != nil {
		r.Header.Set("Digest", sha256Digest(body))
	}
	r.Header.Set("Signature", hs.header(r))
	return r
}

func (hs handSig) header(r *http.Request) string {
	target := hs.target
	if target == "" {
		target = r.URL.RequestURI()
	}
	names := hs.headers
	if names == nil {
		names = []string{"date"}
	}
	var lines []string
	for _, name := range names {
		switch name {
		case "(request-target)":
			lines = append(lines, "(request-target): "+strings.ToLower(r.Method)+" "+target)
		case "(created)":
			lines = append(lines, "(created): "+strconv.FormatInt(hs.created, 10))
		case "(expires)":
			lines = append(lines, "(expires): "+strconv.FormatInt(hs.expires, 10))
		case "host":
			lines = append(lines, "host: "+r.Host)
		default:
			lines = append(lines, name+": "+r.Header.Get(name))
		}
	}
	sign := hs.sign
	if sign == nil {
		sign = rsaSHA256(signerKey())
	}
	sig := base64.StdEncoding.EncodeToString(sign(strings.Join(lines, "\n")))
	h := `keyId="` + testKeyID + `",` + hs.params
	if hs.headers != nil {
		h += `headers="` + strings.Join(hs.headers, " ") + `",`
	}
	return h + `signature="` + sig + `"`
}

func rsaSHA256(key *rsa.PrivateKey) func(string) []byte {
	return func(s string) []byte {
		sum := sha256.Sum256([]byte(s))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func ed25519Sign(key ed25519.PrivateKey) func(string) []byte {
	return func(s string) []byte { return ed25519.Sign(key, []byte(s)) }
}

// verify runs both steps.
func verify(r *http.Request, body []byte, now time.Time, key crypto.PublicKey) (*Signed, error) {
	s, err := CheckRequest(r, body, now, Options{})
	if err != nil {
		return nil, err
	}
	return s, s.Verify(key)
}

func TestSignRequestEmitsMastodonStyleHeaders(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		body        []byte
		wantHeaders string
	}{
		{"POST signs digest", http.MethodPost, testBody, "(request-target) host date digest"},
		{"GET signs no digest", http.MethodGet, nil, "(request-target) host date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, "https://"+testHost+"/inbox", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := SignRequest(r, tt.body, testKeyID, signerKey(), signTime); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Get("Host"); got != testHost {
				t.Errorf("Host = %q, want %q", got, testHost)
			}
			if got, want := r.Header.Get("Date"), "Fri, 14 Mar 2025 15:09:26 GMT"; got != want {
				t.Errorf("Date = %q, want %q", got, want)
			}
			wantDigest := ""
			if tt.body != nil {
				wantDigest = sha256Digest(tt.body)
			}
			if got := r.Header.Get("Digest"); got != wantDigest {
				t.Errorf("Digest = %q, want %q", got, wantDigest)
			}
			sig := r.Header.Get("Signature")
			for _, want := range []string{`keyId="` + testKeyID + `"`, `algorithm="rsa-sha256"`, `headers="` + tt.wantHeaders + `"`} {
				if !strings.Contains(sig, want) {
					t.Errorf("Signature %q lacks %s", sig, want)
				}
			}
			if strings.Contains(sig, "hs2019") {
				t.Errorf("Signature %q says hs2019", sig)
			}
		})
	}
}

func TestSignRequestReplacesAnEarlierSignature(t *testing.T) {
	r, err := http.NewRequest(http.MethodPost, "https://"+testHost+"/inbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := SignRequest(r, testBody, testKeyID, signerKey(), signTime.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("signing #%d: %v", i+1, err)
		}
	}
	if n := len(r.Header.Values("Signature")); n != 1 {
		t.Fatalf("%d Signature headers after signing twice, want 1", n)
	}
	if n := len(r.Header.Values("Digest")); n != 1 {
		t.Fatalf("%d Digest headers after signing twice, want 1", n)
	}
	if _, err := verify(received(r, testBody), testBody, signTime.Add(time.Minute), &signerKey().PublicKey); err != nil {
		t.Fatalf("re-signed request does not verify: %v", err)
	}
}

// TestVerifyAcceptsIndependentSigner checks a signature made without this
// package or go-fed/httpsig: the signing string is written out literally as
// draft-cavage defines it and signed with crypto/rsa.
func TestVerifyAcceptsIndependentSigner(t *testing.T) {
	date := signTime.Format(http.TimeFormat)
	digest := sha256Digest(testBody)
	signing := "(request-target): post /inbox\n" +
		"host: " + testHost + "\n" +
		"date: " + date + "\n" +
		"digest: " + digest
	sig := base64.StdEncoding.EncodeToString(rsaSHA256(signerKey())(signing))

	for _, label := range []string{`algorithm="rsa-sha256",`, `algorithm="hs2019",`, ``} {
		t.Run("label "+label, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/inbox", bytes.NewReader(testBody))
			r.Host = testHost
			r.Header.Set("Date", date)
			r.Header.Set("Digest", digest)
			r.Header.Set("Signature", `keyId="`+testKeyID+`",`+label+`headers="(request-target) host date digest",signature="`+sig+`"`)
			s, err := verify(r, testBody, signTime.Add(3*time.Second), &signerKey().PublicKey)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if s.KeyID != testKeyID {
				t.Errorf("KeyID = %q, want %q", s.KeyID, testKeyID)
			}
			if !s.Time.Equal(signTime) {
				t.Errorf("Time = %v, want %v", s.Time, signTime)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	wall := time.Now().Truncate(time.Second)
	tests := []struct {
		name  string
		build func(t *testing.T) (*http.Request, []byte)
		now   time.Time // zero means signTime + 2s
		key   crypto.PublicKey
	}{
		{
			name: "POST signed by SignRequest",
			build: func(t *testing.T) (*http.Request, []byte) {
				return signedByUs(t, "POST", "https://village.example/inbox", testBody), testBody
			},
		},
		{
			name: "GET signed by SignRequest",
			build: func(t *testing.T) (*http.Request, []byte) {
				return signedByUs(t, "GET", "https://village.example/users/bob?page=2", nil), nil
			},
		},
		{
			name: "percent-encoded path signed by SignRequest",
			build: func(t *testing.T) (*http.Request, []byte) {
				return signedByUs(t, "POST", "https://village.example/users/j%C3%B6rg/inbox", testBody), testBody
			},
		},
		{
			name: "signature in Authorization header",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := signedByUs(t, "POST", "https://village.example/inbox", testBody)
				r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
				r.Header.Del("Signature")
				return r, testBody
			},
		},
		{
			name: "legacy Signature prefix inside Signature header",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := signedByUs(t, "POST", "https://village.example/inbox", testBody)
				r.Header.Set("Signature", "Signature "+r.Header.Get("Signature"))
				return r, testBody
			},
		},
		{
			name: "request-target signed with the query string",
			build: func(t *testing.T) (*http.Request, []byte) {
				return inbound("POST", "/inbox?from=alice", testBody, handSig{headers: postHeaderList}), testBody
			},
		},
		{
			name: "request-target signed without the query string",
			build: func(t *testing.T) (*http.Request, []byte) {
				return inbound("POST", "/inbox?from=alice", testBody, handSig{headers: postHeaderList, target: "/inbox"}), testBody
			},
		},
		{
			name: "Digest listing several algorithms in lower case",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Host = testHost
				r.Header.Set("Date", signTime.Format(http.TimeFormat))
				r.Header.Set("Digest", "sha-512=AAAA, sha-256="+strings.TrimPrefix(sha256Digest(testBody), "SHA-256="))
				r.Header.Set("Signature", handSig{headers: postHeaderList}.header(r))
				return r, testBody
			},
		},
		{
			name: "RFC 9530 Content-Digest signed instead of Digest",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Host = testHost
				r.Header.Set("Date", signTime.Format(http.TimeFormat))
				sum := sha256.Sum256(testBody)
				r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
				r.Header.Set("Signature", handSig{headers: []string{"(request-target)", "host", "date", "content-digest"}}.header(r))
				return r, testBody
			},
		},
		{
			name: "spaces around separators and unknown parameters",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := signedByUs(t, "POST", "https://village.example/inbox", testBody)
				spaced := strings.ReplaceAll(r.Header.Get("Signature"), `",`, `" , `)
				r.Header.Set("Signature", `foo=bar, `+spaced)
				return r, testBody
			},
		},
		{
			name: "Date 59 minutes old",
			build: func(t *testing.T) (*http.Request, []byte) {
				return signedByUs(t, "POST", "https://village.example/inbox", testBody), testBody
			},
			now: signTime.Add(59 * time.Minute),
		},
		{
			name: "Date 4 minutes ahead",
			build: func(t *testing.T) (*http.Request, []byte) {
				return signedByUs(t, "POST", "https://village.example/inbox", testBody), testBody
			},
			now: signTime.Add(-4 * time.Minute),
		},
		{
			name: "hs2019 with (created) and (expires) instead of Date",
			build: func(t *testing.T) (*http.Request, []byte) {
				// httpsig checks (created) and (expires) by the wall
				// clock, so these are real times.
				created, expires := wall.Add(-time.Minute).Unix(), wall.Add(9*time.Minute).Unix()
				hs := handSig{
					headers: []string{"(request-target)", "(created)", "(expires)", "host", "digest"},
					created: created,
					expires: expires,
					params:  `algorithm="hs2019",created=` + strconv.FormatInt(created, 10) + `,expires=` + strconv.FormatInt(expires, 10) + `,`,
				}
				r := inbound("POST", "/inbox", testBody, hs)
				r.Header.Del("Date")
				return r, testBody
			},
			now: wall,
		},
		{
			name: "Ed25519 key with hs2019",
			build: func(t *testing.T) (*http.Request, []byte) {
				return inbound("POST", "/inbox", testBody, handSig{headers: postHeaderList, params: `algorithm="hs2019",`, sign: ed25519Sign(edKey())}), testBody
			},
			key: edKey().Public(),
		},
		{
			name: "Ed25519 key with ed25519",
			build: func(t *testing.T) (*http.Request, []byte) {
				return inbound("POST", "/inbox", testBody, handSig{headers: postHeaderList, params: `algorithm="ed25519",`, sign: ed25519Sign(edKey())}), testBody
			},
			key: edKey().Public(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.build(t)
			now := tt.now
			if now.IsZero() {
				now = signTime.Add(2 * time.Second)
			}
			key := tt.key
			if key == nil {
				key = &signerKey().PublicKey
			}
			s, err := verify(r, body, now, key)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if s.KeyID != testKeyID {
				t.Errorf("KeyID = %q, want %q", s.KeyID, testKeyID)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	post := func(t *testing.T) (*http.Request, []byte) {
		return signedByUs(t, "POST", "https://village.example/inbox", testBody), testBody
	}
	handPOST := func(hs handSig) func(t *testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) {
			return inbound("POST", "/inbox", testBody, hs), testBody
		}
	}
	withSignature := func(value string) func(t *testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) {
			r, body := post(t)
			r.Header.Set("Signature", value)
			return r, body
		}
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		build func(t *testing.T) (*http.Request, []byte)
		now   time.Time // zero means signTime + 2s
		key   crypto.PublicKey
		want  error
	}{
		{
			name: "unsigned request",
			build: func(t *testing.T) (*http.Request, []byte) {
				return httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody)), testBody
			},
			want: ErrNotSigned,
		},
		{
			name: "Authorization with another scheme",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Header.Set("Authorization", "Bearer keyId=signature")
				return r, testBody
			},
			want: ErrNotSigned,
		},
		{
			name: "Digest does not match body",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.Header.Set("Digest", sha256Digest([]byte("something else")))
				return r, body
			},
			want: ErrDigestMismatch,
		},
		{
			name: "body tampered after signing",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, _ := post(t)
				return r, bytes.Replace(testBody, []byte("alice"), []byte("mallory"), 1)
			},
			want: ErrDigestMismatch,
		},
		{
			name: "signed Digest header missing",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.Header.Del("Digest")
				return r, body
			},
			want: ErrHeaderMissing,
		},
		{
			name: "Digest offers only SHA-512",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Host = testHost
				r.Header.Set("Date", signTime.Format(http.TimeFormat))
				r.Header.Set("Digest", "SHA-512=AAAA")
				r.Header.Set("Signature", handSig{headers: postHeaderList}.header(r))
				return r, testBody
			},
			want: ErrUnsupportedAlgorithm,
		},
		{
			name:  "digest not among signed headers",
			build: handPOST(handSig{headers: []string{"(request-target)", "host", "date"}}),
			want:  ErrHeaderNotSigned,
		},
		{
			name:  "host not signed",
			build: handPOST(handSig{headers: []string{"(request-target)", "date", "digest"}}),
			want:  ErrHeaderNotSigned,
		},
		{
			name:  "request-target not signed",
			build: handPOST(handSig{headers: []string{"host", "date", "digest"}}),
			want:  ErrHeaderNotSigned,
		},
		{
			name:  "neither date nor (created) signed",
			build: handPOST(handSig{headers: []string{"(request-target)", "host", "digest"}}),
			want:  ErrHeaderNotSigned,
		},
		{
			name:  "headers parameter absent means date alone",
			build: handPOST(handSig{}),
			want:  ErrHeaderNotSigned,
		},
		{
			name: "GET without host signed",
			build: func(t *testing.T) (*http.Request, []byte) {
				return inbound("GET", "/users/bob", nil, handSig{headers: []string{"(request-target)", "date"}}), nil
			},
			want: ErrHeaderNotSigned,
		},
		{
			name:  "Date more than an hour old",
			build: post,
			now:   signTime.Add(61 * time.Minute),
			want:  ErrStale,
		},
		{
			name:  "Date too far in the future",
			build: post,
			now:   signTime.Add(-6 * time.Minute),
			want:  ErrStale,
		},
		{
			name: "expires passed",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.Header.Set("Signature", r.Header.Get("Signature")+",expires="+strconv.FormatInt(signTime.Add(-10*time.Minute).Unix(), 10))
				return r, body
			},
			want: ErrStale,
		},
		{
			name: "signed Date not an HTTP date",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Host = testHost
				r.Header.Set("Date", "yesterday")
				r.Header.Set("Digest", sha256Digest(testBody))
				r.Header.Set("Signature", handSig{headers: postHeaderList}.header(r))
				return r, testBody
			},
			want: ErrMalformed,
		},
		{
			name:  "algorithm hmac-sha256",
			build: handPOST(handSig{headers: postHeaderList, params: `algorithm="hmac-sha256",`}),
			want:  ErrUnsupportedAlgorithm,
		},
		{
			name:  "algorithm rsa-sha1",
			build: handPOST(handSig{headers: postHeaderList, params: `algorithm="rsa-sha1",`}),
			want:  ErrUnsupportedAlgorithm,
		},
		{
			name:  "signed with another key",
			build: post,
			key:   &otherKey().PublicKey,
			want:  ErrInvalidSignature,
		},
		{
			name:  "rsa-sha256 label checked with an Ed25519 key",
			build: post,
			key:   edKey().Public(),
			want:  ErrInvalidSignature,
		},
		{
			name:  "unsupported key type",
			build: post,
			key:   &ecKey.PublicKey,
			want:  ErrInvalidSignature,
		},
		{
			name: "signed Date changed after signing",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.Header.Set("Date", signTime.Add(time.Second).Format(http.TimeFormat))
				return r, body
			},
			want: ErrInvalidSignature,
		},
		{
			name: "request sent to another path",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.URL.Path = "/users/bob/inbox"
				r.RequestURI = r.URL.Path
				return r, body
			},
			want: ErrInvalidSignature,
		},
		{
			name: "request sent to another host",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.Host = "elsewhere.example"
				return r, body
			},
			want: ErrInvalidSignature,
		},
		{
			name: "RFC 9421 signature covering a Content-Digest it does not send",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Header.Set("Signature-Input", `sig1=("@method" "@target-uri" "content-digest");created=1741964966;keyid="`+testKeyID+`"`)
				r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString([]byte("not really a signature"))+":")
				return r, testBody
			},
			want: ErrHeaderMissing,
		},
		{
			name: "RFC 9421 Signature-Input without Signature",
			build: func(t *testing.T) (*http.Request, []byte) {
				r := httptest.NewRequest("POST", "/inbox", bytes.NewReader(testBody))
				r.Header.Set("Signature-Input", `sig1=("@method");keyid="k"`)
				return r, testBody
			},
			want: ErrMalformed,
		},
		{
			name:  "unterminated quoted string",
			build: withSignature(`keyId="` + testKeyID + `",headers="(request-target) host date digest",signature="AAAA`),
			want:  ErrMalformed,
		},
		{
			name:  "parameter value neither token nor quoted",
			build: withSignature(`keyId=` + testKeyID + `,signature="AAAA"`),
			want:  ErrMalformed,
		},
		{
			name:  "missing signature parameter",
			build: withSignature(`keyId="` + testKeyID + `",headers="(request-target) host date digest"`),
			want:  ErrMalformed,
		},
		{
			name:  "missing keyId parameter",
			build: withSignature(`headers="(request-target) host date digest",signature="AAAA"`),
			want:  ErrMalformed,
		},
		{
			name:  "signature parameter not base64",
			build: withSignature(`keyId="` + testKeyID + `",headers="(request-target) host date digest",signature="%%%"`),
			want:  ErrMalformed,
		},
		{
			name:  "parameter given twice",
			build: withSignature(`keyId="a",keyId="b",headers="(request-target) host date digest",signature="AAAA"`),
			want:  ErrMalformed,
		},
		{
			name:  "(created) signed without created parameter",
			build: withSignature(`keyId="a",headers="(request-target) (created) host digest",signature="AAAA"`),
			want:  ErrMalformed,
		},
		{
			name: "two Signature headers",
			build: func(t *testing.T) (*http.Request, []byte) {
				r, body := post(t)
				r.Header.Add("Signature", r.Header.Get("Signature"))
				return r, body
			},
			want: ErrMalformed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.build(t)
			now := tt.now
			if now.IsZero() {
				now = signTime.Add(2 * time.Second)
			}
			key := tt.key
			if key == nil {
				key = &signerKey().PublicKey
			}
			_, err := verify(r, body, now, key)
			t.Log(err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "signature: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestCheckRequestNeverReportsInvalidSignature pins the contract callers
// rely on to decide whether re-fetching the key can help.
func TestCheckRequestNeverReportsInvalidSignature(t *testing.T) {
	r := signedByUs(t, "POST", "https://village.example/inbox", testBody)
	_, err := CheckRequest(r, []byte("tampered"), signTime, Options{})
	if !errors.Is(err, ErrDigestMismatch) || errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("error = %v, want only ErrDigestMismatch", err)
	}
}

func TestOptionsWidenTheWindow(t *testing.T) {
	r := signedByUs(t, "POST", "https://village.example/inbox", testBody)
	now := signTime.Add(-30 * time.Minute)
	if _, err := CheckRequest(r, testBody, now, Options{}); !errors.Is(err, ErrStale) {
		t.Fatalf("default window: error = %v, want ErrStale", err)
	}
	if _, err := CheckRequest(r, testBody, now, Options{MaxFuture: time.Hour}); err != nil {
		t.Fatalf("MaxFuture of an hour: %v", err)
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	rsaPub := &signerKey().PublicKey
	pkix, err := x509.MarshalPKIXPublicKey(rsaPub)
	if err != nil {
		t.Fatal(err)
	}
	edPKIX, err := x509.MarshalPKIXPublicKey(edKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKIX, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}

	tests := []struct {
		name string
		pem  string
		want crypto.PublicKey // nil means ErrBadPublicKey
	}{
		{"PKIX RSA key as Mastodon publishes", encode("PUBLIC KEY", pkix), rsaPub},
		{"PKCS#1 RSA key", encode("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(rsaPub)), rsaPub},
		{"PKIX Ed25519 key", encode("PUBLIC KEY", edPKIX), edKey().Public()},
		{"leading whitespace", "\n  " + encode("PUBLIC KEY", pkix), rsaPub},
		{"ECDSA key", encode("PUBLIC KEY", ecPKIX), nil},
		{"private key block", encode("PRIVATE KEY", []byte{1, 2, 3}), nil},
		{"corrupt DER", encode("PUBLIC KEY", []byte{1, 2, 3}), nil},
		{"not PEM", "hello", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKeyPEM(tt.pem)
			if tt.want == nil {
				if !errors.Is(err, ErrBadPublicKey) {
					t.Fatalf("error = %v, want ErrBadPublicKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %T %v, want %T", got, got, tt.want)
			}
		})
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	for _, seed := range []string{
		`keyId="https://a.example/u#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`,
		`Signature keyId="k",signature="AAAA"`,
		`keyId="k",created=1700000000,expires=1700000300,headers="(created) (expires)",signature="AA=="`,
		`keyId = "a\"b\\c" , signature = "AAAA", extra=token`,
		`sig1=:AAAA:`,
		"keYId=\"0\",signAture=\"\r\"", // decodes to no bytes
		`keyId="k",signature="AAAA`,
		`signature=`,
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		p, err := parseSignature(value)
		if err != nil {
			return
		}
		// What parses must survive our own formatting unchanged.
		again, err := parseSignature(p.format())
		if err != nil {
			t.Fatalf("re-parsing %q: %v", p.format(), err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip changed %+v into %+v", p, again)
		}
	})
}

func BenchmarkSignPOST(b *testing.B) {
	key := signerKey()
	for b.Loop() {
		r, err := http.NewRequest(http.MethodPost, "https://village.example/inbox", nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := SignRequest(r, testBody, testKeyID, key, signTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPOST(b *testing.B) {
	r := signedByUs(b, "POST", "https://village.example/inbox", testBody)
	pub := &signerKey().PublicKey
	now := signTime.Add(time.Second)
	for b.Loop() {
		s, err := CheckRequest(r, testBody, now, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Verify(pub); err != nil {
			b.Fatal(err)
		}
	}
}
