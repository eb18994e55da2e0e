package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/web"
)

// Config is everything the operator sets, read from the environment with
// flags taking precedence. It is passed down; nothing reads the environment
// after start-up.
type Config struct {
	Domain       string         // public host[:port] of this instance
	Listen       string         // address the HTTP server binds
	Role         Role           // what serve runs: web, worker or all
	Protocol     string         // https, or http for local use
	DatabaseURL  string         // empty: a private cluster under DataDir
	DataDir      string         // where the private cluster and uploads live
	MediaDir     string         // uploaded pictures; "": DataDir/media (see mediaFolder)
	AllowPrivate []netip.Prefix // non-public ranges outgoing federation may reach
	LogLevel     slog.Level
	LogFormat    string // text or json

	DeliveryTimeout     time.Duration // one outgoing POST
	DeliveryRetryBase   time.Duration // first retry; each next one doubles
	DeliveryRescueAfter time.Duration // a delivery left running by a killed process runs again after this

	InboxRate int // activities one remote host may post per minute
	// InboxSyncApplies is how many activities are applied while their
	// senders wait; more at once go to the inbox's backlog.
	InboxSyncApplies int
	// FanoutBatch is how many deliveries one step of a group share's
	// fan-out queues.
	FanoutBatch int

	AuthorizedFetch bool // ActivityPub documents only for signed GETs of servers not blocked

	PprofListen string // "" or a private host:port for /debug/pprof/
	// MetricsListen is "" or a private host:port for /metrics and
	// /debug/pprof/.
	MetricsListen string

	given map[string]bool // the variables set by flag or environment, not defaulted
}

// Given reports whether the operator set the variable env (or its flag),
// rather than leaving it to its default.
func (c *Config) Given(env string) bool { return c.given[env] }

// setting ties one configuration value to its variable and flag.
type setting struct {
	env, flag, def, help string
}

