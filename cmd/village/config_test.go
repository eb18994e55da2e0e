package main

import (
	"net/netip"
	"strings"
	"testing"
)

func TestConfigErrorsNameTheVariableAndWhatIsExpected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantVar string
		want    string
	}{
		{"serve without a domain", nil, []string{"serve"}, "VILLAGE_DOMAIN", "required to serve"},
		{"domain with a scheme", map[string]string{"VILLAGE_DOMAIN": "https://village.example"}, []string{"version"}, "VILLAGE_DOMAIN", "without scheme"},
		{"domain with a path", map[string]string{"VILLAGE_DOMAIN": "village.example/x"}, []string{"version"}, "VILLAGE_DOMAIN", "without scheme or path"},
		{"domain with a bad port", map[string]string{"VILLAGE_DOMAIN": "village.example:99999"}, []string{"version"}, "VILLAGE_DOMAIN", "invalid port"},
		{"domain with an underscore", map[string]string{"VILLAGE_DOMAIN": "vil_lage.example"}, []string{"version"}, "VILLAGE_DOMAIN", "not a valid host name"},
		{"listen without a port", map[string]string{"VILLAGE_LISTEN": "127.0.0.1"}, []string{"version"}, "VILLAGE_LISTEN", "expected host:port"},
		{"protocol ftp", map[string]string{"VILLAGE_PROTOCOL": "ftp"}, []string{"version"}, "VILLAGE_PROTOCOL", "expected https or http"},
		{"database URL not postgres", map[string]string{"DATABASE_URL": "mysql://x"}, []string{"version"}, "DATABASE_URL", "postgres://"},
		{"allow-private not a CIDR", map[string]string{"VILLAGE_ALLOW_PRIVATE": "127.0.0.0/8,localhost"}, []string{"version"}, "VILLAGE_ALLOW_PRIVATE", "CIDRs"},
		{"log level loud", map[string]string{"VILLAGE_LOG_LEVEL": "loud"}, []string{"version"}, "VILLAGE_LOG_LEVEL", "debug, info, warn or error"},
		{"log format xml", map[string]string{"VILLAGE_LOG_FORMAT": "xml"}, []string{"version"}, "VILLAGE_LOG_FORMAT", "text or json"},
		{"authorized fetch maybe", map[string]string{"VILLAGE_AUTHORIZED_FETCH": "maybe"}, []string{"version"}, "VILLAGE_AUTHORIZED_FETCH", "expected true or false"},
		{"pprof on a public address", map[string]string{"VILLAGE_PPROF_LISTEN": "8.8.8.8:6060"}, []string{"version"}, "VILLAGE_PPROF_LISTEN", "loopback or private"},
		{"pprof without a port", map[string]string{"VILLAGE_PPROF_LISTEN": "127.0.0.1"}, []string{"version"}, "VILLAGE_PPROF_LISTEN", "host:port"},
		{"metrics on a public address", map[string]string{"VILLAGE_METRICS_LISTEN": "203.0.113.7:9090"}, []string{"version"}, "VILLAGE_METRICS_LISTEN", "loopback or private"},
		{"metrics on a host name", map[string]string{"VILLAGE_METRICS_LISTEN": "metrics.example:9090"}, []string{"version"}, "VILLAGE_METRICS_LISTEN", "loopback or private"},
		{"metrics without a port", map[string]string{"VILLAGE_METRICS_LISTEN": "127.0.0.1"}, []string{"version"}, "VILLAGE_METRICS_LISTEN", "host:port"},
		{"metrics and pprof on one address", map[string]string{"VILLAGE_METRICS_LISTEN": "10.0.0.5:9090", "VILLAGE_PPROF_LISTEN": "10.0.0.5:9090"}, []string{"version"}, "VILLAGE_METRICS_LISTEN", "same address as VILLAGE_PPROF_LISTEN"},
		{"inbox sync applies negative", map[string]string{"VILLAGE_INBOX_SYNC_APPLIES": "-1"}, []string{"version"}, "VILLAGE_INBOX_SYNC_APPLIES", "whole number such as 4"},
		{"role unknown", map[string]string{"VILLAGE_ROLE": "manager"}, []string{"version"}, "VILLAGE_ROLE", `expected web, worker or all, got "manager"`},
		{"role flag unknown", nil, []string{"serve", "--role", "webworker"}, "VILLAGE_ROLE", "expected web, worker or all"},
		{"flag overrides a valid variable with a bad value", map[string]string{"VILLAGE_PROTOCOL": "https"}, []string{"--protocol", "gopher", "version"}, "VILLAGE_PROTOCOL", "gopher"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runVillage(t, tt.env, tt.args...)
			if code == 0 {
				t.Fatalf("exit code 0, want non-zero; stderr %q", stderr)
			}
			first := strings.SplitN(stderr, "\n", 2)[0]
			if !strings.Contains(first, tt.wantVar+":") || !strings.Contains(first, tt.want) {
				t.Errorf("message %q, want it to name %s and say %q", first, tt.wantVar, tt.want)
			}
		})
	}
}

