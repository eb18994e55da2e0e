package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
)

// healthz answers 200 while the database answers, 503 otherwise, so that a
// load balancer or supervisor can tell a live instance from a broken one.
func healthz(db *pgxpool.Pool, logger *slog.Logger, version string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			logger.Warn("health check: database does not answer", "error", err)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok", "database": "up", "version": version})
	}
}
