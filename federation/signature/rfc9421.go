package signature

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// RFC 9421 HTTP Message Signatures: the Signature-Input and Signature
// dictionaries, a signature base built from covered components, and the
// RFC 9530 Content-Digest of the body.

// Algorithms of RFC 9421 section 3.3 that we take and send.
const (
	AlgRSAv15SHA256 = "rsa-v1_5-sha256"
	AlgRSAPSSSHA512 = "rsa-pss-sha512"
	AlgEd25519      = "ed25519"
)

// rfc9421Label is the label of the signatures we send.
const rfc9421Label = "sig1"

// Derived components we can compute for a request (RFC 9421 section 2.2).
// @query-param (needs the name parameter) and @status (responses) are not.
var derivedComponents = []string{"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}

// messageSig is what CheckRequest keeps of an RFC 9421 signature for Verify.
type messageSig struct {
	base []byte // the signature base
	sig  []byte
	alg  string // the alg parameter; "" when absent
}

// sigInput is one parsed Signature-Input member.
type sigInput struct {
	label      string
	components []string // component names, in order
	list       []sfItem // as given, for the signature base
	params     sfParams
	keyID      string
	alg        string
	created    int64 // 0 when absent
	expires    int64 // 0 when absent
}

// parseSignatureInput reads a Signature-Input field value: a dictionary
// whose members are inner lists of component identifiers (strings without
// parameters: we support none) with the signature parameters created,
// expires (integers), keyid, alg, nonce and tag (strings). Unknown
// parameters are kept for the signature base and otherwise ignored.
func parseSignatureInput(value string) ([]sigInput, error) {
	members, err := parseDictionary(value)
	if err != nil {
		return nil, err
	}
	out := make([]sigInput, 0, len(members))
	for _, m := range members {
		if !m.inner {
			return nil, fmt.Errorf("%w: Signature-Input member %q is not an inner list", errSF, m.name)
		}
		in := sigInput{label: m.name, list: m.list, params: m.params}
		for _, it := range m.list {
			if it.value.kind != sfString {
				return nil, fmt.Errorf("%w: component identifier of %q is not a string", errSF, m.name)
			}
			if len(it.params) > 0 {
				return nil, fmt.Errorf("%w: component %q has parameters, which are not supported", errSF, it.value.str)
			}
			name := it.value.str
			if slices.Contains(in.components, name) {
				return nil, fmt.Errorf("%w: component %q covered twice", errSF, name)
			}
			if name == "@signature-params" {
				return nil, fmt.Errorf("%w: @signature-params cannot be covered", errSF)
			}
			if strings.HasPrefix(name, "@") {
				if !slices.Contains(derivedComponents, name) {
					return nil, fmt.Errorf("%w: derived component %q is not supported", errSF, name)
				}
			} else if tok, end := readToken(name, 0); tok == "" || end != len(name) || strings.ToLower(name) != name {
				return nil, fmt.Errorf("%w: %q is not a lowercase field name", errSF, name)
			}
			in.components = append(in.components, name)
		}
		for _, p := range m.params {
			switch p.name {
			case "created", "expires":
				if p.value.kind != sfInteger || p.value.num <= 0 {
					return nil, fmt.Errorf("%w: %s of %q is not a positive integer", errSF, p.name, m.name)
				}
				if p.name == "created" {
					in.created = p.value.num
				} else {
					in.expires = p.value.num
				}
			case "keyid", "alg", "nonce", "tag":
				if p.value.kind != sfString {
					return nil, fmt.Errorf("%w: %s of %q is not a string", errSF, p.name, m.name)
				}
				switch p.name {
				case "keyid":
					in.keyID = p.value.str
				case "alg":
					in.alg = p.value.str
				}
			}
		}
		out = append(out, in)
	}
	return out, nil
}

// paramsLine is the value of "@signature-params": the inner list with its
// parameters, serialized.
func (in sigInput) paramsLine() string {
	var b strings.Builder
	serializeInnerList(&b, in.list, in.params)
	return b.String()
}

// componentSource gives the values of components for one request.
type componentSource struct {
	method string
	scheme string
	host   string
	target string // path and query as sent
	header http.Header
}

func sourceOf(r *http.Request, scheme string) componentSource {
	target := r.RequestURI
	if target == "" || !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	if scheme == "" {
		scheme = "https"
		if r.TLS == nil && r.URL.Scheme == "http" {
			scheme = "http"
		}
	}
	return componentSource{method: r.Method, scheme: strings.ToLower(scheme), host: hostOf(r), target: target, header: r.Header}
}

// value returns one component's value (RFC 9421 sections 2.1 and 2.2).
func (s componentSource) value(name string) (string, error) {
	path, query, hasQuery := strings.Cut(s.target, "?")
	switch name {
	case "@method":
		return s.method, nil
	case "@target-uri":
		return s.scheme + "://" + s.host + s.target, nil
	case "@authority":
		return strings.ToLower(s.host), nil
	case "@scheme":
		return s.scheme, nil
	case "@request-target":
		return s.target, nil
	case "@path":
		if path == "" {
			path = "/"
		}
		return path, nil
	case "@query":
		if !hasQuery {
			return "?", nil
		}
		return "?" + query, nil
	case "host":
		if s.host == "" {
			return "", fmt.Errorf("%w: host", ErrHeaderMissing)
		}
		return s.host, nil
	}
	values := s.header.Values(name)
	if len(values) == 0 {
		return "", fmt.Errorf("%w: %s", ErrHeaderMissing, name)
	}
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.Trim(v, " \t")
	}
	return strings.Join(trimmed, ", "), nil
}

