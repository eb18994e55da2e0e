package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	if err := npmInstall(ctx, dir, module, "the calendar tests need npm to install ical.js: run `make test`"); err != nil {
		return "", "", err
	}
	return node, script, nil
}
