package models

import (
	"fmt"
	"regexp"
)

// localNameRE is Mastodon's rule for local usernames, which Lemmy's
// community names also satisfy: people on either can type the handle.
var localNameRE = regexp.MustCompile(`^[a-z0-9_]{1,30}$`)

// reservedNames would collide with the server's own paths, roles or actor.
var reservedNames = map[string]bool{
	"about": true, "account": true, "accounts": true, "activity": true, "actor": true,
	"admin": true, "administrator": true, "api": true, "app": true, "apps": true,
	"assets": true, "auth": true, "authorize_interaction": true, "events": true,
	"explore": true, "feeds": true, "followers": true, "following": true,
	"group": true, "groups": true, "healthz": true, "help": true, "home": true,
	"inbox": true, "instance": true, "join": true, "login": true, "logout": true,
	"media": true, "mod": true, "moderator": true, "moderators": true, "nodeinfo": true,
	"notifications": true, "oauth": true, "outbox": true, "postmaster": true,
	"readyz": true, "reports": true, "root": true, "search": true, "settings": true, "share": true, "signup": true,
	"static": true, "status": true, "statuses": true, "support": true, "system": true,
	"user": true, "users": true, "village": true, "webmaster": true, "well_known": true,
	"www": true,
}

// ValidateLocalName checks a new local username or group name.
func ValidateLocalName(name string) error {
	if !localNameRE.MatchString(name) {
		return fmt.Errorf("name %q: %w", name, ErrInvalidName)
	}
	if reservedNames[name] {
		return fmt.Errorf("name %q: %w", name, ErrReservedName)
	}
	return nil
}
