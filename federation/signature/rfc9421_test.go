package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rfc9421Sig describes an RFC 9421 signature made by hand, independently
// of the package: the signature base is assembled here from RFC 9421
// section 2.5.
type rfc9421Sig struct {
	components []string              // covered components, in order
	params     string                // after the inner list; "" means ;created=signTime;keyid=testKeyID
	sign       func(s string) []byte // nil means rsa-v1_5-sha256 with signerKey
	digest     string                // Content-Digest; "" means sha-256 of the body
}

// inbound9421 returns a received request to target on testHost, with Date,
// Content-Digest (for a body) and an RFC 9421 signature as s describes.
func inbound9421(method, target string, body []byte, s rfc9421Sig) *http.Request {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Host = testHost
	r.Header.Set("Date", signTime.Format(http.TimeFormat))
	if body != nil {
		d := s.digest
		if d == "" {
			sum := sha256.Sum256(body)
			d = "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
		}
		r.Header.Set("Content-Digest", d)
	}
	params := s.params
	if params == "" {
		params = ";created=" + strconv.FormatInt(signTime.Unix(), 10) + `;keyid="` + testKeyID + `"`
	}
	var ids []string
	var lines []string
	for _, c := range s.components {
		ids = append(ids, `"`+c+`"`)
		var v string
		switch c {
		case "@method":
			v = method
		case "@target-uri":
			v = "https://" + testHost + target
		case "@authority":
			v = testHost
		case "@path":
			v, _, _ = strings.Cut(target, "?")
		default:
			v = r.Header.Get(c)
		}
		lines = append(lines, `"`+c+`": `+v)
	}
	inner := "(" + strings.Join(ids, " ") + ")" + params
	lines = append(lines, `"@signature-params": `+inner)
	sign := s.sign
	if sign == nil {
		sign = rsaSHA256(signerKey())
	}
	r.Header.Set("Signature-Input", "sig1="+inner)
	r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sign(strings.Join(lines, "\n")))+":")
	return r
}

var mastodonPOST = []string{"@method", "@target-uri", "content-digest"}

