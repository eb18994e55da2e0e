package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// VillageOptions choose how an instance is started.
type VillageOptions struct {
	// Addr is the loopback host:port to serve on, e.g. "127.0.0.2:8080";
	// port 0 ("127.0.0.2:0") picks a free port on that address, and empty
	// a free port on 127.0.0.1. Free ports let test binaries run side by side.
	Addr string
	// PrivateCluster makes the instance start its own PostgreSQL under its
	// data folder, as `make run` does, instead of a fresh test database.
	PrivateCluster bool
	// DatabaseURL, when set, is used instead of a fresh test database.
	DatabaseURL string
	// Env adds or overrides environment variables.
	Env map[string]string
	// Dir is the working folder of serve and of Command (empty: the
	// test's), for tests of what is relative to it, such as the default
	// data folder ("VILLAGE_DATA_DIR": "" in Env leaves it to the default).
	Dir string
	// Role is serve's --role: "web", "worker" or "all"; empty leaves it to
	// the default (all).
	Role string
	// Of makes this process another one of that instance: it shares its
	// database, data folder and public address (VILLAGE_DOMAIN), and
	// listens on Addr, as a worker beside a web process would.
	Of *Village
}

// Village is a complete Village started from the built binary as its own process.
type Village struct {
	Addr    string // host:port it listens on, also its domain (but with VillageOptions.Of)
	BaseURL string // http://Addr
	DataDir string
	// DatabaseURL is the instance's database, for tests that check what
	// was (not) stored; empty with a private cluster.
	DatabaseURL string
	dir         string
	args        []string // serve's arguments
	env         []string
	cmd         *exec.Cmd
	done        chan error
	log         *syncBuffer
	starts      int // times serve was started; each start logs "village serving"
	t           testing.TB
	dbMu        sync.Mutex
	db          *pgxpool.Pool // DB's pool, opened on first use
}

// StartVillage builds the village binary (once per test binary), starts
// `village serve` with its own database on a loopback address, waits until
// /healthz answers 200, and stops it when the test ends.
func StartVillage(t testing.TB, opts VillageOptions) *Village {
	t.Helper()
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("testenv: instances listen on loopback addresses only, got %q", addr)
	}
	picked := port == "0"
	if picked {
		addr = freeAddr(t, host)
	}
	v := &Village{dir: opts.Dir, args: []string{"serve"}, t: t}
	domain := "" // the listen address, but with Of
	if opts.Of != nil {
		domain, v.DataDir, opts.DatabaseURL = opts.Of.Addr, opts.Of.DataDir, opts.Of.DatabaseURL
		if opts.DatabaseURL == "" {
			t.Fatalf("testenv: Of needs an instance with a DatabaseURL, not a private cluster")
		}
	} else {
		v.DataDir = DataDir(t)
	}
	if opts.Role != "" {
		v.args = append(v.args, "--role", opts.Role)
	}
	env := map[string]string{
		"VILLAGE_PROTOCOL":      "http",
		"VILLAGE_DATA_DIR":      v.DataDir,
		"VILLAGE_ALLOW_PRIVATE": "127.0.0.0/8",
		"VILLAGE_LOG_LEVEL":     "info",
		// Quick retries and rescue, so tests of outages end in seconds.
		"VILLAGE_DELIVERY_TIMEOUT":      "5s",
		"VILLAGE_DELIVERY_RETRY_BASE":   "250ms",
		"VILLAGE_DELIVERY_RESCUE_AFTER": "10s",
		"DATABASE_URL":                  "",
	}
	switch {
	case opts.DatabaseURL != "":
		env["DATABASE_URL"] = opts.DatabaseURL
	case !opts.PrivateCluster:
		env["DATABASE_URL"] = migratedDatabaseURL(t)
	}
	for k, val := range opts.Env {
		env[k] = val
	}
	v.DatabaseURL = env["DATABASE_URL"]
	for attempt := 1; ; attempt++ {
		v.listenOn(addr, domain, env)
		err := v.start()
		if err == nil {
			break
		}
		// A port picked free may be taken by another process before
		// village binds it: pick another.
		if picked && attempt < 5 && errors.Is(err, errAddrInUse) {
			addr = freeAddr(t, host)
			continue
		}
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if v.Running() {
			v.Stop()
		}
		if t.Failed() {
			t.Logf("village %s log:\n%s", v.Addr, v.log.String())
		}
	})
	return v
}

// listenOn sets the address serve listens on and serve's environment:
// the process's own, then VILLAGE_LISTEN=addr and VILLAGE_DOMAIN=domain
// (addr when empty), then env, which may set either.
func (v *Village) listenOn(addr, domain string, env map[string]string) {
	if domain == "" {
		domain = addr
	}
	v.Addr, v.BaseURL = addr, "http://"+addr
	v.env = append(os.Environ(), "VILLAGE_LISTEN="+addr, "VILLAGE_DOMAIN="+domain)
	for k, val := range env {
		v.env = append(v.env, k+"="+val)
	}
}

