package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/requestid"
	"github.com/village-social/village/web/activitypub"
	"github.com/village-social/village/web/metrics"
)

// observe puts first the middleware that lets an operator follow a
// request: its id, then (with Options.Metrics) its count, latency and,
// at an inbox, its outcome. It comes before the request logger, so that
// the logger's line carries the id and the metrics read the status the
// logger's error handling wrote.
func observe(e *echo.Echo, opts Options, f faces) {
	e.Use(requestIDs)
	m := opts.Metrics
	if m == nil {
		return
	}
	m.InboxReasons(activitypub.InboxRefusalReasons())
	if err := m.WatchStreams(f.api.OpenStreams); err != nil {
		opts.Logger.Warn("metrics: streaming connections not reported", "error", err)
	}
	e.Use(m.Middleware(), countInboxes(m))
}

// requestIDs gives every request an id: the one a proxy in front sent in
// X-Request-Id when it is short and printable, else a new one. It is
// answered in the same header and carried in the request's context, so
// that log lines written with that context (requestid.Handler) and the
// delivery jobs the request queues carry it too.
func requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get(requestid.Header)
		if !requestid.Sane(id) {
			id = requestid.New()
		}
		c.Response().Header().Set(requestid.Header, id)
		c.SetRequest(r.WithContext(requestid.With(r.Context(), id)))
		return next(c)
	}
}

// countInboxes counts what the inboxes (every POST route ending in
// /inbox) accept and refuse, and why.
func countInboxes(m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			if c.Request().Method != http.MethodPost || !strings.HasSuffix(c.Path(), "/inbox") {
				return err
			}
			if status := metrics.Status(c, err); status >= 200 && status < 300 {
				m.InboxAccepted()
			} else {
				m.InboxRefused(activitypub.InboxRefusal(c, status))
			}
			return err
		}
	}
}
