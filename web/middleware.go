package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/village-social/village/web/app"
)

// bodyLimits caps request bodies at limit, except an avatar upload's, which
// may be up to app.AvatarBodyLimit. It runs before the CSRF check, which reads
// the form (and so the upload), so the larger cap must be decided here and
// not on the route.
func bodyLimits(limit string) echo.MiddlewareFunc {
	isUpload := func(c echo.Context) bool {
		r := c.Request()
		return r.Method == http.MethodPost && r.URL.Path == app.AvatarUploadPath
	}
	small := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: limit, Skipper: isUpload})
	large := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: app.AvatarBodyLimit,
		Skipper: func(c echo.Context) bool { return !isUpload(c) }})
	return func(next echo.HandlerFunc) echo.HandlerFunc { return small(large(next)) }
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
			logger.Error("request failed", "path", c.Request().URL.Path, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(status)
		} else {
			err = c.JSON(status, map[string]string{"error": msg})
		}
		if err != nil {
			logger.Error("writing error response", "error", err)
		}
	}
}
