package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/oauth"
)

// App registration, as Mastodon's POST /api/v1/apps: no token needed.

const (
	maxAppNameLength    = 60 // as Mastodon's
	maxAppWebsiteLength = 2000
)

// apiApplication is Mastodon's Application entity; with credentials when
// just registered (CredentialApplication).
type apiApplication struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"` // deprecated by Mastodon: the URIs, one a line
	RedirectURIs []string `json:"redirect_uris"`
	VapidKey     string   `json:"vapid_key"` // "" until Village has Web Push
	ClientID     string   `json:"client_id,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	// ClientSecretExpiresAt is RFC 7591's: 0, the secret never expires.
	ClientSecretExpiresAt *int `json:"client_secret_expires_at,omitempty"`
}

func application(a *models.OAuthApp) *apiApplication {
	out := &apiApplication{ID: strconv.FormatInt(a.ID, 10), Name: a.Name, Scopes: a.Scopes,
		RedirectURI: strings.Join(a.RedirectURIs, "\n"), RedirectURIs: a.RedirectURIs, ClientID: a.ClientID}
	if a.Website != "" {
		out.Website = &a.Website
	}
	return out
}

// RegisterApp answers POST /api/v1/apps.
func (h *Handler) RegisterApp(c echo.Context) error {
	p, err := requestParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	name := strings.TrimSpace(p.Get("client_name"))
	website := strings.TrimSpace(p.Get("website"))
	switch {
	case name == "":
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Application name can't be blank")
	case utf8.RuneCountInString(name) > maxAppNameLength:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Application name is too long (maximum is 60 characters)")
	case len(website) > maxAppWebsiteLength:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Application website is too long")
	}
	if website != "" {
		if u, err := url.Parse(website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Application website is not a valid URL")
		}
	}
	redirects, reason := oauth.ParseRedirectURIs(p["redirect_uris"])
	if reason != "" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, reason)
	}
	scopes, ok := oauth.ParseScopes(strings.Join(p["scopes"], " "))
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Scopes doesn't match configured on the server.")
	}
	app, secret, err := models.CreateOAuthApp(c.Request().Context(), h.db, models.NewOAuthApp{Name: name, Website: website,
		RedirectURIs: redirects, Scopes: scopes})
	if err != nil {
		return err
	}
	out := application(app)
	out.ClientSecret = secret
	never := 0
	out.ClientSecretExpiresAt = &never
	return c.JSON(http.StatusOK, out)
}

// VerifyAppCredentials answers GET /api/v1/apps/verify_credentials: the
// app the token was issued to.
func (h *Handler) VerifyAppCredentials(c echo.Context) error {
	t := requestToken(c)
	if t.App == nil {
		// A token of the command line: no app registered it.
		return c.JSON(http.StatusOK, map[string]any{"name": "Village command line", "website": nil,
			"scopes": t.Scopes, "vapid_key": ""})
	}
	out := application(t.App)
	out.ClientID = ""
	out.Scopes = t.Scopes
	return c.JSON(http.StatusOK, out)
}
