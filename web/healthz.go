package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// readyTimeout bounds readiness's database query: a supervisor waits on it.
const readyTimeout = 2 * time.Second

// probes answer a supervisor's or load balancer's two questions. They are
// public paths: answers name no host, address or error text.
type probes struct {
	db      *pgxpool.Pool
	logger  *slog.Logger
	version string
}

// alive (/healthz) answers 200 while the process answers at all. It asks
// nothing of the database, so that a supervisor does not restart every
// process because PostgreSQL blinked; /readyz tells that.
func (p probes) alive(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": p.version})
}

// ready (/readyz) answers 200 when the database answers and its schema is
// the one this binary was built for, 503 with the reason otherwise: a load
// balancer sends no requests to a process that would fail them, such as
// one left on the old release after a newer one migrated the database.
func (p probes) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	unready := func(reason string) error {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
	}
	v, err := models.SchemaVersion(ctx, p.db)
	if err != nil {
		p.logger.Warn("readiness: the database does not answer", "error", err)
		return unready("the database does not answer")
	}
	known := models.KnownSchemaVersion()
	switch {
	case v > known:
		return unready(fmt.Sprintf("the database's schema is at version %d, newer than this process's %d: upgrade this process", v, known))
	case v < known:
		return unready(fmt.Sprintf("the database's schema is at version %d, older than this process's %d: run village migrate", v, known))
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready", "version": p.version})
}

// Probes serves /healthz and /readyz alone: what a worker process, which
// serves no public routes, offers its supervisor. Other paths are 404.
func Probes(db *pgxpool.Pool, logger *slog.Logger, version string) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	p := probes{db: db, logger: logger, version: version}
	e.GET("/healthz", p.alive)
	e.GET("/readyz", p.ready)
	return e
}
