package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// OAuth scopes, as Mastodon has them: a route names the one granular scope
// it needs ("read:statuses"); a token granted the broad scope ("read")
// holds every granular one under it, and "follow" stands for the granular
// scopes of follows, blocks and mutes, as Mastodon's older apps ask for it.

const scopesKey = "village.scopes"

// followScope reports the granular scopes the legacy "follow" scope grants.
func followScope(s string) bool {
	switch s {
	case "read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes":
		return true
	}
	return false
}

// scopeGranted reports whether a token's scopes hold the required one.
func scopeGranted(granted []string, required string) bool {
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

// Needs refuses a request whose token holds none of scopes, with
// Mastodon's 403. It runs after RequireToken.
func Needs(scopes ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			granted, _ := c.Get(scopesKey).([]string)
			for _, s := range scopes {
				if scopeGranted(granted, s) {
					return next(c)
				}
			}
			return echo.NewHTTPError(http.StatusForbidden, "This action is outside the authorized scopes")
		}
	}
}