// signatureBase builds the signature base of RFC 9421 section 2.5.
func signatureBase(in sigInput, src componentSource) ([]byte, error) {
	var b bytes.Buffer
	for i, name := range in.components {
		v, err := src.value(name)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: component %s has a line break", ErrMalformed, name)
		}
		var id strings.Builder
		in.list[i].serialize(&id)
		b.WriteString(id.String())
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(in.paramsLine())
	return b.Bytes(), nil
}

// checkRFC9421 is CheckRequest for a request with a Signature-Input header.
func checkRFC9421(r *http.Request, body []byte, now time.Time, opts Options) (*Signed, error) {
	inputs, sigs, err := readRFC9421(r.Header)
	if err != nil {
		return nil, err
	}
	// The first signature that has both an input and a value is the one
	// checked; a sender has no reason to send more (Mastodon sends one).
	var in sigInput
	var sig []byte
	for _, candidate := range inputs {
		if v, ok := sigs[candidate.label]; ok {
			in, sig = candidate, v
			break
		}
	}
	if sig == nil {
		return nil, fmt.Errorf("%w: no Signature matches a Signature-Input label", ErrMalformed)
	}
	if in.keyID == "" {
		return nil, fmt.Errorf("%w: signature %q has no keyid", ErrMalformed, in.label)
	}
	if len(sig) == 0 {
		return nil, fmt.Errorf("%w: empty signature", ErrMalformed)
	}
	switch in.alg {
	case "", AlgRSAv15SHA256, AlgRSAPSSSHA512, AlgEd25519:
	default:
		return nil, fmt.Errorf("%w: %q (accepted: %s, %s, %s)", ErrUnsupportedAlgorithm, in.alg, AlgRSAv15SHA256, AlgRSAPSSSHA512, AlgEd25519)
	}
	if err := checkComponentCoverage(in.components, hasBody(r, body)); err != nil {
		return nil, err
	}
	src := sourceOf(r, opts.Scheme)
	s := &Signed{
		KeyID:     in.keyID,
		Algorithm: in.alg,
		Headers:   slices.Clone(in.components),
		RFC9421:   true,
	}
	if s.Time, err = checkInputTime(in, r.Header, now, opts); err != nil {
		return nil, err
	}
	if err := checkBodyDigests(in.components, r.Header, body); err != nil {
		return nil, err
	}
	base, err := signatureBase(in, src)
	if err != nil {
		return nil, err
	}
	s.message = &messageSig{base: base, sig: sig, alg: in.alg}
	return s, nil
}

// readRFC9421 parses Signature-Input and Signature (each possibly sent on
// several lines, which join as one dictionary).
func readRFC9421(h http.Header) ([]sigInput, map[string][]byte, error) {
	inputs, err := parseSignatureInput(strings.Join(h.Values("Signature-Input"), ", "))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: Signature-Input: %w", ErrMalformed, err)
	}
	raw := strings.Join(h.Values("Signature"), ", ")
	if strings.TrimSpace(raw) == "" {
		return nil, nil, fmt.Errorf("%w: Signature-Input without a Signature header", ErrMalformed)
	}
	members, err := parseDictionary(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: Signature: %w", ErrMalformed, err)
	}
	sigs := make(map[string][]byte, len(members))
	for _, m := range members {
		if m.inner || m.item.value.kind != sfBytes {
			return nil, nil, fmt.Errorf("%w: Signature member %q is not a byte sequence", ErrMalformed, m.name)
		}
		sigs[m.name] = m.item.value.bytes
	}
	return inputs, sigs, nil
}

