package models

import (
	"errors"
	"testing"
)

func TestDomainBlocksCoverSubdomainsAndPortsButNotLookalikes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		block, domain string
		covers        bool
	}{
		{"bad.example", "bad.example", true},
		{"bad.example", "social.bad.example", true},
		{"bad.example", "a.b.bad.example:8443", true},
		{"bad.example", "notbad.example", false},
		{"bad.example", "bad.example.org", false},
		{"127.0.0.1", "127.0.0.1:4000", true},
		{"127.0.0.1:4000", "127.0.0.1:4001", false},
		{"127.0.0.1:4000", "127.0.0.1:4000", true},
		{"0.0.1", "127.0.0.1", false}, // an address has no parent domains
	} {
		if got := (DomainBlock{Domain: c.block}).Covers(c.domain); got != c.covers {
			t.Errorf("block %s covers %s: %v, want %v", c.block, c.domain, got, c.covers)
		}
	}
}

func TestNormalizeDomainTakesWhatModeratorsPaste(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Bad.Example":                  "bad.example",
		"https://bad.example/@someone": "bad.example",
		"*.bad.example":                "bad.example",
		" bad.example. ":               "bad.example",
		"http://127.0.0.1:4000/inbox":  "127.0.0.1:4000",
	} {
		if got, err := NormalizeDomain(in); err != nil || got != want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "https://", "not a domain", "alice@bad.example", "bad..example"} {
		if _, err := NormalizeDomain(bad); !errors.Is(err, ErrInvalidDomain) {
			t.Errorf("NormalizeDomain(%q): %v, want ErrInvalidDomain", bad, err)
		}
	}
}
