package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/oauth"
)

// Who calls the client API. A request may carry no token: some routes are
// open to visitors, as Mastodon's are (the instance, public timelines,
// public accounts and posts). A token that is not live is refused on every
// route, so that an app learns at once that it was logged out. Each route
// says what it needs:
//
//   - Needs(scopes...): a token holding one of the scopes, of a member (an
//     app's own token gets Mastodon's 422);
//   - IfToken(scopes...): anyone; a token, when sent, must hold one of
//     the scopes (Mastodon's authorize_if_got_token);
//   - NeedsAnyToken: any live token, whatever its scopes;
//   - nothing: anyone.

const tokenKey = "village.token"

// errInvalidToken is Doorkeeper's answer to a missing or dead token.
func errInvalidToken() error {
	return echo.NewHTTPError(http.StatusUnauthorized, "The access token is invalid")
}

// Authenticate reads the bearer token, if any, and puts it on the context.
func (h *Handler) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		value, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if value = strings.TrimSpace(value); !ok || value == "" {
			return next(c) // a visitor (go-mastodon sends "Bearer " with no token before log-in)
		}
		t, err := models.TokenByValue(c.Request().Context(), h.db, value)
		if errors.Is(err, models.ErrNotFound) {
			return errInvalidToken()
		}
		if err != nil {
			return err
		}
		c.Set(tokenKey, t)
		return next(c)
	}
}

// requestToken is the request's live token, or nil for a visitor.
func requestToken(c echo.Context) *models.Token {
	t, _ := c.Get(tokenKey).(*models.Token)
	return t
}

// currentAccount is the token's account: never nil behind Needs; nil for a
// visitor or an app's own token elsewhere.
func currentAccount(c echo.Context) *models.Account {
	if t := requestToken(c); t != nil {
		return t.Account
	}
	return nil
}

// viewerID is the actor reading, 0 for a visitor.
func viewerID(c echo.Context) int64 {
	if acc := currentAccount(c); acc != nil {
		return acc.Actor.ID
	}
	return 0
}

// holdsOneOf refuses, with Mastodon's 403, a token holding none of scopes.
func holdsOneOf(t *models.Token, scopes []string) error {
	for _, s := range scopes {
		if oauth.Grants(t.Scopes, s) {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusForbidden, "This action is outside the authorized scopes")
}

// Needs lets through a member's token holding one of scopes.
func Needs(scopes ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			t := requestToken(c)
			if t == nil {
				return errInvalidToken()
			}
			if err := holdsOneOf(t, scopes); err != nil {
				return err
			}
			if t.Account == nil {
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "This method requires an authenticated user")
			}
			return next(c)
		}
	}
}

// IfToken lets visitors through, and a token only if it holds one of scopes.
func IfToken(scopes ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if t := requestToken(c); t != nil {
				if err := holdsOneOf(t, scopes); err != nil {
					return err
				}
			}
			return next(c)
		}
	}
}

// NeedsAnyToken lets through any live token, of an app or a member.
func NeedsAnyToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if requestToken(c) == nil {
			return errInvalidToken()
		}
		return next(c)
	}
}
