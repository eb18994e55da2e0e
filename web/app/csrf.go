package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/negotiate"
	"github.com/village-social/village/web/ratelimit"
)

// CSRF protection of the web app's forms. Every state-changing request
// must send back a token (the form field "csrf", or the X-CSRF-Token
// header) that only our pages hand out:
//
//   - signed in, the token is an HMAC, under a server key, of the session,
//     so it changes with every log-in and dies with the session;
//   - signed out (log-in, sign-up), it is an HMAC of a random value kept in
//     a cookie of its own (a signed double-submit token).
//
// As a second layer, a request whose Origin (or, without one, Referer)
// names another site is refused even with a good token. A refused request
// gets 403 and a page saying what to do; its handler never runs.
//
// Exempt are the ActivityPub inboxes (signed by servers), the client API
// (bearer tokens, never cookies) and the OAuth token and revocation
// endpoints (apps authenticate with their secret), and requests that carry neither a session
// nor anything a form can send: no session cookie, no form body, no query.
// Such a request acts for nobody and carries no input, so it cannot be
// forged to any effect.

const (
	csrfKey    = "village.csrf"
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// csrfKeyName names the server key in instance_keys.
	csrfKeyName = "csrf"
)

// csrfCookieName is the cookie of a signed-out browser's random value.
func (h *Handler) csrfCookieName() string { return h.cookieName("village_csrf") }

// csrfSecret is the server key that signs tokens, loaded from the database
// on first use.
type csrfSecret struct {
	mu  sync.Mutex
	key []byte
}

// secret returns the key, loading it once.
func (s *csrfSecret) secret(ctx context.Context, db models.DB) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	key, err := models.InstanceKey(ctx, db, csrfKeyName)
	if err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

// csrfForm hands out the request's token, making the signed-out cookie
// only when a page asks for a token.
type csrfForm struct {
	h    *Handler
	key  []byte
	anon string // the signed-out browser's random value; "" until there is one
}

func signCSRF(key []byte, kind, binding string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// expected is the token this request should carry; "" when none can be
// right (signed out, without the cookie).
func (f *csrfForm) expected(c echo.Context) string {
	if s := session(c); s != nil {
		return signCSRF(f.key, "session", strconv.FormatInt(s.ID, 10))
	}
	if f.anon == "" {
		return ""
	}
	return signCSRF(f.key, "anon", f.anon)
}

// token is the token to put in the request's page's forms.
func (f *csrfForm) token(c echo.Context) string {
	if session(c) == nil && f.anon == "" {
		raw := make([]byte, 16)
		if _, err := rand.Read(raw); err != nil {
			panic(err) // crypto/rand does not fail on the systems Go supports
		}
		f.anon = base64.RawURLEncoding.EncodeToString(raw)
		f.h.setCookie(c, f.h.csrfCookieName(), f.anon, 0)
	}
	return f.expected(c)
}

// csrfExempt reports the requests the CSRF check leaves alone (see above).
func (h *Handler) csrfExempt(c echo.Context) bool {
	r := c.Request()
	if negotiate.IsInbox(c.Request()) || strings.HasPrefix(r.URL.Path, "/api/") ||
		r.URL.Path == "/oauth/token" || r.URL.Path == "/oauth/revoke" {
		return true
	}
	if _, err := c.Cookie(h.sessionCookieName()); err == nil {
		return false
	}
	if r.URL.RawQuery != "" {
		return false
	}
	return r.Header.Get(echo.HeaderContentType) == ""
}

// CheckCSRF gives every page its token and refuses a state-changing request
// without the right one.
func (h *Handler) CheckCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		safe := negotiate.SafeMethod(r.Method)
		if safe && skipSession(c) {
			return next(c)
		}
		if !safe && h.csrfExempt(c) {
			return next(c)
		}
		key, err := h.csrf.secret(r.Context(), h.db)
		if err != nil {
			return err
		}
		f := &csrfForm{h: h, key: key}
		if ck, err := c.Cookie(h.csrfCookieName()); err == nil {
			f.anon = ck.Value
		}
		c.Set(csrfKey, f)
		if safe {
			return next(c)
		}
		if reason := h.csrfRefusal(c, f); reason != "" {
			h.logger.InfoContext(c.Request().Context(), "csrf: refused", "path", r.URL.Path, "reason", reason, "remote", ratelimit.ClientAddress(r))
			return h.page(c, http.StatusForbidden, "account_csrf", i18n.Text("csrf.title"), nil)
		}
		return next(c)
	}
}

// csrfRefusal says why a state-changing request is refused, or "".
func (h *Handler) csrfRefusal(c echo.Context, f *csrfForm) string {
	r := c.Request()
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		if !h.ourOrigin(r, origin) {
			return "origin " + origin
		}
	} else if ref := r.Referer(); ref != "" && !h.ourOrigin(r, ref) {
		return "referer from another site"
	}
	sent := r.Header.Get(csrfHeader)
	if sent == "" {
		sent = r.PostFormValue(csrfField)
	}
	if sent == "" {
		return "no token"
	}
	want := f.expected(c)
	if want == "" || !hmac.Equal([]byte(sent), []byte(want)) {
		return "wrong token"
	}
	return ""
}

// ourOrigin reports whether a URL (an Origin or a Referer) is this
// instance: its public base URL, or the host the request was sent to (the
// same thing unless a proxy or a test serves it under another name).
func (h *Handler) ourOrigin(r *http.Request, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if base, err := url.Parse(h.urls.Base); err == nil && strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}
