// Package oauth is what the HTML app's consent page and the client API's
// token endpoint share of OAuth 2 as Mastodon serves it: scopes, the error
// shape, redirect URIs, PKCE, and the checks of an authorization request.
package oauth

import (
	"context"
	"errors"
	"net/url"

	"github.com/village-social/village/models"
)

// AuthRequest is an app's authorization request (GET /oauth/authorize),
// also carried by the consent form.
type AuthRequest struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
	ForceLogin          bool
}

// ReadAuthRequest reads the request's parameters with get (a query or a
// form).
func ReadAuthRequest(get func(string) string) AuthRequest {
	return AuthRequest{ClientID: get("client_id"), RedirectURI: get("redirect_uri"), ResponseType: get("response_type"),
		Scope: get("scope"), State: get("state"), CodeChallenge: get("code_challenge"),
		CodeChallengeMethod: get("code_challenge_method"), ForceLogin: get("force_login") == "true" || get("force_login") == "1"}
}

// Values are the request's parameters, to carry it through the log-in
// form and the consent form (force_login left out: it is done by then).
func (r AuthRequest) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"client_id": r.ClientID, "redirect_uri": r.RedirectURI,
		"response_type": r.ResponseType, "scope": r.Scope, "state": r.State, "code_challenge": r.CodeChallenge,
		"code_challenge_method": r.CodeChallengeMethod} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Grant is a checked authorization request: what a member is asked to allow.
type Grant struct {
	App         *models.OAuthApp
	RedirectURI string
	Scopes      []string
	State       string
	Challenge   string // PKCE S256 challenge, or ""
}

// OutOfBand reports whether the code is shown on a page to copy.
func (g *Grant) OutOfBand() bool { return g.RedirectURI == OutOfBand }

// ErrorCallback is where the app learns that its request was refused.
func (g *Grant) ErrorCallback(e *Error) string {
	return Callback(g.RedirectURI, url.Values{"error": {e.Code}, "error_description": {e.Description}, "state": {g.State}})
}

// CodeCallback is where the app receives its code.
func (g *Grant) CodeCallback(code string) string {
	return Callback(g.RedirectURI, url.Values{"code": {code}, "state": {g.State}})
}

// CheckAuthRequest checks a request against the app it names. An unknown
// client or a redirect URI the app did not register gets an error and no
// Grant: it must be shown here, never sent to an address nobody vouched
// for. Other errors come with the Grant, to be sent to the app's redirect
// URI, as RFC 6749 says.
func CheckAuthRequest(ctx context.Context, db models.DB, r AuthRequest) (*Grant, *Error, error) {
	if r.ClientID == "" {
		return nil, InvalidClient(), nil
	}
	app, err := models.OAuthAppByClientID(ctx, db, r.ClientID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, InvalidClient(), nil
	}
	if err != nil {
		return nil, nil, err
	}
	g := &Grant{App: app, RedirectURI: r.RedirectURI, State: r.State, Challenge: r.CodeChallenge}
	if g.RedirectURI == "" && len(app.RedirectURIs) == 1 {
		g.RedirectURI = app.RedirectURIs[0]
	}
	registered := false
	for _, u := range app.RedirectURIs {
		registered = registered || u == g.RedirectURI
	}
	if !registered {
		return nil, InvalidRedirectURI(), nil
	}
	if r.ResponseType != "code" {
		return g, UnsupportedResponseType(), nil
	}
	scopes, ok := ParseScopes(r.Scope)
	if !ok || !Within(scopes, app.Scopes) {
		return g, InvalidScope(), nil
	}
	g.Scopes = scopes
	if e := CheckChallenge(r.CodeChallenge, r.CodeChallengeMethod); e != nil {
		return g, e, nil
	}
	return g, nil, nil
}

// RedirectFor returns the effective redirect URI of a token request: the
// one sent, or the app's only one when none was sent (as at authorization).
func RedirectFor(app *models.OAuthApp, sent string) string {
	if sent == "" && len(app.RedirectURIs) == 1 {
		return app.RedirectURIs[0]
	}
	return sent
}
