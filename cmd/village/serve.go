package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// shutdownGrace is how long requests in flight may take to finish on shutdown.
const shutdownGrace = 30 * time.Second

// streamEventBuffer is how many changes may wait for the streaming API
// while it tells apps of earlier ones; beyond it, changes are dropped
// (apps read them from the REST API) rather than held in memory.
const streamEventBuffer = 4096

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Apply migrations and serve Village over HTTP",
		Long: `Apply pending database migrations, then serve Village over HTTP and deliver
activities to other servers until SIGINT or SIGTERM; requests in flight are
allowed to finish, and deliveries not yet done stay queued for the next start.

--role (VILLAGE_ROLE) splits the work among processes on one database: web
serves HTTP and queues deliveries; worker delivers them, sends pushes and runs
the periodic upkeep once for all (answering only /healthz and /readyz on
VILLAGE_LISTEN); all, the default, does both.

VILLAGE_DOMAIN (or --domain) is required.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context()) },
	}
}

func (a *app) serve(ctx context.Context) error {
	cfg := a.cfg
	if cfg.Domain == "" {
		return &configError{"VILLAGE_DOMAIN", "required to serve: the public host[:port] of this instance, e.g. village.example or localhost:8080"}
	}
	st, err := openMigratedStore(ctx, cfg, a.logger, createCluster)
	if err != nil {
		return err
	}
	defer st.close(ctx)
	// Metrics and profiles on a private address (nil when off).
	meters, err := startMetrics(ctx, cfg, st.pool, a.logger)
	if err != nil {
		return err
	}
	// Admin commands run without VILLAGE_DOMAIN name actors as we do.
	before, err := models.RecordServedURL(ctx, st.pool, cfg.BaseURL())
	if err != nil {
		return err
	}
	if before != "" && before != cfg.BaseURL() {
		a.logger.Warn("this database was served at another address before: other servers know its actors by the old one",
			"before", before, "now", cfg.BaseURL())
	}

	urls := federation.NewURLs(cfg.BaseURL())
	userAgent := fmt.Sprintf("Village/%s (+%s/)", Version, cfg.BaseURL())
	instance, err := models.InstanceActor(ctx, st.pool)
	if err != nil {
		return err
	}
	// Made here, not first inside a report's transaction, where two
	// first reports at once could collide on its name.
	if _, err := models.ReportsActor(ctx, st.pool); err != nil {
		return err
	}
	signer, err := federation.NewSigner(urls, instance)
	if err != nil {
		return err
	}
	client := fetch.New(fetch.Options{AllowPrivate: cfg.AllowPrivate, UserAgent: userAgent, Signer: signer.SignGet})
	resolver := federation.NewResolver(st.pool, urls, client, federation.ResolverOptions{Scheme: cfg.Protocol, Logger: a.logger})
	inserter, err := delivery.NewInserter()
	if err != nil {
		return err
	}
	out := outbox.New(st.pool, urls, inserter.Enqueue, a.logger).WithFanout(inserter.EnqueueFanout)

	// A web process queues jobs and works none; a worker serves only its
	// health; all does both (serve_roles.go).
	var queue *delivery.Queue
	if cfg.Role.worksJobs() {
		if queue, err = a.newQueue(st, urls, userAgent, out, meters); err != nil {
			return err
		}
	}
	handler := web.Probes(st.pool, a.logger, Version)
	if cfg.Role.servesPublicHTTP() {
		var stopWeb func()
		handler, stopWeb = a.webHandler(ctx, st, urls, client, resolver, out, meters)
		defer stopWeb()
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (VILLAGE_LISTEN): %w", cfg.Listen, err)
	}
	if cfg.PprofListen != "" {
		if _, err := servePprof(ctx, cfg.PprofListen, a.logger); err != nil {
			ln.Close()
			return err
		}
	}
	if queue != nil {
		if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
			ln.Close()
			return err
		}
	}
	a.logger.Info("village serving", "version", Version, "role", string(cfg.Role), "listen", ln.Addr().String(), "url", cfg.BaseURL(), "data", st.dataDir)
	if models.WeakPasswordHashing {
		a.logger.Warn("this binary was built with -tags testpasswords for the test suite: passwords are hashed at bcrypt's lowest cost; build it without that tag to run it for people")
	}
	err = web.Serve(ctx, ln, handler, shutdownGrace)
	// HTTP first, so nothing new is queued; then the deliveries under way.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if queue != nil {
		if stopErr := queue.Stop(stopCtx); stopErr != nil {
			a.logger.Error("stopping deliveries", "error", stopErr)
		}
	}
	a.logger.Info("village stopped")
	return err
}
