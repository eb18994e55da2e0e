package metrics

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// unmatched is the route label of requests no route took (404s, 405s): the
// raw path would make a series per URL anyone cares to try.
const unmatched = "unmatched"

// Middleware counts every request by method, Echo's route pattern (e.g.
// /users/:name/inbox, never the path asked for) and status, and observes
// its latency. Put it before the middleware that answers errors (the
// request logger), so that the status it reads is the one sent.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			route := c.Path()
			if route == "" {
				route = unmatched
			}
			m.observeRequest(method(c.Request().Method), route, Status(c, err), time.Since(start).Seconds())
			return err
		}
	}
}

// Status is the status of the answer to c: the one written, or, when the
// error next returned was not answered yet, the one it will be answered
// with.
func Status(c echo.Context, err error) int {
	if c.Response().Committed || err == nil {
		return c.Response().Status
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}

// method keeps the label to the methods routes use: anything else is
// "other", so that made-up methods make no new series.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