var settings = []setting{
	{"VILLAGE_DOMAIN", "domain", "", "public host[:port] of this instance, e.g. village.example (required to serve; admin commands use the one serve last used)"},
	{"VILLAGE_LISTEN", "listen", "127.0.0.1:8080", "address to listen on, host:port"},
	{"VILLAGE_ROLE", "role", string(roleAll), "what serve runs: " + roleChoices + "; web serves HTTP and queues jobs, worker works them (deliveries, pushes, periodic upkeep) and answers only /healthz and /readyz on VILLAGE_LISTEN"},
	{"VILLAGE_PROTOCOL", "protocol", "https", "scheme of public URLs: https, or http for local use"},
	{"DATABASE_URL", "database-url", "", "PostgreSQL URL; empty starts a private cluster in DATA_DIR/postgres"},
	{"VILLAGE_DATA_DIR", "data-dir", "./data", "folder for the private database and uploads; " + fallbackDataDir + " instead of ./data when run as root from a folder the postgres OS user cannot enter"},
	{"VILLAGE_MEDIA_DIR", "media-dir", "", "folder of uploaded pictures, one for every web process (a shared mount when they run on several machines); empty: DATA_DIR/media"},
	{"VILLAGE_ALLOW_PRIVATE", "allow-private", "", "comma-separated CIDRs outgoing federation may reach despite being private, e.g. 127.0.0.0/8"},
	{"VILLAGE_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"VILLAGE_LOG_FORMAT", "log-format", "text", "text or json"},
	{"VILLAGE_DELIVERY_TIMEOUT", "delivery-timeout", "15s", "time limit of one outgoing delivery POST"},
	{"VILLAGE_DELIVERY_RETRY_BASE", "delivery-retry-base", "30s", "delay before a failed delivery's first retry; each next retry doubles it"},
	{"VILLAGE_DELIVERY_RESCUE_AFTER", "delivery-rescue-after", "2m", "a delivery left running by a crashed process is retried after this; must exceed the delivery timeout"},
	{"VILLAGE_DELIVERY_FANOUT_BATCH", "delivery-fanout-batch", strconv.Itoa(delivery.DefaultFanoutBatch), "deliveries a group share's fan-out queues per transaction"},
	{"VILLAGE_INBOX_RATE", "inbox-rate", strconv.Itoa(web.DefaultInboxRate), "activities one remote host may post to our inboxes per minute (more get 429 with Retry-After)"},
	{"VILLAGE_INBOX_SYNC_APPLIES", "inbox-sync-applies", strconv.Itoa(inbox.DefaultSyncApplies), "activities applied while their senders wait; more arriving at once are stored, answered 202 and applied a moment later, oldest first (0: every one)"},
	{"VILLAGE_AUTHORIZED_FETCH", "authorized-fetch", "false", "true: ActivityPub documents (but discovery and the instance actor) only for signed GETs of servers not blocked, as Mastodon's secure mode"},
	{"VILLAGE_PPROF_LISTEN", "pprof-listen", "", "loopback or private host:port to serve Go's profiles on (/debug/pprof/), e.g. 127.0.0.1:6060; off when empty"},
	{"VILLAGE_METRICS_LISTEN", "metrics-listen", "", "loopback or private host:port to serve Prometheus metrics (/metrics) and Go's profiles (/debug/pprof/) on, e.g. 127.0.0.1:9090; off when empty"},
}

// addConfigFlags registers one flag per setting.
func addConfigFlags(fs *pflag.FlagSet) {
	for _, s := range settings {
		where := " (env " + s.env
		if s.def != "" {
			where += ", default " + s.def
		}
		fs.String(s.flag, "", s.help+where+")")
	}
}

// configError names the variable at fault and what it expects.
type configError struct {
	env, problem string
}

func (e *configError) Error() string { return e.env + ": " + e.problem }

// loadConfig reads each setting from its flag if given, else the
// environment, else its default, and checks it.
func loadConfig(fs *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	given := map[string]bool{}
	value := func(s setting) string {
		if f := fs.Lookup(s.flag); f != nil && f.Changed {
			given[s.env] = true
			return strings.TrimSpace(f.Value.String())
		}
		if v := strings.TrimSpace(getenv(s.env)); v != "" {
			given[s.env] = true
			return v
		}
		return s.def
	}
	vals := map[string]string{}
	for _, s := range settings {
		vals[s.env] = value(s)
	}
	cfg := &Config{
		Domain:      strings.ToLower(vals["VILLAGE_DOMAIN"]),
		Listen:      vals["VILLAGE_LISTEN"],
		Protocol:    vals["VILLAGE_PROTOCOL"],
		DatabaseURL: vals["DATABASE_URL"],
		DataDir:     vals["VILLAGE_DATA_DIR"],
		MediaDir:    vals["VILLAGE_MEDIA_DIR"],
		LogFormat:   vals["VILLAGE_LOG_FORMAT"],
		given:       given,
	}
	if cfg.Domain != "" {
		if err := checkDomain(cfg.Domain); err != nil {
			return nil, &configError{"VILLAGE_DOMAIN", err.Error()}
		}
	}
	if _, port, err := net.SplitHostPort(cfg.Listen); err != nil || !validPort(port) {
		return nil, &configError{"VILLAGE_LISTEN", fmt.Sprintf("expected host:port such as 127.0.0.1:8080, got %q", cfg.Listen)}
	}
	role, err := parseRole(vals["VILLAGE_ROLE"])
	if err != nil {
		return nil, &configError{"VILLAGE_ROLE", err.Error()}
	}
	cfg.Role = role
	if cfg.Protocol != "http" && cfg.Protocol != "https" {
		return nil, &configError{"VILLAGE_PROTOCOL", fmt.Sprintf("expected https or http, got %q", cfg.Protocol)}
	}
	if cfg.DatabaseURL != "" && !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		return nil, &configError{"DATABASE_URL", "expected a URL starting with postgres:// (or unset it to use a private database)"}
	}
	if cfg.DataDir == "" {
		return nil, &configError{"VILLAGE_DATA_DIR", "expected a folder path"}
	}
	for _, part := range strings.Split(vals["VILLAGE_ALLOW_PRIVATE"], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, &configError{"VILLAGE_ALLOW_PRIVATE", fmt.Sprintf("expected comma-separated CIDRs such as 127.0.0.0/8, got %q", part)}
		}
		cfg.AllowPrivate = append(cfg.AllowPrivate, p.Masked())
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(vals["VILLAGE_LOG_LEVEL"])); err != nil {
		return nil, &configError{"VILLAGE_LOG_LEVEL", fmt.Sprintf("expected debug, info, warn or error, got %q", vals["VILLAGE_LOG_LEVEL"])}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return nil, &configError{"VILLAGE_LOG_FORMAT", fmt.Sprintf("expected text or json, got %q", cfg.LogFormat)}
	}
	for _, d := range []struct {
		env string
		to  *time.Duration
	}{
		{"VILLAGE_DELIVERY_TIMEOUT", &cfg.DeliveryTimeout},
		{"VILLAGE_DELIVERY_RETRY_BASE", &cfg.DeliveryRetryBase},
		{"VILLAGE_DELIVERY_RESCUE_AFTER", &cfg.DeliveryRescueAfter},
	} {
		v, err := time.ParseDuration(vals[d.env])
		if err != nil || v <= 0 {
			return nil, &configError{d.env, fmt.Sprintf("expected a positive duration such as 30s or 2m, got %q", vals[d.env])}
		}
		*d.to = v
	}
	rate, err := strconv.Atoi(vals["VILLAGE_INBOX_RATE"])
	if err != nil || rate <= 0 {
		return nil, &configError{"VILLAGE_INBOX_RATE", fmt.Sprintf("expected a whole number of activities per minute, such as 300, got %q", vals["VILLAGE_INBOX_RATE"])}
	}
	cfg.InboxRate = rate
	syncApplies, err := strconv.Atoi(vals["VILLAGE_INBOX_SYNC_APPLIES"])
	if err != nil || syncApplies < 0 {
		return nil, &configError{"VILLAGE_INBOX_SYNC_APPLIES", fmt.Sprintf("expected a whole number such as 4 (0 defers every activity), got %q", vals["VILLAGE_INBOX_SYNC_APPLIES"])}
	}
	cfg.InboxSyncApplies = syncApplies
	batch, err := strconv.Atoi(vals["VILLAGE_DELIVERY_FANOUT_BATCH"])
	if err != nil || batch <= 0 {
		return nil, &configError{"VILLAGE_DELIVERY_FANOUT_BATCH", fmt.Sprintf("expected a whole number such as 500, got %q", vals["VILLAGE_DELIVERY_FANOUT_BATCH"])}
	}
	cfg.FanoutBatch = batch
	switch strings.ToLower(vals["VILLAGE_AUTHORIZED_FETCH"]) {
	case "true", "1", "yes", "on":
		cfg.AuthorizedFetch = true
	case "false", "0", "no", "off":
	default:
		return nil, &configError{"VILLAGE_AUTHORIZED_FETCH", fmt.Sprintf("expected true or false, got %q", vals["VILLAGE_AUTHORIZED_FETCH"])}
	}
	cfg.PprofListen = vals["VILLAGE_PPROF_LISTEN"]
	if err := checkPprofListen(cfg.PprofListen); err != nil {
		return nil, &configError{"VILLAGE_PPROF_LISTEN", err.Error()}
	}
	cfg.MetricsListen = vals["VILLAGE_METRICS_LISTEN"]
	if err := checkMetricsListen(cfg.MetricsListen, cfg.PprofListen); err != nil {
		return nil, &configError{"VILLAGE_METRICS_LISTEN", err.Error()}
	}
	if cfg.DeliveryRescueAfter <= cfg.DeliveryTimeout {
		return nil, &configError{"VILLAGE_DELIVERY_RESCUE_AFTER", fmt.Sprintf("must be longer than VILLAGE_DELIVERY_TIMEOUT (%s)", cfg.DeliveryTimeout)}
	}
	return cfg, nil
}

// checkDomain accepts a bare host name or IP with an optional port: the
// authority part of this instance's URLs and of its handles.
func checkDomain(d string) error {
	if strings.ContainsAny(d, "/?#@ ") || strings.Contains(d, "://") {
		return fmt.Errorf("expected a host name with an optional port, like village.example or 127.0.0.2:8080, without scheme or path; got %q", d)
	}
	host, port := d, ""
	if h, p, err := net.SplitHostPort(d); err == nil {
		host, port = h, p
		if !validPort(port) {
			return fmt.Errorf("invalid port in %q", d)
		}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return fmt.Errorf("%q is not a valid host name", host)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("%q is not a valid host name", host)
			}
		}
	}
	return nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// BaseURL is the public root of this instance, e.g. https://village.example.
func (c *Config) BaseURL() string { return c.Protocol + "://" + c.Domain }
