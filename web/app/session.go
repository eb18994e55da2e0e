package app

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/negotiate"
)

// Web sessions: a random token in a cookie, its SHA-256 in PostgreSQL
// (models.Session). The cookie is HttpOnly (no script reads it), SameSite=Lax
// (other sites' forms and scripts do not send it), Secure when the instance
// is served over https, and then also __Host- prefixed, so that no other
// host, not even a subdomain, can plant one.

const sessionKey = "village.session"

// secureCookies reports whether the instance is served over https.
func (h *Handler) secureCookies() bool { return strings.HasPrefix(h.urls.Base, "https://") }

// cookieName is a cookie's name: __Host- prefixed over https.
func (h *Handler) cookieName(name string) string {
	if h.secureCookies() {
		return "__Host-" + name
	}
	return name
}

// sessionCookieName is the name of the session cookie.
func (h *Handler) sessionCookieName() string { return h.cookieName("village_session") }

// setCookie writes one of our cookies: whole site, HttpOnly, SameSite=Lax,
// Secure over https. maxAge 0 makes a browser-session cookie, below 0
// deletes it.
func (h *Handler) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.secureCookies()}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.SetCookie(ck)
}

// skipSession reports the requests that never act for a signed-in person:
// assets, health checks, ActivityPub and the bearer-token API. Skipping them
// keeps the session query off every federation request. (A page that
// changes something always gets its session, whatever it Accepts.)
func skipSession(c echo.Context) bool {
	r := c.Request()
	for _, prefix := range []string{"/static/", "/media/", "/healthz", "/readyz", "/api/", "/.well-known/", "/nodeinfo/", "/activities/",
		"/favicon.ico", "/robots.txt", "/manifest.webmanifest", "/oauth/token", "/oauth/revoke"} {
		if strings.HasPrefix(r.URL.Path, prefix) {
			return true
		}
	}
	return negotiate.IsInbox(c.Request()) || (negotiate.SafeMethod(r.Method) && negotiate.WantsActivityJSON(r))
}

// LoadSession finds the signed-in person of a request from the session
// cookie: one indexed query, and none without a cookie. It slides the
// session's expiry about once an hour, and drops a cookie that no longer
// names a live session.
func (h *Handler) LoadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if skipSession(c) {
			return next(c)
		}
		ck, err := c.Cookie(h.sessionCookieName())
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx, now := c.Request().Context(), h.clock()
		s, err := models.SessionByToken(ctx, h.db, ck.Value, now)
		if errors.Is(err, models.ErrNotFound) {
			h.setCookie(c, h.sessionCookieName(), "", -1)
			return next(c)
		}
		if err != nil {
			return err
		}
		if s.NeedsRefresh(now) {
			if err := models.RefreshSession(ctx, h.db, s, now); err != nil {
				return err
			}
			h.setCookie(c, h.sessionCookieName(), ck.Value, models.SessionLifetime)
		}
		c.Set(sessionKey, s)
		return next(c)
	}
}

// session is the request's live session, or nil.
func session(c echo.Context) *models.Session {
	s, _ := c.Get(sessionKey).(*models.Session)
	return s
}

// viewer is the person signed in to the web app, or nil.
func (h *Handler) viewer(c echo.Context) *models.Account {
	if s := session(c); s != nil {
		return s.Account
	}
	return nil
}

// startSession signs an account in: a new session (a new token, whatever
// the browser held before) and its cookie.
func (h *Handler) startSession(c echo.Context, accountID int64) error {
	token, s, err := models.CreateSession(c.Request().Context(), h.db, accountID, h.clock())
	if err != nil {
		return err
	}
	h.setCookie(c, h.sessionCookieName(), token, models.SessionLifetime)
	c.Set(sessionKey, s)
	return nil
}

// endSession signs the browser out: the session row goes, so the old
// cookie is worthless even if it was copied, and the cookie is cleared.
func (h *Handler) endSession(c echo.Context) error {
	if ck, err := c.Cookie(h.sessionCookieName()); err == nil && ck.Value != "" {
		if err := models.DeleteSession(c.Request().Context(), h.db, ck.Value); err != nil {
			return err
		}
	}
	h.setCookie(c, h.sessionCookieName(), "", -1)
	c.Set(sessionKey, nil)
	return nil
}

// csrfToken is the token forms must send back (in the field "csrf").
func csrfToken(c echo.Context) string {
	if f, ok := c.Get(csrfKey).(*csrfForm); ok {
		return f.token(c)
	}
	return ""
}
