// Package browsertests holds the tests that drive the web app in headless
// Chromium (testenv.NewBrowser) against instances started from the built
// binary. They are a test binary of their own so that `go test -p N` runs
// them beside cmd/village's end-to-end tests from the start, instead of
// taking turns for Chromium among them and holding their -parallel places.
package browsertests

import (
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// The tests run in parallel as cmd/village's do (its main_test.go says
// how): databases, instances and loopback addresses of their own.
func TestMain(m *testing.M) { testenv.Run(m) }

// browsers holds one token per headless Chromium running: a page load or an
// accessibility check can take seconds of a small machine's CPU, and more
// browsers at once would push the browser tests' steps past their time
// limits while slowing every other test. Two, not one: a test waiting for
// its turn holds one of the -parallel slots, and eleven tests take turns.
var browsers = make(chan struct{}, 2)

// newBrowser starts a browser for t (testenv.NewBrowser) once fewer than
// cap(browsers) tests of the package have one open, and gives its turn to
// the next test after t's browser has stopped.
func newBrowser(t *testing.T) *testenv.Browser {
	t.Helper()
	browsers <- struct{}{}
	t.Cleanup(func() { <-browsers }) // runs after the browser's own cleanup
	return testenv.NewBrowser(t)
}
