// Package web is Village's HTTP server: the Echo instance, the middleware
// every face shares, and routes.go, the one place that lists every route.
// Each face has its own package: activitypub (other servers), api
// (Mastodon apps), app (the HTML app) and feeds (RSS and Atom); they do not
// import each other, and share only small packages named after their job
// (access, blocklist, compose, httperr, i18n, media, negotiate, ratelimit,
// reporting).
package web

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/activitypub"
	"github.com/village-social/village/web/api"
	"github.com/village-social/village/web/app"
	"github.com/village-social/village/web/blocklist"
	"github.com/village-social/village/web/compose"
	"github.com/village-social/village/web/feeds"
	"github.com/village-social/village/web/media"
	"github.com/village-social/village/web/metrics"
	"github.com/village-social/village/web/ratelimit"
	"github.com/village-social/village/web/reporting"
)

// DefaultBodyLimit caps request bodies; ActivityPub activities are small.
const DefaultBodyLimit = "1M"

// DefaultInboxRate is the usual Options.InboxRate: activities one remote
// host may post to our inboxes per minute.
const DefaultInboxRate = ratelimit.DefaultInboxRate

// Options are what the HTTP layer needs from the rest of the program.
type Options struct {
	DB      *pgxpool.Pool
	Logger  *slog.Logger
	URLs    federation.URLs // this instance's ActivityPub URL scheme
	Version string
	// Federation parts; nil in tests that need only the plain HTTP layer.
	Auth      *federation.Authenticator
	Resolver  *federation.Resolver
	Inbox     *inbox.Processor
	Outbox    *outbox.Outbox
	BodyLimit string // e.g. "1M"; DefaultBodyLimit when empty
	// Fetcher reaches other servers for the web app ("join from your own
	// server" looks up the visitor's server); when nil, New builds one
	// that reaches public addresses only.
	Fetcher *fetch.Client
	// Web app: accounts. Clock is the time sessions and log-in limits go
	// by; time.Now when nil (tests move it on).
	Clock func() time.Time
	// MediaDir is the folder uploaded pictures are stored in (photos/,
	// avatars/ and headers/ under it); empty turns uploads off, unless
	// MediaStore is set.
	MediaDir string
	// MediaStore, when set, is where uploads are stored instead of
	// MediaDir: the one seam for storage other than a folder.
	MediaStore media.Store
	// InboxRate is how many activities one remote host may post per
	// minute; 0 sets no limit (tests and benchmarks).
	InboxRate int
	// AuthorizedFetch answers ActivityPub documents (actors but the
	// instance actor, collections, posts, activities) only to GETs signed
	// by servers not blocked here, as Mastodon's secure mode does;
	// discovery (WebFinger, host-meta, NodeInfo), the instance actor and
	// HTML pages stay open.
	AuthorizedFetch bool
	// Changes, when set, tells of changes made outside this server (a
	// moderation action on the command line): each drops what the
	// handlers keep in memory. Closing it ends the watch.
	Changes <-chan struct{}
	// StreamEvents, when set, are the changes the streaming API tells
	// apps of (models.ListenForStreamEvents); closing it closes every
	// stream, as the server stops.
	StreamEvents <-chan models.StreamEvent
	// Metrics, when set, counts requests, inbox outcomes and open
	// streams (VILLAGE_METRICS_LISTEN); nil turns them off.
	Metrics *metrics.Metrics
}

// New builds the Echo instance with every face, route and middleware.
func New(opts Options) *echo.Echo {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BodyLimit == "" {
		opts.BodyLimit = DefaultBodyLimit
	}
	if opts.Fetcher == nil {
		opts.Fetcher = fetch.New(fetch.Options{})
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true

	// What more than one face uses.
	limits := ratelimit.New(opts.DB, opts.Clock, opts.InboxRate, opts.Logger)
	blocks := blocklist.New(opts.DB, opts.Clock)
	composer := compose.New(opts.DB, opts.URLs, opts.Resolver)
	reports := reporting.New(opts.DB, opts.URLs, opts.Outbox, opts.Resolver, opts.Logger)
	var library *media.Library
	if opts.MediaStore == nil && opts.MediaDir != "" {
		opts.MediaStore = media.NewFolder(opts.MediaDir)
	}
	if opts.MediaStore != nil {
		library = media.NewLibrary(opts.DB, opts.MediaStore, opts.URLs, opts.Logger)
	}

	var fetchPost api.PostFetcher // pasted links in search, kept by the inbox
	if opts.Inbox != nil {
		fetchPost = opts.Inbox.FetchPost
	}
	pages, err := app.New(app.Options{DB: opts.DB, Logger: opts.Logger, URLs: opts.URLs, Resolver: opts.Resolver,
		Outbox: opts.Outbox, Fetcher: opts.Fetcher, Clock: opts.Clock, Media: library, Limits: limits,
		Blocks: blocks, Reports: reports, Composer: composer, FetchPost: fetchPost})
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a bug, caught by every test
	}
	f := faces{
		activityPub: activitypub.New(activitypub.Options{DB: opts.DB, Logger: opts.Logger, URLs: opts.URLs,
			Version: opts.Version, Auth: opts.Auth, Inbox: opts.Inbox, Outbox: opts.Outbox, Limits: limits,
			Blocks: blocks, Pages: pages, AuthorizedFetch: opts.AuthorizedFetch}),
		api: api.New(api.Options{DB: opts.DB, URLs: opts.URLs, Resolver: opts.Resolver, Outbox: opts.Outbox,
			Limits: limits, Blocks: blocks, Reports: reports, Composer: composer, Clock: opts.Clock,
			Version: opts.Version, Media: library, Logger: opts.Logger, PushGuard: opts.Fetcher.Guard(),
			FetchPost: fetchPost}),
		app:   pages,
		feeds: feeds.New(opts.DB, opts.URLs),
		media: library,
	}

	// Errors: JSON in Mastodon's shape, a page for browsers.
	e.HTTPErrorHandler = pages.ErrorPages(errorHandler(opts.Logger))
	observe(e, opts, f) // request ids, metrics
	e.Use(requestLogger(opts.Logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			opts.Logger.ErrorContext(c.Request().Context(), "panic in handler", "method", c.Request().Method, "path", c.Request().URL.Path,
				"error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(bodyLimits(opts.BodyLimit)) // larger for uploads only
	e.Use(strictJSON(opts.Logger))    // JSON bodies: depth, width and syntax checked before any handler decodes them
	e.Use(appCORS())                  // browser apps (Elk, Phanpy) call the API from their own origin
	// Then: actor documents dropped around writes, the signed-in person,
	// and the CSRF check of forms.
	e.Use(f.activityPub.ForgetActorDocumentsOnWrites, pages.LoadSession, pages.CheckCSRF)
	if opts.Changes != nil {
		go func() {
			for range opts.Changes {
				f.activityPub.ForgetActorDocuments()
				blocks.Forget()
			}
		}()
	}
	if opts.StreamEvents != nil {
		go f.api.RunStreams(opts.StreamEvents)
	}
	routes(e, f, probes{db: opts.DB, logger: opts.Logger, version: opts.Version})
	return e
}

// faces are the handlers of each face of Village.
type faces struct {
	activityPub *activitypub.Handler
	api         *api.Handler
	app         *app.Handler
	feeds       *feeds.Handler
	media       *media.Library // stored pictures; nil without a media folder
}
