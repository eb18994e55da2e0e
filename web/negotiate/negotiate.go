// Package negotiate decides, from a request alone, which face of Village
// answers it: the same URL serves ActivityStreams JSON to servers and a page
// to browsers, and an error is a page only for a browser that asked for one.
package negotiate

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// WantsActivityJSON reports whether a request asks for ActivityStreams
// rather than HTML: its Accept lists application/activity+json or
// application/ld+json (with any profile) with a weight no lower than
// text/html's. Mastodon sends both AS types and text/html;q=0.1; browsers
// list text/html and no AS type.
func WantsActivityJSON(r *http.Request) bool {
	var asQ, htmlQ float64
	for _, header := range r.Header.Values(echo.HeaderAccept) {
		for _, mediaRange := range strings.Split(header, ",") {
			mediaType, params, _ := strings.Cut(mediaRange, ";")
			q := acceptWeight(params)
			switch strings.ToLower(strings.TrimSpace(mediaType)) {
			case "application/activity+json", "application/ld+json":
				asQ = max(asQ, q)
			case "text/html", "application/xhtml+xml":
				htmlQ = max(htmlQ, q)
			}
		}
	}
	return asQ > 0 && asQ >= htmlQ
}

// WantsHTMLPage reports whether a request is a browser's, asking for a
// page: outside the API and discovery paths, with text/html accepted and
// preferred to ActivityStreams JSON. Requests without an Accept header
// (scripts, most HTTP clients) are not.
func WantsHTMLPage(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/.well-known/") || strings.HasPrefix(p, "/nodeinfo/") ||
		strings.HasSuffix(p, "/inbox") || WantsActivityJSON(r) {
		return false
	}
	for _, header := range r.Header.Values(echo.HeaderAccept) {
		for _, mediaRange := range strings.Split(header, ",") {
			mediaType, params, _ := strings.Cut(mediaRange, ";")
			switch strings.ToLower(strings.TrimSpace(mediaType)) {
			case "text/html", "application/xhtml+xml":
				if acceptWeight(params) > 0 {
					return true
				}
			}
		}
	}
	return false
}

// acceptWeight reads the q parameter of one media range; 1 when absent, 0
// when unreadable (a client that garbles it does not get a guess).
func acceptWeight(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

// VaryOnAccept marks a response that depends on the Accept header, so that
// caches keep the HTML and the JSON of one URL apart.
func VaryOnAccept(c echo.Context) {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
}

// IsInbox reports a request to one of the ActivityPub inboxes, which
// servers sign and no browser posts to.
func IsInbox(r *http.Request) bool {
	p := r.URL.Path
	return p == "/inbox" || p == "/actor/inbox" || p == "/actors/reports/inbox" ||
		(strings.HasSuffix(p, "/inbox") && (strings.HasPrefix(p, "/users/") || strings.HasPrefix(p, "/groups/")))
}

// SafeMethod reports the methods that change nothing.
func SafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}
