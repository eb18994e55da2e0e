package app

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/oauth"
)

// The consent page of OAuth 2, /oauth/authorize, as Mastodon serves it: a
// Mastodon app sends the member here; she logs in if she must (the log-in
// form brings her back), reads which app asks for what, in plain words,
// and authorizes or denies. The app receives a code at its redirect URI,
// or, for apps that cannot receive one (urn:ietf:wg:oauth:2.0:oob), she
// copies it from the page. The client API's /oauth/token turns the code
// into a token.

// consentData is the consent page.
type consentData struct {
	AppName string
	Website string
	Scopes  []string // what each asked scope lets the app do, in words
	Handle  string   // whose account it is
	Fields  url.Values
}

// codeData is the page that shows a code to copy.
type codeData struct {
	AppName string
	Code    string
}

// AuthorizePage answers GET /oauth/authorize (also with a trailing slash).
func (h *Handler) AuthorizePage(c echo.Context) error {
	r := oauth.ReadAuthRequest(c.QueryParam)
	grant, refusal, err := oauth.CheckAuthRequest(c.Request().Context(), h.db, r)
	if err != nil {
		return err
	}
	if refusal != nil {
		return h.refuseAuthorization(c, grant, refusal)
	}
	back := "/oauth/authorize?" + r.Values().Encode()
	if r.ForceLogin {
		// The app wants whoever is there to log in again (to add a second
		// account, say): sign this browser out first, as Mastodon does.
		if err := h.endSession(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(back))
	}
	v, err := h.requireViewer(c, back)
	if v == nil {
		return err
	}
	d := consentData{AppName: grant.App.Name, Website: grant.App.Website, Handle: "@" + v.Actor.Username + "@" + h.urls.Host(),
		Fields: r.Values()}
	for _, s := range grant.Scopes {
		d.Scopes = append(d.Scopes, oauth.Describe(s))
	}
	// The answer redirects to the app: the form may go there (Chromium
	// applies form-action to the redirect as well).
	formAction := "'self'"
	if src := oauth.FormActionSource(grant.RedirectURI); src != "" {
		formAction += " " + src
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "+
		"script-src 'self'; frame-ancestors 'none'; form-action "+formAction)
	return h.page(c, http.StatusOK, "oauth_authorize", i18n.Format("oauth.title", grant.App.Name), d)
}

// Authorize answers the consent form (POST /oauth/authorize): a code for
// the app, or its refusal. The CSRF check ran before.
func (h *Handler) Authorize(c echo.Context) error {
	r := oauth.ReadAuthRequest(c.FormValue)
	v, err := h.requireViewer(c, "/oauth/authorize?"+r.Values().Encode())
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	grant, refusal, err := oauth.CheckAuthRequest(ctx, h.db, r)
	if err != nil {
		return err
	}
	if refusal != nil {
		return h.refuseAuthorization(c, grant, refusal)
	}
	if c.FormValue("decision") != "authorize" {
		h.logger.InfoContext(ctx, "oauth: denied", "app", grant.App.ID, "account", v.ID)
		return h.refuseAuthorization(c, grant, oauth.AccessDenied())
	}
	code, err := models.IssueCode(ctx, h.db, models.NewCode{AppID: grant.App.ID, AccountID: v.ID,
		RedirectURI: grant.RedirectURI, Scopes: grant.Scopes, CodeChallenge: grant.Challenge}, h.clock())
	if err != nil {
		return err
	}
	h.logger.InfoContext(ctx, "oauth: authorized", "app", grant.App.ID, "account", v.ID, "scopes", strings.Join(grant.Scopes, " "))
	if grant.OutOfBand() {
		c.Response().Header().Set("Cache-Control", "no-store")
		return h.page(c, http.StatusOK, "oauth_code", i18n.Text("oauth.code.title"), codeData{AppName: grant.App.Name, Code: code})
	}
	return c.Redirect(http.StatusFound, grant.CodeCallback(code))
}

// refuseAuthorization tells the app (at its redirect URI) why its request
// was refused; a request whose app or redirect URI is unknown, or that
// wants the answer on a page, gets a page here instead.
func (h *Handler) refuseAuthorization(c echo.Context, grant *oauth.Grant, e *oauth.Error) error {
	if grant != nil && !grant.OutOfBand() {
		return c.Redirect(http.StatusFound, grant.ErrorCallback(e))
	}
	d := errorData{Status: http.StatusBadRequest, Heading: i18n.Text("oauth.error.title"), Text: e.Description}
	if e.Code == "access_denied" {
		d.Heading, d.Text = i18n.Text("oauth.denied.title"), i18n.Text("oauth.denied.text")
	}
	return h.page(c, d.Status, "error", d.Heading, d)
}
