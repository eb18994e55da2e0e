package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The profiling listener serves Go's profiles on its own address, and
// stops with the server.
func TestPprofListenerServesProfilesOnItsOwnAddress(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := servePprof(ctx, "127.0.0.1:0", testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/debug/pprof/": "goroutine", "/debug/pprof/block?debug=1": "cycles/second"} {
		res, err := http.Get("http://" + addr.String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, no %q in %.200s", path, res.StatusCode, want, body)
		}
	}
	cancel()
	testenv.Eventually(t, 5*time.Second, "the listener closed", func() bool {
		_, err := http.Get("http://" + addr.String() + "/debug/pprof/")
		return err != nil
	})
}