// checkComponentCoverage requires what Mastodon requires: the method and
// the target (@target-uri, or @authority with @path or @request-target),
// and the body's digest on a request with a body.
func checkComponentCoverage(components []string, body bool) error {
	has := func(n string) bool { return slices.Contains(components, n) }
	target := has("@target-uri") || (has("@authority") || has("host")) && (has("@path") || has("@request-target"))
	switch {
	case !has("@method"):
		return fmt.Errorf("%w: @method must be signed", ErrHeaderNotSigned)
	case !target:
		return fmt.Errorf("%w: @target-uri must be signed", ErrHeaderNotSigned)
	case body && !has("content-digest") && !has("digest"):
		return fmt.Errorf("%w: content-digest must be signed on a request with a body", ErrHeaderNotSigned)
	}
	return nil
}

// checkInputTime requires created within the window (as Date for
// draft-cavage), a signed Date within it too, and expires not passed.
func checkInputTime(in sigInput, h http.Header, now time.Time, opts Options) (time.Time, error) {
	maxAge, maxFuture := opts.limits()
	if in.created == 0 {
		return time.Time{}, fmt.Errorf("%w: the created parameter is required", ErrMalformed)
	}
	created := time.Unix(in.created, 0)
	if err := inWindow("created", created, now, maxAge, maxFuture); err != nil {
		return time.Time{}, err
	}
	if slices.Contains(in.components, "date") {
		date, err := http.ParseTime(h.Get("Date"))
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: Date %q is not an HTTP date", ErrMalformed, h.Get("Date"))
		}
		if err := inWindow("Date", date, now, maxAge, maxFuture); err != nil {
			return time.Time{}, err
		}
	}
	if in.expires != 0 {
		expires := time.Unix(in.expires, 0)
		if !expires.After(created) {
			return time.Time{}, fmt.Errorf("%w: expires is not after created", ErrMalformed)
		}
		if now.After(expires.Add(maxFuture)) {
			return time.Time{}, fmt.Errorf("%w: signature expired at %s", ErrStale, expires.UTC().Format(http.TimeFormat))
		}
	}
	return created, nil
}

// checkBodyDigests checks each covered digest field against the body.
func checkBodyDigests(components []string, h http.Header, body []byte) error {
	for _, name := range []string{"content-digest", "digest"} {
		if slices.Contains(components, name) && len(h.Values(name)) == 0 {
			return fmt.Errorf("%w: %s", ErrHeaderMissing, name)
		}
	}
	if slices.Contains(components, "content-digest") {
		if err := checkContentDigest(strings.Join(h.Values("Content-Digest"), ", "), body); err != nil {
			return err
		}
	}
	if slices.Contains(components, "digest") {
		sum := sha256.Sum256(body)
		return checkDigest("Digest", strings.Join(h.Values("Digest"), ","), sum[:])
	}
	return nil
}

// checkContentDigest reads an RFC 9530 Content-Digest (a dictionary of
// byte sequences) and requires a sha-256 or sha-512 entry, every such entry
// equal to the body's digest. Other algorithms are ignored.
func checkContentDigest(value string, body []byte) error {
	members, err := parseDictionary(value)
	if err != nil {
		return fmt.Errorf("%w: Content-Digest: %w", ErrMalformed, err)
	}
	known := 0
	for _, m := range members {
		var sum []byte
		switch m.name {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		known++
		if m.inner || m.item.value.kind != sfBytes || !bytes.Equal(m.item.value.bytes, sum) {
			return fmt.Errorf("%w: Content-Digest %s does not match the body", ErrDigestMismatch, m.name)
		}
	}
	if known == 0 {
		return fmt.Errorf("%w: Content-Digest offers no sha-256 or sha-512", ErrUnsupportedAlgorithm)
	}
	return nil
}

// verifyMessage checks an RFC 9421 signature with key.
func (m *messageSig) verify(key crypto.PublicKey, keyID string) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil {
			return fmt.Errorf("%w: no public key", ErrInvalidSignature)
		}
		switch m.alg {
		case "", AlgRSAv15SHA256:
			sum := sha256.Sum256(m.base)
			if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], m.sig) == nil {
				return nil
			}
		case AlgRSAPSSSHA512:
			sum := sha512.Sum512(m.base)
			if rsa.VerifyPSS(k, crypto.SHA512, sum[:], m.sig, &rsa.PSSOptions{SaltLength: 64}) == nil {
				return nil
			}
		default:
			return fmt.Errorf("%w: an RSA key cannot check a signature of alg %s", ErrInvalidSignature, m.alg)
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: Ed25519 key of the wrong size", ErrInvalidSignature)
		}
		if m.alg != "" && m.alg != AlgEd25519 {
			return fmt.Errorf("%w: an Ed25519 key cannot check a signature of alg %s", ErrInvalidSignature, m.alg)
		}
		if ed25519.Verify(k, m.base, m.sig) {
			return nil
		}
	default:
		return fmt.Errorf("%w: unsupported public key type %T", ErrInvalidSignature, key)
	}
	return fmt.Errorf("%w: RFC 9421 signature does not verify with the key of %s", ErrInvalidSignature, keyID)
}

