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

// The profiling listener (VILLAGE_PPROF_LISTEN): Go's pprof endpoints on
// an address of their own, never on the public one, for an operator who
// wants to see where time goes (the README's benchmarks say how).

// checkPprofListen accepts "" (off) or host:port on a loopback or private
// address: profiles show internals nobody outside should read.
func checkPprofListen(addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !validPort(port) {
		return fmt.Errorf("expected host:port such as 127.0.0.1:6060, got %q", addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !(ip.IsLoopback() || ip.IsPrivate()) {
		return fmt.Errorf("expected a loopback or private IP address (profiles are not for the public), got %q", host)
	}
	return nil
}

// pprofHandler serves the profiles under /debug/pprof/.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// servePprof listens on addr until ctx ends. Block and mutex profiles are
// sampled only while it is on: they cost a little on every wait.
func servePprof(ctx context.Context, addr string, logger *slog.Logger) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (VILLAGE_PPROF_LISTEN): %w", addr, err)
	}
	runtime.SetBlockProfileRate(int(time.Millisecond)) // one sample per millisecond spent blocked
	runtime.SetMutexProfileFraction(100)
	srv := &http.Server{Handler: pprofHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof listener stopped", "error", err)
		}
	}()
	logger.Info("pprof listening", "listen", ln.Addr().String())
	return ln.Addr(), nil
}