// The example of RFC 9421 appendix B.2.6 (Ed25519), byte for byte: our
// signature base is the RFC's, and its signature verifies.
func TestSignatureBaseIsRFC9421AppendixB26(t *testing.T) {
	r := httptest.NewRequest("POST", "/foo?param=Value&Pet=dog", strings.NewReader(`{"hello": "world"}`))
	r.Host = "example.com"
	r.Header.Set("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Length", "18")
	inputs, err := parseSignatureInput(`sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`)
	if err != nil {
		t.Fatal(err)
	}
	base, err := signatureBase(inputs[0], sourceOf(r, "https"))
	if err != nil {
		t.Fatal(err)
	}
	want := `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
	if string(base) != want {
		t.Fatalf("signature base:\n%s\nwant:\n%s", base, want)
	}
	pub, err := base64.RawURLEncoding.DecodeString("JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs")
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.StdEncoding.DecodeString("wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==")
	m := &messageSig{base: base, sig: sig}
	if err := m.verify(ed25519.PublicKey(pub), "test-key-ed25519"); err != nil {
		t.Fatalf("the RFC's signature does not verify: %v", err)
	}
}

func TestRFC9421Accepts(t *testing.T) {
	now := signTime.Add(30 * time.Second)
	tests := []struct {
		name string
		r    *http.Request
		body []byte
		key  any
	}{
		{"a POST as Mastodon 4.5 signs it", inbound9421("POST", "/inbox", testBody, rfc9421Sig{components: mastodonPOST}), testBody, &signerKey().PublicKey},
		{"a GET with a query", inbound9421("GET", "/users/alice/outbox?page=2", nil, rfc9421Sig{components: []string{"@method", "@target-uri"}}), nil, &signerKey().PublicKey},
		{"@authority and @path instead of @target-uri", inbound9421("GET", "/users/alice", nil, rfc9421Sig{components: []string{"@method", "@authority", "@path"}}), nil, &signerKey().PublicKey},
		{"alg rsa-v1_5-sha256 and more parameters", inbound9421("POST", "/inbox", testBody, rfc9421Sig{components: mastodonPOST,
			params: `;alg="rsa-v1_5-sha256";keyid="` + testKeyID + `";created=` + strconv.FormatInt(signTime.Unix(), 10) + `;expires=` + strconv.FormatInt(signTime.Unix()+300, 10) + `;nonce="abc";tag="fedi"`}), testBody, &signerKey().PublicKey},
		{"ed25519", inbound9421("POST", "/inbox", testBody, rfc9421Sig{components: mastodonPOST, sign: ed25519Sign(edKey()),
			params: `;created=` + strconv.FormatInt(signTime.Unix(), 10) + `;keyid="` + testKeyID + `";alg="ed25519"`}), testBody, edKey().Public()},
		{"a sha-512 Content-Digest", func() *http.Request {
			sum := sha512.Sum512(testBody)
			return inbound9421("POST", "/inbox", testBody, rfc9421Sig{components: mastodonPOST, digest: "sha-512=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"})
		}(), testBody, &signerKey().PublicKey},
		{"covered date within the window", inbound9421("POST", "/inbox", testBody, rfc9421Sig{components: []string{"@method", "@target-uri", "content-digest", "date"}}), testBody, &signerKey().PublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := verify(tt.r, tt.body, now, tt.key)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !s.RFC9421 || s.KeyID != testKeyID || !s.Time.Equal(signTime) {
				t.Errorf("Signed = %+v", s)
			}
		})
	}
}

func TestRFC9421Refuses(t *testing.T) {
	now := signTime.Add(30 * time.Second)
	created := strconv.FormatInt(signTime.Unix(), 10)
	keyid := `;keyid="` + testKeyID + `"`
	post := func(s rfc9421Sig) *http.Request {
		if s.components == nil {
			s.components = mastodonPOST
		}
		return inbound9421("POST", "/inbox", testBody, s)
	}
	tests := []struct {
		name string
		r    *http.Request
		body []byte
		key  any
		now  time.Time
		want error
	}{
		{name: "wrong signature bytes", r: func() *http.Request {
			r := post(rfc9421Sig{})
			r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 256))+":")
			return r
		}(), want: ErrInvalidSignature},
		{name: "signed by another key", r: post(rfc9421Sig{sign: rsaSHA256(otherKey())}), want: ErrInvalidSignature},
		{name: "path changed after signing", r: func() *http.Request {
			r := post(rfc9421Sig{})
			r.URL.Path, r.RequestURI = "/users/alice/inbox", "/users/alice/inbox"
			return r
		}(), want: ErrInvalidSignature},
		{name: "method changed after signing", r: func() *http.Request {
			r := post(rfc9421Sig{})
			r.Method = "PUT"
			return r
		}(), want: ErrInvalidSignature},
		{name: "sent to another host", r: func() *http.Request {
			r := post(rfc9421Sig{})
			r.Host = "elsewhere.example"
			return r
		}(), want: ErrInvalidSignature},
		{name: "body changed after signing (Content-Digest no longer matches)", r: post(rfc9421Sig{}), body: []byte(`{"type":"Delete"}`), want: ErrDigestMismatch},
		{name: "Content-Digest of another body", r: post(rfc9421Sig{digest: "sha-256=:" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + ":"}), want: ErrDigestMismatch},
		{name: "Content-Digest with only sha-1", r: post(rfc9421Sig{digest: "sha=:AAAA:"}), want: ErrUnsupportedAlgorithm},
		{name: "Content-Digest that is no dictionary", r: post(rfc9421Sig{digest: "SHA-256=abc"}), want: ErrMalformed},
		{name: "created too old", r: post(rfc9421Sig{}), now: signTime.Add(DefaultMaxAge + time.Minute), want: ErrStale},
		{name: "created in the future", r: post(rfc9421Sig{}), now: signTime.Add(-DefaultMaxFuture - time.Minute), want: ErrStale},
		{name: "expired", r: post(rfc9421Sig{params: ";created=" + created + ";expires=" + strconv.FormatInt(signTime.Unix()+10, 10) + keyid}),
			now: signTime.Add(DefaultMaxFuture + time.Minute), want: ErrStale},
		{name: "no created", r: post(rfc9421Sig{params: keyid}), want: ErrMalformed},
		{name: "no keyid", r: post(rfc9421Sig{params: ";created=" + created}), want: ErrMalformed},
		{name: "@method not covered", r: post(rfc9421Sig{components: []string{"@target-uri", "content-digest"}}), want: ErrHeaderNotSigned},
		{name: "target not covered", r: post(rfc9421Sig{components: []string{"@method", "content-digest"}}), want: ErrHeaderNotSigned},
		{name: "POST without content-digest covered", r: post(rfc9421Sig{components: []string{"@method", "@target-uri"}}), want: ErrHeaderNotSigned},
		{name: "covered header missing", r: post(rfc9421Sig{components: []string{"@method", "@target-uri", "content-digest", "x-missing"}}), want: ErrHeaderMissing},
		{name: "HMAC algorithm", r: post(rfc9421Sig{params: ";created=" + created + keyid + `;alg="hmac-sha256"`}), want: ErrUnsupportedAlgorithm},
		{name: "alg ed25519 with an RSA key", r: post(rfc9421Sig{params: ";created=" + created + keyid + `;alg="ed25519"`}), want: ErrInvalidSignature},
		{name: "labels of Signature and Signature-Input differ", r: func() *http.Request {
			r := post(rfc9421Sig{})
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
			return r
		}(), want: ErrMalformed},
		{name: "Signature-Input without Signature", r: func() *http.Request {
			r := post(rfc9421Sig{})
			r.Header.Del("Signature")
			return r
		}(), want: ErrMalformed},
		{name: "unsupported derived component", r: post(rfc9421Sig{components: []string{"@method", "@target-uri", "content-digest", "@query-param"}}), want: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, key, at := tt.body, tt.key, tt.now
			if body == nil {
				body = testBody
			}
			if key == nil {
				key = &signerKey().PublicKey
			}
			if at.IsZero() {
				at = now
			}
			_, err := verify(tt.r, body, at, key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// What SignRFC9421 sends verifies here, for POST and GET, and names what
// Mastodon 4.5 requires.
func TestSignRFC9421RoundTrip(t *testing.T) {
	for _, tt := range []struct {
		method, url string
		body        []byte
	}{
		{"POST", "https://village.example/users/bob/inbox", testBody},
		{"GET", "https://village.example/users/bob/statuses/1?page=true&only_other_accounts=true", nil},
		{"GET", "https://village.example/@bob%2Fx", nil},
	} {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			out, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			out.Header.Set("Signature", "left over")
			if err := SignRFC9421(out, tt.body, testKeyID, signerKey(), signTime); err != nil {
				t.Fatal(err)
			}
			input := out.Header.Get("Signature-Input")
			want := `sig1=("@method" "@target-uri"`
			if tt.body != nil {
				want += ` "content-digest"`
			}
			want += `);created=` + strconv.FormatInt(signTime.Unix(), 10) + `;keyid="` + testKeyID + `";alg="rsa-v1_5-sha256"`
			if input != want {
				t.Errorf("Signature-Input = %s\nwant %s", input, want)
			}
			in := received(out, tt.body)
			s, err := verify(in, tt.body, signTime.Add(time.Second), &signerKey().PublicKey)
			if err != nil {
				t.Fatalf("our own RFC 9421 signature does not verify: %v", err)
			}
			if !s.RFC9421 {
				t.Error("read as draft-cavage")
			}
		})
	}
}

func TestParseSignatureInput(t *testing.T) {
	ok := []struct {
		name, value string
		want        []string // labels
	}{
		{"Mastodon", `sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://a.example/u#main-key"`, []string{"sig1"}},
		{"spaces inside the list and around members", ` sig1=( "@method"  "@path" );created=1 ,  sig2=("@method");keyid="k"`, []string{"sig1", "sig2"}},
		{"empty list", `sig1=();created=1`, []string{"sig1"}},
		{"escaped quote in keyid", `sig1=("@method");keyid="a\"b\\c"`, []string{"sig1"}},
		{"unknown parameters kept", `sig1=("@method");created=1;x-foo=?1;bar=tok/en`, []string{"sig1"}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSignatureInput(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, in := range got {
				labels = append(labels, in.label)
			}
			if !reflect.DeepEqual(labels, tt.want) {
				t.Errorf("labels %v, want %v", labels, tt.want)
			}
		})
	}
	bad := []struct{ name, value string }{
		{"empty", ``},
		{"not a dictionary", `("@method")`},
		{"member not an inner list", `sig1="@method"`},
		{"unterminated list", `sig1=("@method"`},
		{"unterminated string", `sig1=("@method)`},
		{"component not a string", `sig1=(method)`},
		{"component with parameters", `sig1=("content-digest";sf)`},
		{"component twice", `sig1=("@method" "@method")`},
		{"@signature-params covered", `sig1=("@signature-params")`},
		{"uppercase field name", `sig1=("Content-Digest")`},
		{"field name with a colon", `sig1=("a:b")`},
		{"label twice", `sig1=("@method"), sig1=("@path")`},
		{"parameter twice", `sig1=("@method");created=1;created=2`},
		{"created not an integer", `sig1=("@method");created="1"`},
		{"created negative", `sig1=("@method");created=-1`},
		{"keyid not a string", `sig1=("@method");keyid=k`},
		{"decimal", `sig1=("@method");created=1.5`},
		{"integer too long", `sig1=("@method");created=1234567890123456`},
		{"trailing comma", `sig1=("@method"),`},
		{"items without a space between", `sig1=("@method""@path")`},
		{"non-ASCII in a string", "sig1=(\"@méthod\")"},
		{"control character in a string", "sig1=(\"a\x01\")"},
		{"bad escape", `sig1=("a\n")`},
		{"uppercase label", `Sig1=("@method")`},
		{"too many members", strings.Repeat(`s=(), `, 1) + func() string {
			var b strings.Builder
			for i := range sfMaxMembers + 1 {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("s" + strconv.Itoa(i) + "=()")
			}
			return b.String()
		}()},
		{"too long", `sig1=("@method");keyid="` + strings.Repeat("a", sfMaxLen) + `"`},
	}
	for _, tt := range bad {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			if got, err := parseSignatureInput(tt.value); err == nil {
				t.Fatalf("parsed %q as %+v", tt.value, got)
			}
		})
	}
}

