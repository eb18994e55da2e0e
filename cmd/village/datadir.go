package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/village-social/village/models/pgserver"
)

// fallbackDataDir keeps the data when Village runs as root from a folder
// that the private cluster's OS user, postgres, cannot enter (a checkout
// under /root): ./data there could never hold the cluster.
const fallbackDataDir = "/var/lib/village"

// chooseDataDir decides the data folder, the same for serve, migrate and
// every admin command, so that commands run by hand find the data that
// `make run` keeps: VILLAGE_DATA_DIR when given (relative to workDir);
// otherwise ./data in workDir, unless the private cluster would live there
// and its OS user cannot reach it (reachable says so), in which case
// fallbackDataDir. fellBack tells whether that last rule applied.
func chooseDataDir(cfg *Config, workDir string, reachable func(dir string) bool) (dir string, fellBack bool) {
	dir = cfg.DataDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(workDir, dir)
	}
	if cfg.Given("VILLAGE_DATA_DIR") || cfg.DatabaseURL != "" || reachable(dir) {
		return dir, false
	}
	return fallbackDataDir, true
}

// dataDir is chooseDataDir on this machine: a folder is reachable when it
// holds a cluster already, or when the cluster's OS user can enter it.
func dataDir(ctx context.Context, cfg *Config, workDir string) (dir string, fellBack bool) {
	return chooseDataDir(cfg, workDir, func(dir string) bool {
		if pgserver.Initialised(filepath.Join(dir, "postgres")) {
			return true
		}
		ok, err := pgserver.Reachable(ctx, dir)
		// Without a postgres user nothing is reachable: starting the
		// cluster then says what to install.
		return ok || err != nil
	})
}

// workingDataDir is dataDir from the process's working folder.
func workingDataDir(ctx context.Context, cfg *Config) (dir string, fellBack bool, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false, fmt.Errorf("the working folder: %w", err)
	}
	dir, fellBack = dataDir(ctx, cfg, wd)
	return dir, fellBack, nil
}
