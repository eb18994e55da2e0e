package signature

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Pseudo-headers of draft-cavage that may appear in the headers parameter.
const (
	requestTarget = "(request-target)"
	createdHeader = "(created)"
	expiresHeader = "(expires)"
)

// sigParams are the parameters of a draft-cavage Signature header.
type sigParams struct {
	keyID     string
	algorithm string   // as sent; "" when absent
	headers   []string // lowercased; nil when the parameter is absent
	signature []byte   // decoded from base64
	created   int64    // Unix seconds; 0 when absent
	expires   int64    // Unix seconds; 0 when absent
}

// parseSignature reads the value of a Signature header (or of an
// Authorization header with the Signature scheme). It knows the parameters
// keyId, algorithm, headers, signature, created and expires, and ignores
// others, as the draft asks.
func parseSignature(value string) (sigParams, error) {
	raw, err := parseParams(stripScheme(value))
	if err != nil {
		return sigParams{}, err
	}
	var p sigParams
	p.keyID = raw["keyid"]
	if p.keyID == "" {
		return sigParams{}, errors.New("missing keyId parameter")
	}
	sig, ok := raw["signature"]
	if !ok || sig == "" {
		return sigParams{}, errors.New("missing signature parameter")
	}
	if p.signature, err = decodeBase64(sig); err != nil {
		return sigParams{}, fmt.Errorf("signature parameter is not base64: %w", err)
	}
	if len(p.signature) == 0 {
		return sigParams{}, errors.New("empty signature parameter")
	}
	p.algorithm = raw["algorithm"]
	if h, ok := raw["headers"]; ok {
		if p.headers, err = parseHeaderList(h); err != nil {
			return sigParams{}, err
		}
	}
	if p.created, err = parseUnix(raw, "created"); err != nil {
		return sigParams{}, err
	}
	if p.expires, err = parseUnix(raw, "expires"); err != nil {
		return sigParams{}, err
	}
	return p, nil
}

// format writes p as a Signature header value, in the parameter order
// Mastodon uses.
func (p sigParams) format() string {
	var b strings.Builder
	b.WriteString("keyId=")
	b.WriteString(quote(p.keyID))
	if p.algorithm != "" {
		b.WriteString(",algorithm=")
		b.WriteString(quote(p.algorithm))
	}
	if p.created != 0 {
		b.WriteString(",created=")
		b.WriteString(strconv.FormatInt(p.created, 10))
	}
	if p.expires != 0 {
		b.WriteString(",expires=")
		b.WriteString(strconv.FormatInt(p.expires, 10))
	}
	if p.headers != nil {
		b.WriteString(",headers=")
		b.WriteString(quote(strings.Join(p.headers, " ")))
	}
	b.WriteString(",signature=")
	b.WriteString(quote(base64.StdEncoding.EncodeToString(p.signature)))
	return b.String()
}

// stripScheme removes a leading "Signature " auth-scheme: the Authorization
// form has it, and old node-http-signature put it in the Signature header
// too. A parameter named "signature" (followed by "=") is left alone.
func stripScheme(s string) string {
	const scheme = "signature"
	if len(s) <= len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) || !isSpace(s[len(scheme)]) {
		return s
	}
	rest := strings.TrimLeft(s[len(scheme):], " \t")
	if strings.HasPrefix(rest, "=") {
		return s
	}
	return rest
}

// parseParams reads a comma-separated list of name=value pairs, where a
// value is a token or a quoted string (RFC 9110 syntax). Names are
// lowercased; a repeated name is an error, since two readers could pick
// different values.
func parseParams(s string) (map[string]string, error) {
	out := make(map[string]string, 6)
	i := 0
	for {
		i = skipSpace(s, i)
		name, j := readToken(s, i)
		if name == "" {
			return nil, fmt.Errorf("expected a parameter name at byte %d", i)
		}
		j = skipSpace(s, j)
		if j >= len(s) || s[j] != '=' {
			return nil, fmt.Errorf("expected '=' after parameter %q", name)
		}
		j = skipSpace(s, j+1)
		value, j, err := readValue(s, j)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		key := strings.ToLower(name)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("parameter %q given twice", name)
		}
		out[key] = value
		j = skipSpace(s, j)
		if j == len(s) {
			return out, nil
		}
		if s[j] != ',' {
			return nil, fmt.Errorf("expected ',' at byte %d", j)
		}
		i = j + 1
	}
}

// readValue reads a token or a quoted string starting at s[i].
func readValue(s string, i int) (string, int, error) {
	if i < len(s) && s[i] == '"' {
		return readQuoted(s, i)
	}
	v, j := readToken(s, i)
	if v == "" {
		return "", i, errors.New("expected a token or a quoted string")
	}
	return v, j, nil
}

// readQuoted reads a quoted string starting at the opening quote s[i],
// undoing backslash escapes.
func readQuoted(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			return b.String(), j + 1, nil
		case '\\':
			j++
			if j == len(s) {
				return "", j, errors.New("unterminated quoted string")
			}
		}
		b.WriteByte(s[j])
	}
	return "", len(s), errors.New("unterminated quoted string")
}

// quote writes v as a quoted string, escaping quotes and backslashes.
func quote(v string) string {
	if !strings.ContainsAny(v, `"\`) {
		return `"` + v + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
	return b.String()
}

// readToken returns the longest RFC 9110 token at s[i:] and the index after it.
func readToken(s string, i int) (string, int) {
	j := i
	for j < len(s) && isTokenChar(s[j]) {
		j++
	}
	return s[i:j], j
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// parseHeaderList reads the headers parameter: lowercased names separated
// by spaces. Names must be tokens or known pseudo-headers, so that no name
// can smuggle a line break or a colon into the signed string.
func parseHeaderList(v string) ([]string, error) {
	names := strings.Fields(strings.ToLower(v))
	if len(names) == 0 {
		return nil, errors.New("empty headers parameter")
	}
	for _, n := range names {
		switch n {
		case requestTarget, createdHeader, expiresHeader:
			continue
		}
		if tok, end := readToken(n, 0); tok == "" || end != len(n) {
			return nil, fmt.Errorf("bad header name %q in headers parameter", n)
		}
	}
	return names, nil
}

// parseUnix reads the created or expires parameter: a positive integer of
// Unix seconds. It returns 0 when the parameter is absent.
func parseUnix(raw map[string]string, name string) (int64, error) {
	v, ok := raw[name]
	if !ok {
		return 0, nil
	}
	// Canonical digits only: the signed string is rebuilt from the number,
	// so "+5" or "05" could never verify.
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != v {
		return 0, fmt.Errorf("%s parameter %q is not a positive integer", name, v)
	}
	return n, nil
}

// decodeBase64 accepts standard base64 with or without padding: some
// senders drop the padding.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}
