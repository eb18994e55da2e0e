package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// The tests of this package run in parallel (t.Parallel; `make test` says
// how many at once with -parallel): each has databases of its own and starts
// its own instances and peers, each on a loopback address of its own
// (127.0.0.N with a port picked at start). Not on 127.0.0.1: every outgoing
// connection takes its source port there, and one could take an
// instance's port before the instance listens on it.
func TestMain(m *testing.M) { testenv.Run(m) }

// runVillage runs the command line in-process with only the given
// environment, and returns its exit code and output.
func runVillage(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = run(context.Background(), args, getenv, &out, &errb)
	return code, out.String(), errb.String()
}
