package oauth

import (
	"strings"

	"github.com/village-social/village/web/i18n"
)

// Scopes as Mastodon 4.3 has them. A route of the client API names the one
// granular scope it needs ("read:statuses"); the broad scope ("read") holds
// every granular one under it, and "follow" stands for the granular scopes
// of follows, blocks and mutes, as Mastodon's older apps ask for it.

// DefaultScope is what an app gets when it names none, as on Mastodon.
const DefaultScope = "read"

// scopeParts are the granular halves of read and write scopes.
const (
	readParts  = "accounts blocks bookmarks favourites filters follows lists mutes notifications search statuses"
	writeParts = "accounts blocks bookmarks conversations favourites filters follows lists media mutes notifications reports statuses"
	adminParts = "accounts reports domain_allows domain_blocks ip_blocks email_domain_blocks canonical_email_blocks"
)

// Supported lists every scope, for the authorization server's metadata.
func Supported() []string {
	out := []string{"read", "write", "follow", "push", "profile", "admin:read", "admin:write"}
	for _, p := range strings.Fields(readParts) {
		out = append(out, "read:"+p)
	}
	for _, p := range strings.Fields(writeParts) {
		out = append(out, "write:"+p)
	}
	for _, p := range strings.Fields(adminParts) {
		out = append(out, "admin:read:"+p, "admin:write:"+p)
	}
	return out
}

// Known reports whether s is one of Mastodon's scopes.
func Known(s string) bool {
	for _, k := range Supported() {
		if k == s {
			return true
		}
	}
	return false
}

// ParseScopes reads a space-separated scope list (DefaultScope when
// empty), each once; it reports false when one is not Mastodon's.
func ParseScopes(s string) ([]string, bool) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return []string{DefaultScope}, true
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		if !Known(f) {
			return nil, false
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, true
}

// followScope reports the granular scopes the legacy "follow" scope grants.
func followScope(s string) bool {
	switch s {
	case "read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes":
		return true
	}
	return false
}

// Grants reports whether the granted scopes hold the required one.
func Grants(granted []string, required string) bool {
	broad, _, _ := strings.Cut(required, ":")
	for _, g := range granted {
		switch {
		case g == required, g == broad && !strings.HasPrefix(required, "admin:"):
			return true
		case g == "follow" && followScope(required):
			return true
		case g == "admin:read" && strings.HasPrefix(required, "admin:read:"),
			g == "admin:write" && strings.HasPrefix(required, "admin:write:"):
			return true
		}
	}
	return false
}

// Within reports whether every requested scope is held by allowed (an app
// registered with "read" may ask for "read:statuses").
func Within(requested, allowed []string) bool {
	for _, r := range requested {
		if !Grants(allowed, r) {
			return false
		}
	}
	return true
}

// Describe says in plain words what a scope lets an app do, for the
// consent page and the list of apps in the settings.
func Describe(scope string) string {
	if rest, ok := strings.CutPrefix(scope, "admin:"); ok {
		if kind, part, granular := strings.Cut(rest, ":"); granular {
			return i18n.Format("oauth.scope.admin_"+kind+"_part", i18n.Text("oauth.part."+part))
		}
	}
	return i18n.Text("oauth.scope." + scope)
}
