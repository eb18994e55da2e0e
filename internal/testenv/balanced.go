package testenv

import (
	"net"
	"net/http/cookiejar"
	"net/url"
	"testing"
)

// BalancedOptions choose how one instance made of several `village serve`
// processes behind HAProxy is started.
type BalancedOptions struct {
	// Addr is the balancer's loopback host:port (port 0: a free one). It
	// is the instance's domain: every process has it as VILLAGE_DOMAIN.
	Addr string
	// Web are the processes behind the balancer, each on its own loopback
	// address (Addr), usually with Role "web" ("all" serves too); Workers
	// are started beside them (Role "worker": they serve no public route).
	// Their database, data folder and domain are shared and filled in here.
	Web, Workers []VillageOptions
	// Env adds or overrides environment variables of every process.
	Env map[string]string
}

// Balanced is one Village instance served by several processes on one
// database and one data folder, the web ones behind HAProxy.
type Balanced struct {
	Proxy   *HAProxy
	Web     []*Village // behind the balancer: its servers v0, v1, … in this order
	Workers []*Village
	Addr    string // the balancer's host:port, the instance's domain
	BaseURL string // http://Addr
	DataDir string // shared by every process (uploads under media/)
	// DatabaseURL is the one database of every process.
	DatabaseURL string
}

// StartBalanced starts the processes one after another (the first on a
// fresh migrated database, the rest on the same one), web first, then
// HAProxy in front of the web ones, round robin. Everything stops when
// the test ends.
func StartBalanced(t testing.TB, opts BalancedOptions) *Balanced {
	t.Helper()
	addr := opts.Addr
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("testenv: the balancer listens on loopback addresses only, got %q", addr)
	}
	if port == "0" {
		// Chosen now: every process must know the domain before it starts.
		addr = freeAddr(t, host)
	}
	b := &Balanced{Addr: addr, BaseURL: "http://" + addr, DataDir: DataDir(t)}
	start := func(p VillageOptions) *Village {
		// Shared through the environment, which wins over StartVillage's
		// defaults (VillageOptions.Of would make the first process's
		// address the domain, not the balancer's).
		env := map[string]string{"VILLAGE_DOMAIN": addr, "VILLAGE_DATA_DIR": b.DataDir}
		for k, v := range opts.Env {
			env[k] = v
		}
		for k, v := range p.Env {
			env[k] = v
		}
		p.Env, p.DatabaseURL = env, b.DatabaseURL
		v := StartVillage(t, p)
		v.DataDir = b.DataDir
		if b.DatabaseURL == "" {
			b.DatabaseURL = v.DatabaseURL
		}
		return v
	}
	backends := make([]string, 0, len(opts.Web))
	for _, p := range opts.Web {
		v := start(p)
		b.Web = append(b.Web, v)
		backends = append(backends, v.Addr)
	}
	for _, p := range opts.Workers {
		b.Workers = append(b.Workers, start(p))
	}
	b.Proxy = StartHAProxy(t, HAProxyOptions{Addr: addr, Backends: backends})
	return b
}

// Through is the same signed-in session sent to another address of the
// same instance (one process of several, or the balancer): its cookies
// are copied there, and its form token is kept, as a browser's would be
// when a balancer sends its next request to another process.
func (s *WebSession) Through(baseURL string) *WebSession {
	s.t.Helper()
	from, err := url.Parse(s.base)
	if err != nil {
		s.t.Fatal(err)
	}
	to, err := url.Parse(baseURL)
	if err != nil {
		s.t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	jar.SetCookies(to, s.client.Jar.Cookies(from))
	c := *s.client
	c.Jar = jar
	return &WebSession{t: s.t, base: baseURL, client: &c, token: s.token}
}
