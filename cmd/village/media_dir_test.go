package main

import (
	"path/filepath"
	"testing"
)

// Several web processes share one media folder: VILLAGE_MEDIA_DIR names
// it; left out, it is the media folder under the data folder, as before.
func TestMediaFolderIsTheGivenFolderElseUnderTheDataFolder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", map[string]string{}, filepath.Join("/var/lib/village", "media")},
		{"given", map[string]string{"VILLAGE_MEDIA_DIR": "/srv/shared/village-media"}, "/srv/shared/village-media"},
		{"given by flag", map[string]string{"VILLAGE_MEDIA_DIR": "/elsewhere"}, "/mnt/media"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := (&app{}).rootCommand()
			if c.name == "given by flag" {
				if err := root.ParseFlags([]string{"--media-dir", "/mnt/media"}); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := loadConfig(root.Flags(), func(k string) string { return c.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got := mediaFolder(cfg, "/var/lib/village"); got != c.want {
				t.Errorf("media folder %q, want %q", got, c.want)
			}
		})
	}
}
