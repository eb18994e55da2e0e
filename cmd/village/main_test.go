package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

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
