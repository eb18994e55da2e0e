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
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
	"github.com/village-social/village/web/media"
	"github.com/village-social/village/web/push"
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
	mediaDir := mediaFolder(cfg, st.dataDir)
	// Uploads no post took, and those of deleted posts, are removed by a
	// River periodic job: River's leader alone schedules it, so several
	// processes on one database run it once an hour, and it survives
	// restarts (it runs at start too).
	library := media.NewLibrary(st.pool, media.NewFolder(mediaDir), urls, a.logger)
	cleanup := delivery.PeriodicTask{Name: "media-cleanup", Every: media.CleanupEvery, Run: func(ctx context.Context) error {
		n, err := library.Cleanup(ctx, time.Now())
		if n > 0 {
			a.logger.Info("media: removed expired uploads", "files", n)
		}
		return err
	}}
	// Polls' results, closing and "poll" notifications (outbox/poll.go); the
	// outbox is made below, before the queue starts running tasks.
	var out *outbox.Outbox
	polls := delivery.PeriodicTask{Name: "poll-upkeep", Every: outbox.PollUpkeepEvery, Run: func(ctx context.Context) error {
		return out.PollUpkeep(ctx, time.Now())
	}}
	// Web Push messages are jobs of the same River client (web/push).
	pushes := push.NewSender(st.pool, urls, cfg.AllowPrivate, a.logger)
	queue, err := delivery.New(st.pool, delivery.Options{
		URLs: urls, AllowPrivate: cfg.AllowPrivate, UserAgent: userAgent, Logger: a.logger,
		Timeout: cfg.DeliveryTimeout, RetryBase: cfg.DeliveryRetryBase, RescueAfter: cfg.DeliveryRescueAfter,
		FanoutBatch: cfg.FanoutBatch, Extra: []delivery.ExtraJobs{pushes.Jobs()},
		Periodic: []delivery.PeriodicTask{cleanup, polls,
			reminderTask("meetup-reminders", "meetups: reminded people going", models.RemindEvents, st.pool, a.logger),
			// Helpers on other servers are reminded by a direct note (outbox/help_notes.go).
			reminderTask("help-reminders", "help calendars: reminded helpers", func(ctx context.Context, db models.DB, now time.Time) (int, error) {
				return out.RemindHelpers(ctx, db, now)
			}, st.pool, a.logger)},
	})
	if err != nil {
		return err
	}
	inserter, err := delivery.NewInserter()
	if err != nil {
		return err
	}
	out = outbox.New(st.pool, urls, inserter.Enqueue, a.logger).WithFanout(inserter.EnqueueFanout)
	auth := federation.NewAuthenticator(resolver)
	// Moderation on the command line reaches the running server at once.
	changes := make(chan struct{}, 1)
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		defer close(changes)
		models.ListenForChanges(listenCtx, st.pool, a.logger, func() {
			select {
			case changes <- struct{}{}:
			default: // one is waiting already: it drops everything anyway
			}
		})
	}()
	defer func() { stopListening(); <-listening }()
	// What the streaming API tells apps, from every process on this
	// database. It stops with the server's signal, so that open streams
	// end at once instead of holding the shutdown for its whole grace.
	streamEvents := make(chan models.StreamEvent, streamEventBuffer)
	go func() {
		defer close(streamEvents)
		models.ListenForStreamEvents(ctx, st.pool, a.logger, func(e models.StreamEvent) {
			select {
			case streamEvents <- e:
			default:
				a.logger.Warn("streaming: too many events waiting; one was not told to apps", "kind", e.Kind, "id", e.ID)
			}
		})
	}()
	handler := web.New(web.Options{
		DB: st.pool, Logger: a.logger, URLs: urls, Version: Version,
		Auth: auth, Resolver: resolver, Outbox: out, Fetcher: client,
		Inbox:     inbox.New(st.pool, urls, resolver, out, auth, a.logger),
		MediaDir:  mediaDir,
		InboxRate: cfg.InboxRate,
		// Mastodon's secure mode: documents only for signed fetches.
		AuthorizedFetch: cfg.AuthorizedFetch,
		Changes:         changes,
		StreamEvents:    streamEvents,
	})

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
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}
	a.logger.Info("village serving", "version", Version, "listen", ln.Addr().String(), "url", cfg.BaseURL(), "data", st.dataDir)
	if models.WeakPasswordHashing {
		a.logger.Warn("this binary was built with -tags testpasswords for the test suite: passwords are hashed at bcrypt's lowest cost; build it without that tag to run it for people")
	}
	err = web.Serve(ctx, ln, handler, shutdownGrace)
	// HTTP first, so nothing new is queued; then the deliveries under way.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if stopErr := queue.Stop(stopCtx); stopErr != nil {
		a.logger.Error("stopping deliveries", "error", stopErr)
	}
	a.logger.Info("village stopped")
	return err
}