func TestConfigReadsEnvironmentAndFlagsOverride(t *testing.T) {
	t.Parallel()
	root := (&app{}).rootCommand()
	if err := root.ParseFlags([]string{"--listen", "127.0.0.9:9000"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"VILLAGE_DOMAIN": "Village.Example:8443", "VILLAGE_LISTEN": "127.0.0.1:1", "VILLAGE_PROTOCOL": "http",
		"VILLAGE_ALLOW_PRIVATE": "127.0.0.0/8, 10.1.2.3/16", "VILLAGE_LOG_FORMAT": "json", "VILLAGE_LOG_LEVEL": "debug",
		"VILLAGE_METRICS_LISTEN": "10.1.2.3:9090",
	}
	cfg, err := loadConfig(root.Flags(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.0.0/16")}
	switch {
	case cfg.Domain != "village.example:8443":
		t.Errorf("domain %q: want it lowercased", cfg.Domain)
	case cfg.Listen != "127.0.0.9:9000":
		t.Errorf("listen %q: the flag should override the variable", cfg.Listen)
	case cfg.BaseURL() != "http://village.example:8443":
		t.Errorf("base URL %q", cfg.BaseURL())
	case len(cfg.AllowPrivate) != 2 || cfg.AllowPrivate[0] != want[0] || cfg.AllowPrivate[1] != want[1]:
		t.Errorf("allow-private %v, want %v", cfg.AllowPrivate, want)
	case cfg.LogFormat != "json" || cfg.LogLevel.String() != "DEBUG":
		t.Errorf("log %s %s", cfg.LogFormat, cfg.LogLevel)
	case cfg.MetricsListen != "10.1.2.3:9090":
		t.Errorf("metrics listen %q", cfg.MetricsListen)
	case cfg.DataDir != "./data" || cfg.DatabaseURL != "":
		t.Errorf("defaults: data dir %q, database %q", cfg.DataDir, cfg.DatabaseURL)
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := runVillage(t, nil, "version")
	if code != 0 || strings.TrimSpace(out) != "village "+Version {
		t.Errorf("version: code %d, out %q", code, out)
	}
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"version", "--help"},
		{"admin", "--help"}, {"admin", "user", "--help"}, {"admin", "user", "create", "--help"}, {"admin", "user", "list", "--help"},
		{"admin", "group", "create", "--help"}, {"admin", "group", "list", "--help"}, {"admin", "group", "moderator", "add", "--help"},
		{"admin", "token", "create", "--help"},
	} {
		code, out, _ := runVillage(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: code %d, output lacks usage: %q", args, code, out)
		}
	}
}

func TestUnknownCommandFails(t *testing.T) {
	t.Parallel()
	code, _, stderr := runVillage(t, nil, "frobnicate")
	if code == 0 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
}
