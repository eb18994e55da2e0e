package web

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/village-social/village/models"
)

// uploadEnvelope is room, beyond the files, for the multipart envelope and
// the text fields that come with them (a post's text, alt texts).
const uploadEnvelope = 256 << 10

// uploadRoute is a route that takes files, and the largest body it may be
// sent: what its files may weigh, and the envelope.
type uploadRoute struct {
	method, path string
	limit        int64
}

// uploadRoutes are the only routes whose bodies may exceed the default
// limit, each up to what its files may be (models' media limits) and no
// more.
func uploadRoutes() []uploadRoute {
	photo := int64(models.MaxImageBytes) + uploadEnvelope
	picture := int64(models.MaxProfileImageBytes) + uploadEnvelope
	// update_credentials may carry an avatar and a header, and go-mastodon
	// sends them as base64 in a plain form: 4/3 larger, plus the %2B and
	// %2F of URL encoding.
	profile := 2*int64(base64.StdEncoding.EncodedLen(models.MaxProfileImageBytes))*9/8 + uploadEnvelope
	return []uploadRoute{
		{http.MethodPost, "/api/v1/media", photo},
		{http.MethodPost, "/api/v2/media", photo},
		{http.MethodPatch, "/api/v1/accounts/update_credentials", profile},
		{http.MethodPost, "/settings/avatar", picture},
		{http.MethodPost, "/settings/header", picture},
		// The web app's compose form: up to the post's photos.
		{http.MethodPost, "/posts", models.MaxMediaAttachments*int64(models.MaxImageBytes) + uploadEnvelope},
		// The meetup form: one picture.
		{http.MethodPost, "/groups/:name/events/new", photo},
		{http.MethodPost, "/events/:id/edit", photo},
	}
}

// routeMatches reports whether path is the route pattern's, where a
// ":name" segment stands for any one segment.
func routeMatches(pattern, path string) bool {
	want, got := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		if w != got[i] && (!strings.HasPrefix(w, ":") || got[i] == "") {
			return false
		}
	}
	return true
}

// bodyLimits caps request bodies at limit, except on uploadRoutes, each
// capped at its own. It runs before the CSRF check, which reads the form
// (and so the upload), so the larger caps must be decided here and not on
// the routes.
func bodyLimits(limit string) echo.MiddlewareFunc {
	routes := uploadRoutes()
	small := bodyLimit(parseBodyLimit(limit))
	large := make([]echo.MiddlewareFunc, len(routes))
	for i, u := range routes {
		large[i] = bodyLimit(u.limit)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		def := small(next)
		uploads := make([]echo.HandlerFunc, len(routes))
		for i := range routes {
			uploads[i] = large[i](next)
		}
		return func(c echo.Context) error {
			r := c.Request()
			for i, u := range routes {
				if r.Method == u.method && routeMatches(u.path, r.URL.Path) {
					return uploads[i](c)
				}
			}
			return def(c)
		}
	}
}

// appCORS lets Mastodon apps that run in a browser, from their own
// origin, call the client API and the OAuth endpoints they need (as
// Mastodon allows); nothing else of Village answers other origins. Tokens
// travel in headers, never cookies, so no credentials are allowed.
func appCORS() echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  []string{"*"},
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key"},
		ExposeHeaders: []string{"Link", "X-RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-Id"},
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return !strings.HasPrefix(p, "/api/") && p != "/oauth/token" && p != "/oauth/revoke" &&
				p != "/.well-known/oauth-authorization-server"
		},
	})
}

func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRemoteIP: true,
		LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency.Round(time.Microsecond)),
				slog.String("remote", v.RemoteIP),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			logger.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// errorHandler answers errors as Mastodon does, {"error": "..."}, and never
// shows our internal errors to the client.
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, msg := http.StatusInternalServerError, "internal server error"
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
			if m, ok := he.Message.(string); ok {
				msg = m
			} else {
				msg = http.StatusText(status)
			}
		}
		if status >= 500 && he == nil {
			logger.ErrorContext(c.Request().Context(), "request failed", "path", c.Request().URL.Path, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(status)
		} else {
			err = c.JSON(status, map[string]string{"error": msg})
		}
		if err != nil {
			logger.ErrorContext(c.Request().Context(), "writing error response", "error", err)
		}
	}
}
