package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/oauth"
)

// The token endpoint (POST /oauth/token) and revocation (POST
// /oauth/revoke), as Mastodon serves them: the authorization code grant
// (with PKCE S256 when the app used it) and the client credentials grant.
// The password grant is not offered: an app never sees a member's
// password. No refresh tokens are issued: tokens live until revoked.

// apiToken is the token endpoint's answer.
type apiToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

// authenticateClient reads the app's credentials from HTTP Basic (RFC 6749
// 2.3.1: each part form-encoded) or from the body, and checks them.
func (h *Handler) authenticateClient(c echo.Context, p url.Values) (*models.OAuthApp, *oauth.Error, error) {
	id, secret := p.Get("client_id"), p.Get("client_secret")
	if user, pass, ok := c.Request().BasicAuth(); ok {
		var err1, err2 error
		id, err1 = url.QueryUnescape(user)
		secret, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, oauth.InvalidClient(), nil
		}
	}
	if id == "" || secret == "" {
		return nil, oauth.InvalidClient(), nil
	}
	app, err := models.AuthenticateOAuthApp(c.Request().Context(), h.db, id, secret)
	if errors.Is(err, models.ErrBadClient) {
		return nil, oauth.InvalidClient(), nil
	}
	return app, nil, err
}

// IssueToken answers POST /oauth/token.
func (h *Handler) IssueToken(c echo.Context) error {
	p, err := requestParams(c)
	if err != nil {
		return oauth.InvalidRequest("").Write(c)
	}
	grant := p.Get("grant_type")
	switch grant {
	case "":
		return oauth.MissingParameter("grant_type").Write(c)
	case "authorization_code", "client_credentials":
	default:
		return oauth.UnsupportedGrantType().Write(c)
	}
	app, refusal, err := h.authenticateClient(c, p)
	if err != nil {
		return err
	}
	if refusal != nil {
		return refusal.Write(c)
	}
	ctx, now := c.Request().Context(), h.clock()
	var issued *models.IssuedToken
	if grant == "client_credentials" {
		scopes, ok := oauth.ParseScopes(p.Get("scope"))
		if !ok || !oauth.Within(scopes, app.Scopes) {
			return oauth.InvalidScope().Write(c)
		}
		if issued, err = models.IssueAppToken(ctx, h.db, app.ID, scopes, now); err != nil {
			return err
		}
	} else {
		code := p.Get("code")
		if code == "" {
			return oauth.MissingParameter("code").Write(c)
		}
		verifier := p.Get("code_verifier")
		issued, err = models.ExchangeCode(ctx, h.db, models.CodeExchange{Code: code, AppID: app.ID,
			RedirectURI: oauth.RedirectFor(app, p.Get("redirect_uri")), Now: now,
			PKCE: func(challenge string) bool { return oauth.VerifierMatches(challenge, verifier) }})
		if errors.Is(err, models.ErrCodeInvalid) || errors.Is(err, models.ErrCodeReused) {
			return oauth.InvalidGrant().Write(c)
		}
		if err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, apiToken{AccessToken: issued.Token, TokenType: "Bearer",
		Scope: strings.Join(issued.Scopes, " "), CreatedAt: issued.CreatedAt.Unix()})
}

// RevokeToken answers POST /oauth/revoke (RFC 7009): an app gives up one
// of its tokens. An unknown token is no error; another app's is refused.
func (h *Handler) RevokeToken(c echo.Context) error {
	p, err := requestParams(c)
	if err != nil {
		return oauth.InvalidRequest("").Write(c)
	}
	app, refusal, err := h.authenticateClient(c, p)
	if err != nil {
		return err
	}
	if refusal != nil {
		return refusal.Write(c)
	}
	token := p.Get("token")
	if token == "" {
		return oauth.MissingParameter("token").Write(c)
	}
	err = models.RevokeAppToken(c.Request().Context(), h.db, app.ID, token, h.clock())
	if errors.Is(err, models.ErrNotTokensApp) {
		return oauth.UnauthorizedClient().Write(c)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// AuthorizationServerMetadata answers /.well-known/oauth-authorization-server
// (RFC 8414) with what Mastodon 4.3 puts there.
func (h *Handler) AuthorizationServerMetadata(c echo.Context) error {
	base := h.urls.Base
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.JSON(http.StatusOK, map[string]any{
		"issuer":                                base + "/",
		"service_documentation":                 "https://docs.joinmastodon.org/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      oauth.Supported(),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"}, // no fragment or form_post modes
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{oauth.S256},
	})
}