func FuzzSignatureInput(f *testing.F) {
	for _, seed := range []string{
		`sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://a.example/u#main-key"`,
		`sig1=("@method" "@target-uri");created=1700000000;keyid="https://a.example/u#main-key";alg="rsa-v1_5-sha256"`,
		`sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
		` sig1=( "@method"  "@path" );created=1 ,  sig2=("@method");keyid="k";expires=2;nonce="n";tag="t"`,
		`sig1=("@method");keyid="a\"b\\c";x=?0;y=:AAAA:;z=tok:en/x`,
		`sig1=();created=1`,
		`sig1=("@method"),`,
		`sig1=("content-digest";sf)`,
		`sig1=:AAAA:`,
		`sig1`,
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		members, err := parseDictionary(value)
		if err != nil {
			return
		}
		// A dictionary we read survives our serialization unchanged, so the
		// signature base we build from it is the sender's.
		again, err := parseDictionary(serializeDictionary(members))
		if err != nil {
			t.Fatalf("re-parsing %q: %v", serializeDictionary(members), err)
		}
		if !reflect.DeepEqual(members, again) {
			t.Fatalf("round trip changed %+v into %+v", members, again)
		}
		inputs, err := parseSignatureInput(value)
		if err != nil {
			return
		}
		for _, in := range inputs {
			line := in.paramsLine()
			if strings.ContainsAny(line, "\r\n") {
				t.Fatalf("@signature-params %q has a line break", line)
			}
		}
	})
}