// errAddrInUse: serve could not bind its address.
var errAddrInUse = errors.New("testenv: address already in use")

// Start starts `village serve` again after Stop or Kill.
func (v *Village) Start() {
	v.t.Helper()
	if err := v.start(); err != nil {
		v.t.Fatalf("%v", err)
	}
}

func (v *Village) start() error {
	if v.log == nil {
		v.log = &syncBuffer{}
	}
	v.starts++
	v.cmd = exec.Command(Binary(v.t), v.args...)
	v.cmd.Dir = v.dir
	v.cmd.Env = v.env
	v.cmd.Stdout = v.log
	v.cmd.Stderr = v.log
	logged := len(v.log.String())
	if err := v.cmd.Start(); err != nil {
		return fmt.Errorf("testenv: start village: %w", err)
	}
	v.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(v.cmd, v.done)
	return v.waitHealthy(90*time.Second, logged)
}

// waitHealthy waits for /healthz to answer 200 from this start of serve,
// whose log begins at offset logged.
func (v *Village) waitHealthy(limit time.Duration, logged int) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-v.done:
			v.done <- err
			out := v.log.String()
			if strings.Contains(out[logged:], "address already in use") {
				return fmt.Errorf("%w: %s\n%s", errAddrInUse, v.Addr, out)
			}
			return fmt.Errorf("testenv: village exited while starting: %v\n%s", err, out)
		default:
		}
		resp, err := client.Get(v.BaseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			// Our own process must be the one answering: another test run
			// may hold the same address.
			if resp.StatusCode == http.StatusOK && strings.Count(v.log.String(), "village serving") > v.starts-1 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("testenv: village on %s not healthy after %s\n%s", v.Addr, limit, v.log.String())
}

// Running reports whether the serve process is still alive.
func (v *Village) Running() bool {
	select {
	case err := <-v.done:
		v.done <- err
		return false
	default:
		return v.cmd != nil
	}
}

// Pid is the process id of the running serve process, for tests that
// pin it to a core or read its resources.
func (v *Village) Pid() int { return v.cmd.Process.Pid }

// Stop sends SIGTERM and waits for a clean exit, failing the test otherwise.
func (v *Village) Stop() {
	v.t.Helper()
	if err := v.Signal(syscall.SIGTERM); err != nil {
		v.t.Fatalf("testenv: stop village: %v", err)
	}
	if err := v.Wait(60 * time.Second); err != nil {
		v.t.Fatalf("testenv: village did not exit cleanly: %v\n%s", err, v.log.String())
	}
}

// Kill ends the serve process at once (SIGKILL), as a crash would.
func (v *Village) Kill() {
	v.t.Helper()
	if err := v.Signal(syscall.SIGKILL); err != nil {
		v.t.Fatalf("testenv: kill village: %v", err)
	}
	v.Wait(60 * time.Second)
}

// Signal sends sig to the serve process.
func (v *Village) Signal(sig os.Signal) error { return v.cmd.Process.Signal(sig) }

// Wait waits for the serve process to exit and returns its exit error.
func (v *Village) Wait(limit time.Duration) error {
	select {
	case err := <-v.done:
		v.done <- err
		return err
	case <-time.After(limit):
		return fmt.Errorf("still running after %s", limit)
	}
}

// RSSBytes is the resident memory of the instance's process now (Linux:
// VmRSS in /proc/PID/status), for the idle-memory benchmark.
func (v *Village) RSSBytes() (int64, error) {
	if v.cmd == nil || v.cmd.Process == nil {
		return 0, errors.New("testenv: village is not running")
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", v.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("testenv: read process status: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("testenv: VmRSS %q: %w", rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("testenv: no VmRSS in the process status")
}

// Log is what the instance has logged so far.
func (v *Village) Log() string { return v.log.String() }

// Admin runs `village ARGS...` against this instance's database and returns
// its standard output; it fails the test if the command fails.
func (v *Village) Admin(args ...string) string {
	v.t.Helper()
	stdout, stderr, err := v.Command(args...)
	if err != nil {
		v.t.Fatalf("village %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// Command runs `village ARGS...` with this instance's environment.
func (v *Village) Command(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(v.t), args...)
	cmd.Dir = v.dir
	cmd.Env = v.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// Binary builds cmd/village once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.binary != "" {
		return process.binary
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	dir, err := os.MkdirTemp("", "village-bin-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	bin := filepath.Join(dir, "village")
	cmd := exec.Command("go", "build", "-tags", villageBuildTags, "-o", bin, "./cmd/village")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("testenv: go build: %v\n%s", err, out)
	}
	process.binDir, process.binary = dir, bin
	return bin
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t testing.TB, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}
