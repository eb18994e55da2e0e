package pgserver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	notOnPath := func(string) (string, error) { return "", errors.New("not found") }
	root := t.TempDir()
	for _, v := range []string{"13", "15"} {
		dir := filepath.Join(root, v, "bin")
		os.MkdirAll(dir, 0o755)
		for _, b := range []string{"initdb", "pg_ctl"} {
			os.WriteFile(filepath.Join(dir, b), nil, 0o755)
		}
	}
	t.Run("newest versioned folder when not on PATH", func(t *testing.T) {
		got, err := findBinaries(notOnPath, filepath.Join(root, "*", "bin"))
		if err != nil || got != filepath.Join(root, "15", "bin") {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("missing binaries name the package to install", func(t *testing.T) {
		_, err := findBinaries(notOnPath, filepath.Join(t.TempDir(), "*", "bin"))
		if !errors.Is(err, ErrBinariesMissing) || !strings.Contains(err.Error(), "apt-get install postgresql") {
			t.Errorf("err = %v", err)
		}
	})
}
