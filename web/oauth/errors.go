package oauth

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Error is an OAuth 2 error in the shape Mastodon (Doorkeeper) gives it:
// {"error": code, "error_description": text}, with its HTTP status.
type Error struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Write answers a request with the error.
func (e *Error) Write(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(e.Status, e)
}

// The errors of RFC 6749, with Doorkeeper's descriptions, which apps show.
func errorOf(status int, code, description string) *Error {
	return &Error{Status: status, Code: code, Description: description}
}

// InvalidRequest: a parameter is missing, unsupported or malformed.
func InvalidRequest(description string) *Error {
	if description == "" {
		description = "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed."
	}
	return errorOf(http.StatusBadRequest, "invalid_request", description)
}

// MissingParameter is InvalidRequest for a parameter left out.
func MissingParameter(name string) *Error {
	return InvalidRequest("Missing required parameter: " + name + ".")
}

// InvalidClient: the app did not authenticate (401, as RFC 6749 says).
func InvalidClient() *Error {
	return errorOf(http.StatusUnauthorized, "invalid_client",
		"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
}

// InvalidGrant: the code is unknown, spent, expired, or does not match.
func InvalidGrant() *Error {
	return errorOf(http.StatusBadRequest, "invalid_grant",
		"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
}

// InvalidScope: a scope that is not Mastodon's, or not the app's.
func InvalidScope() *Error {
	return errorOf(http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
}

// UnsupportedGrantType: password, refresh_token, or anything else.
func UnsupportedGrantType() *Error {
	return errorOf(http.StatusBadRequest, "unsupported_grant_type",
		"The authorization grant type is not supported by the authorization server.")
}

// UnsupportedResponseType: anything but response_type=code.
func UnsupportedResponseType() *Error {
	return errorOf(http.StatusBadRequest, "unsupported_response_type",
		"The authorization server does not support this response type.")
}

// InvalidRedirectURI: not one the app registered.
func InvalidRedirectURI() *Error {
	return errorOf(http.StatusBadRequest, "invalid_redirect_uri",
		"The requested redirect uri is malformed or doesn't match client redirect URI.")
}

// AccessDenied: the member said no.
func AccessDenied() *Error {
	return errorOf(http.StatusForbidden, "access_denied", "The resource owner or authorization server denied the request.")
}

// UnauthorizedClient: an app revoking another app's token.
func UnauthorizedClient() *Error {
	return errorOf(http.StatusForbidden, "unauthorized_client",
		"You are not authorized to revoke this token")
}
