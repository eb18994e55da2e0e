package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
	"github.com/village-social/village/web/media"
	"github.com/village-social/village/web/metrics"
	"github.com/village-social/village/web/push"
)

// Role is what one `village serve` process does. Any number of processes
// of each role may share one database: web processes queue jobs in it
// (River, in the same transaction as the data), worker processes work
// them, and River's leader among the workers alone schedules the periodic
// upkeep.
type Role string

const (
	// roleAll serves HTTP and works the jobs: one process is a whole instance.
	roleAll Role = "all"
	// roleWeb serves HTTP and queues jobs, but works none.
	roleWeb Role = "web"
	// roleWorker works deliveries, fan-outs, pushes and the periodic upkeep;
	// it answers only /healthz and /readyz, for its supervisor.
	roleWorker Role = "worker"
)

// roleChoices names the roles for help and error messages.
const roleChoices = "web, worker or all"

func parseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(s)); r {
	case roleAll, roleWeb, roleWorker:
		return r, nil
	}
	return "", fmt.Errorf("expected %s, got %q", roleChoices, s)
}

// servesPublicHTTP reports whether the process serves Village's routes.
func (r Role) servesPublicHTTP() bool { return r != roleWorker }

// worksJobs reports whether the process runs River's workers and periodic jobs.
func (r Role) worksJobs() bool { return r != roleWeb }

// newQueue builds the River client that works every job of Village, with
// the periodic upkeep: deliveries and their fan-outs, Web Push messages,
// and the media cleanup, poll upkeep and reminders (River's leader alone
// schedules these, so they run once however many workers there are).
func (a *app) newQueue(st *store, urls federation.URLs, userAgent string, out *outbox.Outbox, meters *metrics.Metrics) (*delivery.Queue, error) {
	cfg := a.cfg
	// Uploads no post took, and those of deleted posts, are removed once
	// an hour, and at start.
	library := media.NewLibrary(st.pool, media.NewFolder(mediaFolder(cfg, st.dataDir)), urls, a.logger)
	cleanup := delivery.PeriodicTask{Name: "media-cleanup", Every: media.CleanupEvery, Run: func(ctx context.Context) error {
		n, err := library.Cleanup(ctx, time.Now())
		if n > 0 {
			a.logger.Info("media: removed expired uploads", "files", n)
		}
		return err
	}}
	// Polls' results, closing and "poll" notifications (outbox/poll.go).
	polls := delivery.PeriodicTask{Name: "poll-upkeep", Every: outbox.PollUpkeepEvery, Run: func(ctx context.Context) error {
		return out.PollUpkeep(ctx, time.Now())
	}}
	// Web Push messages are jobs of the same River client (web/push).
	pushes := push.NewSender(st.pool, urls, cfg.AllowPrivate, a.logger)
	return delivery.New(st.pool, delivery.Options{
		URLs: urls, AllowPrivate: cfg.AllowPrivate, UserAgent: userAgent, Logger: a.logger,
		Timeout: cfg.DeliveryTimeout, RetryBase: cfg.DeliveryRetryBase, RescueAfter: cfg.DeliveryRescueAfter,
		FanoutBatch: cfg.FanoutBatch, Extra: []delivery.ExtraJobs{pushes.Jobs()}, OnOutcome: meters.OnDelivery(),
		Periodic: []delivery.PeriodicTask{cleanup, polls,
			reminderTask("meetup-reminders", "meetups: reminded people going", models.RemindEvents, st.pool, a.logger),
			// Helpers on other servers are reminded by a direct note (outbox/help_notes.go).
			reminderTask("help-reminders", "help calendars: reminded helpers", func(ctx context.Context, db models.DB, now time.Time) (int, error) {
				return out.RemindHelpers(ctx, db, now)
			}, st.pool, a.logger)},
	})
}

// webHandler builds Village's HTTP routes with what they listen for in the
// database; stop ends the listening, after the server has stopped.
func (a *app) webHandler(ctx context.Context, st *store, urls federation.URLs, client *fetch.Client,
	resolver *federation.Resolver, out *outbox.Outbox, meters *metrics.Metrics) (handler http.Handler, stop func()) {
	cfg := a.cfg
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
	// What arrives while every synchronous apply is busy waits in the
	// database for this runner (inbox/backlog.go); it stops with the
	// listening, after the server, so what the server accepted last is
	// applied or stays pending for the next start.
	processor := inbox.New(st.pool, urls, resolver, out, auth, a.logger).WithSyncApplies(cfg.InboxSyncApplies)
	backlogDone := make(chan struct{})
	go func() {
		defer close(backlogDone)
		processor.RunBacklog(listenCtx)
	}()
	handler = web.New(web.Options{
		DB: st.pool, Logger: a.logger, URLs: urls, Version: Version,
		Auth: auth, Resolver: resolver, Outbox: out, Fetcher: client,
		Inbox:     processor,
		MediaDir:  mediaFolder(cfg, st.dataDir),
		InboxRate: cfg.InboxRate,
		// Mastodon's secure mode: documents only for signed fetches.
		AuthorizedFetch: cfg.AuthorizedFetch,
		Changes:         changes,
		StreamEvents:    streamEvents,
		Metrics:         meters,
	})
	return handler, func() { stopListening(); <-listening; <-backlogDone }
}
