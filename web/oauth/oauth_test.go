package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestScopesGrantWhatMastodonsDo(t *testing.T) {
	for _, c := range []struct {
		granted  []string
		required string
		want     bool
	}{
		{[]string{"read"}, "read:statuses", true},
		{[]string{"read"}, "write:statuses", false},
		{[]string{"read:statuses"}, "read:statuses", true},
		{[]string{"read:statuses"}, "read:accounts", false},
		{[]string{"read:statuses"}, "read", false},
		{[]string{"write"}, "write:media", true},
		{[]string{"write:statuses"}, "write:favourites", false},
		{[]string{"follow"}, "write:follows", true},
		{[]string{"follow"}, "read:mutes", true},
		{[]string{"follow"}, "write:statuses", false},
		{[]string{"read"}, "admin:read:reports", false},
		{[]string{"admin:read"}, "admin:read:reports", true},
		{[]string{"admin:read"}, "admin:write:reports", false},
		{[]string{"profile"}, "profile", true},
		{nil, "read:statuses", false},
	} {
		if got := Grants(c.granted, c.required); got != c.want {
			t.Errorf("%v grants %s: %v, want %v", c.granted, c.required, got, c.want)
		}
	}
}

func TestRequestedScopesAreMastodonsAndDefaultToRead(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" when refused
	}{
		{"", "read"},
		{"read write follow push", "read write follow push"},
		{"read  read:statuses read", "read read:statuses"},
		{"profile admin:read:accounts", "profile admin:read:accounts"},
		{"read everything", ""},
		{"crypto", ""},
	} {
		got, ok := ParseScopes(c.in)
		if (c.want == "") == ok || strings.Join(got, " ") != c.want {
			t.Errorf("ParseScopes(%q) = %v, %v; want %q", c.in, got, ok, c.want)
		}
	}
	for _, s := range Supported() {
		if d := Describe(s); strings.HasPrefix(d, "oauth.") || strings.Contains(d, "%!") {
			t.Errorf("scope %s has no words for the consent page: %q", s, d)
		}
	}
}

func TestRedirectURIsAreAbsoluteWithoutFragmentOrScript(t *testing.T) {
	for _, c := range []struct {
		in     []string
		want   int // how many; 0 when refused
		reason string
	}{
		{[]string{"urn:ietf:wg:oauth:2.0:oob"}, 1, ""},
		{[]string{"https://app.example/cb\ntusky://oauth"}, 2, ""},
		{[]string{"https://app.example/cb tusky://oauth", "http://127.0.0.1:4000/cb"}, 3, ""},
		{[]string{"com.example.app:/oauth"}, 1, ""},
		{nil, 0, "can't be blank"},
		{[]string{"/cb"}, 0, "absolute"},
		{[]string{"https://app.example/cb#x"}, 0, "fragment"},
		{[]string{"javascript:alert(1)"}, 0, "forbidden"},
		{[]string{"DATA:text/html,x"}, 0, "forbidden"},
	} {
		got, reason := ParseRedirectURIs(c.in)
		if len(got) != c.want || !strings.Contains(reason, c.reason) || (c.reason == "") != (reason == "") {
			t.Errorf("ParseRedirectURIs(%q) = %v, %q", c.in, got, reason)
		}
	}
}

func TestPKCETakesS256OnlyAndChecksTheVerifier(t *testing.T) {
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	for _, c := range []struct {
		name, challenge, method, code string
	}{
		{"none", "", "", ""},
		{"S256", challenge, "S256", ""},
		{"plain", challenge, "plain", "invalid_request"},
		{"no method", challenge, "", "invalid_request"},
		{"a method alone", "", "S256", "invalid_request"},
		{"a short challenge", "abc", "S256", "invalid_request"},
	} {
		e := CheckChallenge(c.challenge, c.method)
		if (e == nil) != (c.code == "") || (e != nil && e.Code != c.code) {
			t.Errorf("%s: %v, want %q", c.name, e, c.code)
		}
	}
	for _, c := range []struct {
		challenge, verifier string
		want                bool
	}{
		{challenge, verifier, true},
		{challenge, verifier + "x", false},
		{challenge, "", false},
		{challenge, "short", false},
		{"", "", true},
		{"", "anything", true},
	} {
		if got := VerifierMatches(c.challenge, c.verifier); got != c.want {
			t.Errorf("VerifierMatches(%q, %q) = %v", c.challenge, c.verifier, got)
		}
	}
}
