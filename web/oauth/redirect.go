package oauth

import (
	"net/url"
	"strings"
)

// OutOfBand is the redirect URI of apps that cannot receive a redirect
// (command-line clients): the code is shown on a page, to be copied.
const OutOfBand = "urn:ietf:wg:oauth:2.0:oob"

// maxRedirectURILength bounds each redirect URI, as Mastodon does.
const maxRedirectURILength = 2000

// ParseRedirectURIs reads an app's redirect URIs: each value may hold
// several, separated by spaces or new lines (Mastodon's single field),
// or the values are an array. Each must be an absolute URI without a
// fragment, and no script or data URI; it returns Mastodon's reason
// when one is not.
func ParseRedirectURIs(values []string) ([]string, string) {
	var out []string
	for _, v := range values {
		out = append(out, strings.Fields(v)...)
	}
	if len(out) == 0 {
		return nil, "Validation failed: Redirect URI can't be blank"
	}
	for _, raw := range out {
		if len(raw) > maxRedirectURILength {
			return nil, "Validation failed: Redirect URI is too long"
		}
		if raw == OutOfBand {
			continue
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Scheme == "" || (u.Opaque == "" && u.Host == "" && u.Path == ""):
			return nil, "Validation failed: Redirect URI must be an absolute URI."
		case u.Fragment != "" || strings.Contains(raw, "#"):
			return nil, "Validation failed: Redirect URI cannot contain a fragment."
		}
		switch strings.ToLower(u.Scheme) {
		case "javascript", "data", "vbscript":
			return nil, "Validation failed: Redirect URI is forbidden by the server."
		}
	}
	return out, ""
}

// Callback is the redirect URI with params added to its query, where the
// app receives the code (or the error) and its state.
func Callback(redirectURI string, params url.Values) string {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return redirectURI // registered URIs parsed once already
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Set(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// FormActionSource is the Content-Security-Policy source that lets the
// consent form's answer redirect to the app: Chromium checks form-action
// on the redirect too. It is the URI's origin, or its scheme alone for an
// app's own scheme (tusky:); "" for the out-of-band URI.
func FormActionSource(redirectURI string) string {
	if redirectURI == OutOfBand {
		return ""
	}
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}
