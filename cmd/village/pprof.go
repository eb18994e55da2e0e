package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"runtime"
	"time"
)

// The private listeners: Go's pprof endpoints (VILLAGE_PPROF_LISTEN), and
// metrics with the same profiles (VILLAGE_METRICS_LISTEN, metrics.go),
// each on an address of its own, never on the public one, for an operator
// who wants to see where time goes (the README's benchmarks say how).

// checkPprofListen accepts "" (off) or host:port on a loopback or private
// address: profiles show internals nobody outside should read.
func checkPprofListen(addr string) error { return checkPrivateListen(addr, "profiles", "6060") }

// checkPrivateListen accepts "" (off) or host:port on a loopback or
// private address; what names what would be shown, port an example.
func checkPrivateListen(addr, what, port string) error {
	if addr == "" {
		return nil
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil || !validPort(p) {
		return fmt.Errorf("expected host:port such as 127.0.0.1:%s, got %q", port, addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !(ip.IsLoopback() || ip.IsPrivate()) {
		return fmt.Errorf("expected a loopback or private IP address (%s are not for the public), got %q", what, host)
	}
	return nil
}

// addPprof serves the profiles under /debug/pprof/ on mux.
func addPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}

// pprofHandler serves the profiles under /debug/pprof/.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	addPprof(mux)
	return mux
}

// servePprof listens on addr until ctx ends.
func servePprof(ctx context.Context, addr string, logger *slog.Logger) (net.Addr, error) {
	return servePrivate(ctx, addr, "VILLAGE_PPROF_LISTEN", pprofHandler(), logger)
}

// servePrivate serves handler, which includes the profiles, on addr until
// ctx ends; env names the setting in errors and logs. Block and mutex
// profiles are sampled only while such a listener is on: they cost a
// little on every wait.
func servePrivate(ctx context.Context, addr, env string, handler http.Handler, logger *slog.Logger) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (%s): %w", addr, env, err)
	}
	runtime.SetBlockProfileRate(int(time.Millisecond)) // one sample per millisecond spent blocked
	runtime.SetMutexProfileFraction(100)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("private listener stopped", "setting", env, "error", err)
		}
	}()
	logger.Info("private listener on", "setting", env, "listen", ln.Addr().String())
	return ln.Addr(), nil
}
