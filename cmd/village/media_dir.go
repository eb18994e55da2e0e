package main

import "path/filepath"

// mediaFolder is where uploaded pictures live: VILLAGE_MEDIA_DIR when
// given, so that several web processes (on one machine, or on several
// sharing a mount) serve the same files; else the media folder under the
// data folder.
func mediaFolder(cfg *Config, dataDir string) string {
	if cfg.MediaDir != "" {
		return cfg.MediaDir
	}
	return filepath.Join(dataDir, "media")
}
