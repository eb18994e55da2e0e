package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
)

// activityJSONType is the Content-Type of every ActivityPub document we serve.
const activityJSONType = federation.ContentType + "; charset=utf-8"

// wantsActivityJSON reports whether a request asks for ActivityStreams
// rather than HTML: its Accept lists application/activity+json or
// application/ld+json (with any profile) with a weight no lower than
// text/html's. Mastodon sends both AS types and text/html;q=0.1; browsers
// list text/html and no AS type.
func wantsActivityJSON(r *http.Request) bool {
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

// varyOnAccept marks a response that depends on the Accept header, so that
// caches keep the HTML and the JSON of one URL apart.
func varyOnAccept(c echo.Context) {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
}

// writeActivityJSON answers with an ActivityStreams document.
func writeActivityJSON(c echo.Context, status int, doc any) error {
	return writeJSON(c, status, activityJSONType, doc)
}

// writeJSON answers with v as JSON of the given Content-Type. HTML in
// summaries stays readable: <p> is not escaped to \u003cp\u003e.
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	body, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("web: encode %s: %w", contentType, err)
	}
	return c.Blob(status, contentType, body)
}

// encodeJSON is v as writeJSON sends it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
