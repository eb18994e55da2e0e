package app

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/negotiate"
)

// errorData is an error page.
type errorData struct {
	Status  int
	Heading string
	Text    string
}

// ErrorPages answers errors with an HTML page when a browser asked for a
// page, and hands every other error (the API, ActivityPub, plain HTTP
// clients) to next, which answers {"error": …}.
func (h *Handler) ErrorPages(next echo.HTTPErrorHandler) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed || !negotiate.WantsHTMLPage(c.Request()) {
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
		if perr := h.ErrorPage(c, status); perr != nil {
			h.logger.ErrorContext(c.Request().Context(), "writing error page", "error", perr)
			if !c.Response().Committed {
				next(err, c)
			}
		}
	}
}

// ErrorPage renders the page for an HTTP error status.
func (h *Handler) ErrorPage(c echo.Context, status int) error {
	d := errorData{Status: status, Heading: i18n.Text("error.title"), Text: i18n.Text("error.other")}
	switch {
	case status == http.StatusNotFound:
		d.Heading, d.Text = i18n.Text("error.404.title"), i18n.Text("error.404")
	case status == http.StatusGone:
		d.Heading, d.Text = i18n.Text("error.410.title"), i18n.Text("error.410")
	case status >= 500:
		d.Text = i18n.Text("error.500")
	}
	return h.page(c, status, "error", d.Heading, d)
}
