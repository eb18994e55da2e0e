package main

import (
	"context"
	"errors"
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
	dataDir string // the data folder chooseDataDir decided: the cluster's, and uploads'
}

// clusterUse says whether opening the store may create the private cluster.
type clusterUse int

const (
	// createCluster is for serve and migrate: the first start makes it.
	createCluster clusterUse = iota
	// existingCluster is for admin commands: they use the cluster serve
	// made, so that one run from another folder says where it looked
	// instead of making an empty second instance there.
	existingCluster
)

// openStore connects to DATABASE_URL, or starts the private cluster under
// the data folder when it is unset.
func openStore(ctx context.Context, cfg *Config, logger *slog.Logger, use clusterUse) (*store, error) {
	dir, fellBack, err := workingDataDir(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if fellBack {
		level := slog.LevelInfo
		if use == existingCluster {
			level = slog.LevelDebug
		}
		logger.Log(ctx, level, "keeping the data in "+dir+": the postgres OS user cannot enter the working folder (set VILLAGE_DATA_DIR to choose)")
	}
	s := &store{logger: logger, dataDir: dir}
	url := cfg.DatabaseURL
	if url == "" {
		s.cluster, err = pgserver.Start(ctx, pgserver.Options{
			Dir:       filepath.Join(dir, "postgres"),
			MustExist: use == existingCluster,
			Logger:    logger,
		})
		if errors.Is(err, pgserver.ErrNoCluster) {
			return nil, fmt.Errorf("no Village data in %s: start Village first (make run, or village serve) and run this from the same folder, "+
				"or set VILLAGE_DATA_DIR to the folder it uses (%w)", dir, err)
		}
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
func openMigratedStore(ctx context.Context, cfg *Config, logger *slog.Logger, use clusterUse) (*store, error) {
	s, err := openStore(ctx, cfg, logger, use)
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
