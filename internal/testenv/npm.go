package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// npmInstall makes sure dir has its node modules, holding file, installed
// by `npm ci` from its package-lock.json. It installs only when
// node_modules is missing or older than package.json or package-lock.json,
// under a lock (one per folder) shared by concurrent test binaries.
// needsNPM says who needs npm and how to get it, for when there is none.
func npmInstall(ctx context.Context, dir, file, needsNPM string) error {
	if fresh, err := npmModulesFresh(dir, file); err != nil || fresh {
		return err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("%s (or apt-get install nodejs npm): %w", needsNPM, err)
	}
	lockName := "village-" + filepath.Base(dir) + "-install-" + strconv.Itoa(os.Getuid()) + ".lock"
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open the install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("take the install lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	// Another test binary may have installed them while we waited.
	if fresh, err := npmModulesFresh(dir, file); err != nil || fresh {
		return err
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out.String())
	}
	if fresh, err := npmModulesFresh(dir, file); err != nil || !fresh {
		if err == nil {
			err = fmt.Errorf("%s is missing", filepath.Base(file))
		}
		return fmt.Errorf("npm ci in %s left no usable %s: %w\n%s", dir, file, err, out.String())
	}
	return nil
}

// npmModulesFresh reports whether dir's node_modules was installed after the
// last change of package.json and package-lock.json and holds file.
func npmModulesFresh(dir, file string) (bool, error) {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check the node modules of %s: %w", dir, err)
	}
	if _, err := os.Stat(file); err != nil {
		return false, nil
	}
	for _, name := range []string{"package.json", "package-lock.json"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return false, fmt.Errorf("check the node modules of %s: %w", dir, err)
		}
		if st.ModTime().After(installed.ModTime()) {
			return false, nil
		}
	}
	return true, nil
}
