package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// errorData is an error page.
type errorData struct {
	Status  int
	Heading string
	Text    string
}

// errorPages answers errors with an HTML page when a browser asked for a
// page, and hands every other error (the API, ActivityPub, plain HTTP
// clients) to next, which answers {"error": …}.
func (h *handlers) errorPages(next echo.HTTPErrorHandler) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed || !wantsHTMLPage(c.Request()) {
			next(err, c)
			return
		}
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
		}
		if status >= 500 && he == nil {
			h.logger.ErrorContext(c.Request().Context(), "request failed", "path", c.Request().URL.Path, "error", err)
		}
		if perr := h.errorPage(c, status); perr != nil {
			h.logger.ErrorContext(c.Request().Context(), "writing error page", "error", perr)
			if !c.Response().Committed {
				next(err, c)
			}
		}
	}
}

// errorPage renders the page for an HTTP error status.
func (h *handlers) errorPage(c echo.Context, status int) error {
	d := errorData{Status: status, Heading: text("error.title"), Text: text("error.other")}
	switch {
	case status == http.StatusNotFound:
		d.Heading, d.Text = text("error.404.title"), text("error.404")
	case status == http.StatusGone:
		d.Heading, d.Text = text("error.410.title"), text("error.410")
	case status >= 500:
		d.Text = text("error.500")
	}
	return h.page(c, status, "error", d.Heading, d)
}

// wantsHTMLPage reports whether a request is a browser's, asking for a
// page: outside the API and discovery paths, with text/html accepted and
// preferred to ActivityStreams JSON. Requests without an Accept header
// (scripts, most HTTP clients) are not.
func wantsHTMLPage(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/.well-known/") || strings.HasPrefix(p, "/nodeinfo/") ||
		strings.HasSuffix(p, "/inbox") || wantsActivityJSON(r) {
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
