package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// HAProxyOptions choose how a load balancer is started.
type HAProxyOptions struct {
	// Addr is the loopback host:port the frontend binds; port 0 picks a
	// free one.
	Addr string
	// Backends are the host:port addresses of the Village processes it
	// spreads requests over, round robin.
	Backends []string
}

// HAProxy is Debian's HAProxy, started in the foreground as a process of
// its own, in front of several Village processes: what an operator runs to
// scale out (README: Deployment).
type HAProxy struct {
	Addr    string // host:port of the frontend
	BaseURL string // http://Addr
	cmd     *exec.Cmd
	done    chan error
	log     *syncBuffer
	t       testing.TB
}

// ServerHeader is the response header HAProxy adds to every answer: the
// name of the backend server that gave it ("v0", "v1", … in the order of
// HAProxyOptions.Backends), so tests can see that each process answered.
const ServerHeader = "X-Village-Server"

// haproxyConfig is the configuration the tests run: it is also the shape
// the README's deployment guide describes. Health checks every half
// second take a killed process out of the rotation within about a second;
// a request whose connection to a dead process fails is sent to another
// (redispatch). The long tunnel time-out keeps WebSocket streams open.
// The check is /readyz: 200 only while the process reaches the database
// with the schema it knows, so a process that cannot serve gets no
// requests (/healthz says only that it runs).
func haproxyConfig(bind string, backends []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 4096

defaults
    mode http
    option forwardfor
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout tunnel 1h

frontend village
    bind %s
    default_backend villages

backend villages
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1
    http-response set-header %s %%[srv_name]
`, bind, ServerHeader)
	for i, addr := range backends {
		fmt.Fprintf(&b, "    server v%d %s check\n", i, addr)
	}
	return b.String()
}

// HAProxyBinary finds haproxy on PATH or in /usr/sbin (not on a normal
// user's PATH), failing the test with what to install otherwise.
func HAProxyBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/haproxy"); err == nil {
		return "/usr/sbin/haproxy"
	}
	t.Fatalf("testenv: the load-balancer tests need HAProxy: `make test` installs it, or run: sudo apt-get install -y haproxy")
	return ""
}

// StartHAProxy writes a configuration to a temporary folder, starts
// haproxy in the foreground, waits until a request through it reaches a
// Village (/readyz answers 200), and stops it when the test ends.
func StartHAProxy(t testing.TB, opts HAProxyOptions) *HAProxy {
	t.Helper()
	addr := opts.Addr
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("testenv: HAProxy listens on loopback addresses only, got %q", addr)
	}
	if port == "0" {
		addr = freeAddr(t, host)
	}
	if len(opts.Backends) == 0 {
		t.Fatal("testenv: HAProxy needs at least one backend")
	}
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(haproxyConfig(addr, opts.Backends)), 0o600); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	h := &HAProxy{Addr: addr, BaseURL: "http://" + addr, log: &syncBuffer{}, t: t, done: make(chan error, 1)}
	// -db: stay in the foreground, logs to stderr.
	h.cmd = exec.Command(HAProxyBinary(t), "-db", "-f", cfg)
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("testenv: start haproxy: %v", err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() {
		h.Stop()
		if t.Failed() {
			t.Logf("haproxy %s log:\n%s", h.Addr, h.log.String())
		}
	})
	h.waitReady(30 * time.Second)
	return h
}

// waitReady polls /readyz through the balancer until a backend answers.
func (h *HAProxy) waitReady(limit time.Duration) {
	h.t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-h.done:
			h.done <- err
			h.t.Fatalf("testenv: haproxy exited while starting: %v\n%s", err, h.log.String())
		default:
		}
		if resp, err := client.Get(h.BaseURL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && resp.Header.Get(ServerHeader) != "" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.t.Fatalf("testenv: haproxy on %s not forwarding after %s\n%s", h.Addr, limit, h.log.String())
}

// Stop ends haproxy (SIGTERM: at once, connections closed) and waits for it.
func (h *HAProxy) Stop() {
	select {
	case err := <-h.done:
		h.done <- err
		return
	default:
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.done:
		h.done <- err
	case <-time.After(30 * time.Second):
		h.cmd.Process.Kill()
	}
}

// Log is what haproxy has logged so far.
func (h *HAProxy) Log() string { return h.log.String() }