// Scheme says which signature scheme a request is signed with.
type Scheme int

const (
	// Cavage is draft-cavage-http-signatures-12, as Mastodon sends.
	Cavage Scheme = iota
	// RFC9421 is RFC 9421 HTTP Message Signatures.
	RFC9421
)

func (s Scheme) String() string {
	if s == RFC9421 {
		return "rfc9421"
	}
	return "draft-cavage"
}

// Sign signs r with the given scheme; see SignRequest and SignRFC9421.
func Sign(scheme Scheme, r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, now time.Time) error {
	if scheme == RFC9421 {
		return SignRFC9421(r, body, keyID, key, now)
	}
	return SignRequest(r, body, keyID, key, now)
}

// SignRFC9421 signs an outgoing request with an RFC 9421 message signature,
// as Mastodon 4.5 and Fedify verify it: label sig1, the components
// "@method" "@target-uri" and, with a non-nil body (POST), "content-digest"
// (RFC 9530, sha-256, set here), and the parameters created, keyid and alg
// (rsa-v1_5-sha256 for an *rsa.PrivateKey, ed25519 for an
// ed25519.PrivateKey). Host and Date are set too (unsigned, for servers
// that log them). Earlier signature headers of either scheme are replaced.
func SignRFC9421(r *http.Request, body []byte, keyID string, key crypto.Signer, now time.Time) error {
	var alg string
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k == nil {
			return errors.New("signature: sign: no private key")
		}
		alg = AlgRSAv15SHA256
	case ed25519.PrivateKey:
		alg = AlgEd25519
	default:
		return fmt.Errorf("signature: sign: unsupported private key %T", key)
	}
	host, err := signedHost(r, keyID)
	if err != nil {
		return err
	}
	for _, h := range []string{"Signature", "Signature-Input", "Digest", "Content-Digest"} {
		r.Header.Del(h)
	}
	r.Header.Set("Host", host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	components := []string{"@method", "@target-uri"}
	if body != nil {
		sum := sha256.Sum256(body)
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
		components = append(components, "content-digest")
	}
	in := sigInput{label: rfc9421Label, components: components, keyID: keyID, alg: alg, created: now.Unix()}
	for _, c := range components {
		in.list = append(in.list, sfItem{value: sfBare{kind: sfString, str: c}})
	}
	in.params = sfParams{
		{name: "created", value: sfBare{kind: sfInteger, num: in.created}},
		{name: "keyid", value: sfBare{kind: sfString, str: keyID}},
		{name: "alg", value: sfBare{kind: sfString, str: alg}},
	}
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "https"
	}
	src := componentSource{method: r.Method, scheme: strings.ToLower(scheme), host: host, target: r.URL.RequestURI(), header: r.Header}
	base, err := signatureBase(in, src)
	if err != nil {
		return fmt.Errorf("signature: sign: %w", err)
	}
	var sig []byte
	if alg == AlgEd25519 {
		sig, err = key.Sign(rand.Reader, base, crypto.Hash(0))
	} else {
		sum := sha256.Sum256(base)
		sig, err = key.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
	if err != nil {
		return fmt.Errorf("signature: sign: %w", err)
	}
	r.Header.Set("Signature-Input", serializeDictionary([]sfMember{{name: rfc9421Label, inner: true, list: in.list, params: in.params}}))
	r.Header.Set("Signature", serializeDictionary([]sfMember{{name: rfc9421Label, item: sfItem{value: sfBare{kind: sfBytes, bytes: sig}}}}))
	return nil
}
