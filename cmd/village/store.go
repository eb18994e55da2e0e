package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/models"
	"github.com/village-social/village/models/pgserver"
)

// store is the open database, and the private cluster behind it if Village
// started one.
type store struct {
	pool    *pgxpool.Pool
	cluster *pgserver.Cluster
	logger  *slog.Logger
}

// openStore connects to DATABASE_URL, or starts the private cluster under
// the data folder when it is unset.
func openStore(ctx context.Context, cfg *Config, logger *slog.Logger) (*store, error) {
	s := &store{logger: logger}
	url := cfg.DatabaseURL
	if url == "" {
		var err error
		s.cluster, err = pgserver.Start(ctx, pgserver.Options{
			Dir:    filepath.Join(cfg.DataDir, "postgres"),
			Logger: logger,
		})
		if err != nil {
			return nil, err
		}
		url = s.cluster.URL()
	}
	pool, err := models.Open(ctx, url)
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	s.pool = pool
	return s, nil
}

// openMigratedStore opens the store and brings its schema up to date, as
// serve and the admin commands need.
func openMigratedStore(ctx context.Context, cfg *Config, logger *slog.Logger) (*store, error) {
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	n, err := models.Migrate(ctx, s.pool)
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	if n > 0 {
		logger.Info("database migrated", "applied", n)
	}
	return s, nil
}

// close releases the pool, and the private cluster (stopping it when no other
// Village process uses it).
func (s *store) close(ctx context.Context) {
	if s.pool != nil {
		s.pool.Close()
	}
	if s.cluster != nil {
		if err := s.cluster.Release(context.WithoutCancel(ctx)); err != nil {
			s.logger.Error("stopping postgres", "error", fmt.Sprint(err))
		}
	}
}
