package app

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/ratelimit"
)

// The web app's accounts: log in and out here, sign up in
// account_signup.go, settings in account_settings.go.

// loginData is the log-in form, with what was typed (never the password).
type loginData struct {
	Login string
	Next  string // a local path to go to afterwards
	Error string // why the last try failed; shown above the form
}

// localPath keeps a "next" address only when it is a path on this site, so
// that the log-in form cannot be made to send people elsewhere.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// memberHomePath is where a signed-in person lands: her own home, not the
// public front page.
const memberHomePath = "/home"

// redirectAfterLogin sends a signed-in person where they were going, or home.
func redirectAfterLogin(c echo.Context, next string) error {
	if next = localPath(next); next == "" {
		next = memberHomePath
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// LoginPage shows the log-in form.
func (h *Handler) LoginPage(c echo.Context) error {
	if h.viewer(c) != nil {
		return redirectAfterLogin(c, c.QueryParam("next"))
	}
	return h.page(c, http.StatusOK, "login", i18n.Text("login.title"), loginData{Next: localPath(c.QueryParam("next"))})
}

// Login checks a name or email and a password and starts a session. Failed
// tries are counted per account and per address; past the limit the form
// answers 429 whatever the password, until the window has passed.
func (h *Handler) Login(c echo.Context) error {
	r := c.Request()
	d := loginData{Login: strings.TrimSpace(r.PostFormValue("login")), Next: localPath(r.PostFormValue("next"))}
	if h.viewer(c) != nil {
		return redirectAfterLogin(c, d.Next)
	}
	password := r.PostFormValue("password")
	if d.Login == "" || password == "" {
		d.Error = i18n.Text("login.error.missing")
		return h.page(c, http.StatusUnprocessableEntity, "login", i18n.Text("login.title"), d)
	}
	cred, err := models.FindCredentials(r.Context(), h.db, d.Login)
	if err != nil {
		return err
	}
	// Keyed by the account when one matched, so that its name and its email
	// share one count; by what was typed otherwise.
	accountKey := "login:" + strings.ToLower(strings.TrimPrefix(d.Login, "@"))
	if cred.AccountID != 0 {
		accountKey = "account:" + strconv.FormatInt(cred.AccountID, 10)
	}
	address := ratelimit.ClientAddress(r)
	for _, l := range []struct {
		lim *ratelimit.Limiter
		key string
	}{{h.limits.LoginAddress, address}, {h.limits.LoginAccount, accountKey}} {
		ok, wait, err := l.lim.Allow(r.Context(), l.key)
		if err != nil {
			return err
		}
		if !ok {
			h.logger.InfoContext(c.Request().Context(), "login: rate limited", "remote", address, "retry_after", wait.Round(time.Second))
			d.Error = i18n.Wait("login.error.limited", wait)
			return h.tooManyTries(c, wait, "login", i18n.Text("login.title"), d)
		}
	}
	switch err := cred.Check(password); {
	case errors.Is(err, models.ErrBadCredentials):
		if err := h.limits.LoginAddress.Add(r.Context(), address); err != nil {
			return err
		}
		if err := h.limits.LoginAccount.Add(r.Context(), accountKey); err != nil {
			return err
		}
		h.logger.InfoContext(c.Request().Context(), "login: failed", "remote", address) // for fail2ban and the like; never the name typed
		d.Error = i18n.Text("login.error.credentials")
		return h.page(c, http.StatusUnauthorized, "login", i18n.Text("login.title"), d)
	case errors.Is(err, models.ErrAccountPending):
		d.Error = i18n.Text("login.error.pending")
		return h.page(c, http.StatusForbidden, "login", i18n.Text("login.title"), d)
	case errors.Is(err, models.ErrAccountSuspended):
		d.Error = i18n.Text("login.error.suspended")
		return h.page(c, http.StatusForbidden, "login", i18n.Text("login.title"), d)
	case err != nil:
		return err
	}
	if err := h.limits.LoginAccount.Reset(r.Context(), accountKey); err != nil {
		return err
	}
	if err := h.startSession(c, cred.AccountID); err != nil {
		return err
	}
	return redirectAfterLogin(c, d.Next)
}

// Logout ends the session (its CSRF token was checked on the way in).
func (h *Handler) Logout(c echo.Context) error {
	if err := h.endSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// tooManyTries answers 429 with Retry-After and the page, whose data says
// how long to wait.
func (h *Handler) tooManyTries(c echo.Context, wait time.Duration, page, title string, data any) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return h.page(c, http.StatusTooManyRequests, page, title, data)
}

// requireViewer sends a signed-out visitor to the log-in form, to come back
// to the page afterwards.
func (h *Handler) requireViewer(c echo.Context, back string) (*models.Account, error) {
	if v := h.viewer(c); v != nil {
		return v, nil
	}
	return nil, c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(back))
}
