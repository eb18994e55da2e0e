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

// ICalJS makes sure internal/icaltest has ical.js (an iCalendar parser
// independent of ours), installed by `npm ci` from its package-lock.json
// when missing or older than the lock, and returns a Node binary and the
// script that reads calendars with it (check.mjs). Node is the machine's,
// or else the Node 22 that the Fedify peer's modules hold.
func ICalJS(ctx context.Context) (node, script string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", "", fmt.Errorf("find the module root: %w", err)
	}
	dir := filepath.Join(root, "internal", "icaltest")
	script = filepath.Join(dir, "check.mjs")
	if node, err = exec.LookPath("node"); err != nil {
		node = filepath.Join(root, "internal", "fedify", "node_modules", "node", "bin", "node")
		if _, statErr := os.Stat(node); statErr != nil {
			return "", "", fmt.Errorf("the calendar tests need Node to run ical.js: run `make test` (or apt-get install nodejs npm): %w", err)
		}
	}
	module := filepath.Join(dir, "node_modules", "ical.js", "dist", "ical.js")
	if fresh, err := npmModulesFresh(dir, module); err != nil || fresh {
		return node, script, err
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", "", fmt.Errorf("the calendar tests need npm to install ical.js: run `make test` (or apt-get install nodejs npm): %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "village-icaltest-install-"+strconv.Itoa(os.Getuid())+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", "", fmt.Errorf("open the install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", "", fmt.Errorf("take the install lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	// Another test binary may have installed it while we waited.
	if fresh, err := npmModulesFresh(dir, module); err != nil || fresh {
		return node, script, err
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("npm ci in %s: %w\n%s", dir, err, out.String())
	}
	if fresh, err := npmModulesFresh(dir, module); err != nil || !fresh {
		if err == nil {
			err = errors.New("ical.js is missing")
		}
		return "", "", fmt.Errorf("npm ci in %s left no usable %s: %w\n%s", dir, module, err, out.String())
	}
	return node, script, nil
}
