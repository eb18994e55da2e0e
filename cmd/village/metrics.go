package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/web/metrics"
)

// The metrics listener (VILLAGE_METRICS_LISTEN): Prometheus' /metrics
// and Go's profiles under /debug/pprof/ on a private address. The older
// VILLAGE_PPROF_LISTEN still serves the profiles alone; both may be on,
// on different addresses.

// checkMetricsListen accepts "" (off) or a private host:port that is not
// the profiling listener's.
func checkMetricsListen(addr, pprofAddr string) error {
	if err := checkPrivateListen(addr, "metrics and profiles", "9090"); err != nil {
		return err
	}
	if addr != "" && addr == pprofAddr {
		return errors.New("same address as VILLAGE_PPROF_LISTEN: the metrics listener serves /debug/pprof/ too, so unset VILLAGE_PPROF_LISTEN")
	}
	return nil
}

// startMetrics makes the process's metrics, watching pool and the
// delivery queue in its database, and serves them on cfg.MetricsListen
// until ctx ends; nil, and nothing served, when the setting is empty.
func startMetrics(ctx context.Context, cfg *Config, pool *pgxpool.Pool, logger *slog.Logger) (*metrics.Metrics, error) {
	if cfg.MetricsListen == "" {
		return nil, nil
	}
	m := metrics.New(logger)
	if err := errors.Join(m.WatchPool(pool), m.WatchQueue(pool)); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	addPprof(mux)
	if _, err := servePrivate(ctx, cfg.MetricsListen, "VILLAGE_METRICS_LISTEN", mux, logger); err != nil {
		return nil, err
	}
	return m, nil
}
