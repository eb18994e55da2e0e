// Package web is Village's HTTP face: routes, middleware and handlers, served
// by Echo.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/activitypub"
	"github.com/village-social/village/web/api"
	"github.com/village-social/village/web/blocklist"
	"github.com/village-social/village/web/compose"
	"github.com/village-social/village/web/feeds"
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
	// MediaDir is the folder uploaded pictures are stored in (avatars/
	// under it); empty turns avatar uploads off.
	MediaDir string
	// InboxRate is how many activities one remote host may post per
	// minute; 0 sets no limit (tests and benchmarks).
	InboxRate int
	// Changes, when set, tells of changes made outside this server (a
	// moderation action on the command line): each drops what the
	// handlers keep in memory. Closing it ends the watch.
	Changes <-chan struct{}
}

// New builds the Echo instance with every route and middleware.
func New(opts Options) *echo.Echo {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BodyLimit == "" {
		opts.BodyLimit = DefaultBodyLimit
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(opts.Logger)

	e.Use(requestLogger(opts.Logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			opts.Logger.Error("panic in handler", "method", c.Request().Method, "path", c.Request().URL.Path,
				"error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(bodyLimits(opts.BodyLimit)) // larger for avatar uploads only

	views, err := loadPages()
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a bug, caught by every test
	}
	if opts.Fetcher == nil {
		opts.Fetcher = fetch.New(fetch.Options{})
	}
	h := &handlers{db: opts.DB, logger: opts.Logger, urls: opts.URLs, version: opts.Version, pages: views,
		auth: opts.Auth, resolver: opts.Resolver, inbox: opts.Inbox, outbox: opts.Outbox,
		sanitizer: content.NewSanitizer(), fetcher: opts.Fetcher, mediaDir: opts.MediaDir}
	e.HTTPErrorHandler = h.errorPages(e.HTTPErrorHandler)
	// Web app: accounts: the signed-in person, then the CSRF check of forms.
	h.clock = opts.Clock
	if h.clock == nil {
		h.clock = time.Now
	}
	h.csrf = &csrfSecret{}
	h.limits = ratelimit.New(h.clock, opts.InboxRate)
	h.domainBlocks = blocklist.New(opts.DB, h.clock)
	h.composer = compose.New(opts.DB, opts.URLs, opts.Resolver)
	h.reports = reporting.New(opts.DB, opts.URLs, opts.Outbox, opts.Resolver, opts.Logger)
	ap := activitypub.New(activitypub.Options{DB: opts.DB, Logger: opts.Logger, URLs: opts.URLs, Version: opts.Version,
		Auth: opts.Auth, Inbox: opts.Inbox, Outbox: opts.Outbox, Limits: h.limits, Blocks: h.domainBlocks, Pages: h})
	if opts.Changes != nil {
		go func() {
			for range opts.Changes {
				ap.ForgetActorDocuments()
				h.domainBlocks.Forget()
			}
		}()
	}
	e.Use(ap.ForgetActorDocumentsOnWrites, h.loadSession, h.checkCSRF)
	client := api.New(api.Options{DB: opts.DB, URLs: opts.URLs, Resolver: opts.Resolver, Outbox: opts.Outbox,
		Limits: h.limits, Blocks: h.domainBlocks, Reports: h.reports, Composer: h.composer, Clock: h.clock})
	routes(e, ap, client, h, feeds.New(opts.DB, opts.URLs))
	return e
}

// handlers holds what the route handlers share.
type handlers struct {
	db      *pgxpool.Pool
	logger  *slog.Logger
	urls    federation.URLs
	version string
	pages   *pages

	auth     *federation.Authenticator
	resolver *federation.Resolver
	inbox    *inbox.Processor
	outbox   *outbox.Outbox

	sanitizer *content.Sanitizer // remote HTML shown on pages passes it again
	fetcher   *fetch.Client      // the web app's lookups on other servers

	// Web app: accounts
	clock    func() time.Time
	csrf     *csrfSecret // the key that signs CSRF tokens
	mediaDir string      // uploaded avatars live in its avatars/ folder

	// Safety: instance moderation
	limits       *ratelimit.Limits // log-ins, sign-ups, posts and inbox POSTs
	domainBlocks *blocklist.Cache  // what the inbox refuses before verifying
	reports      *reporting.Filer  // members' reports, from pages and the API
	composer     *compose.Composer // what members type, made HTML
}

// routes lists every route Village serves, in one place.
func routes(e *echo.Echo, ap *activitypub.Handler, client *api.Handler, h *handlers, feed *feeds.Handler) {
	e.GET("/healthz", h.healthz)
	e.GET("/static/*", staticHandler())

	// Discovery and actor documents
	e.GET("/.well-known/webfinger", ap.WebFinger)
	e.GET("/.well-known/host-meta", ap.HostMeta)
	e.GET("/.well-known/nodeinfo", ap.NodeInfoLinks)
	e.GET("/nodeinfo/2.0", ap.NodeInfo20)
	e.GET("/nodeinfo/2.1", ap.NodeInfo21)
	e.GET("/@:name", h.profileRedirect)
	e.GET("/users/:name", ap.ActorDocument(activitypub.PersonActor))
	e.GET("/users/:name/outbox", ap.OutboxCollection(activitypub.PersonActor))
	e.GET("/users/:name/followers", ap.FollowersCollection(activitypub.PersonActor))
	e.GET("/users/:name/following", ap.FollowingCollection(activitypub.PersonActor))
	e.GET("/groups/:name", ap.ActorDocument(activitypub.GroupActor))
	e.GET("/groups/:name/outbox", ap.OutboxCollection(activitypub.GroupActor))
	e.GET("/groups/:name/followers", ap.FollowersCollection(activitypub.GroupActor))
	e.GET("/groups/:name/following", ap.FollowingCollection(activitypub.GroupActor))
	e.GET("/groups/:name/moderators", ap.ModeratorsCollection)
	e.GET("/groups/:name/featured", ap.FeaturedCollection)
	e.GET("/actor", ap.ActorDocument(activitypub.InstanceActor))
	e.GET("/actor/outbox", ap.OutboxCollection(activitypub.InstanceActor))
	e.GET("/actor/followers", ap.FollowersCollection(activitypub.InstanceActor))
	e.GET("/actor/following", ap.FollowingCollection(activitypub.InstanceActor))
	e.GET("/actors/reports", ap.ActorDocument(activitypub.ReportsActor))
	e.GET("/actors/reports/outbox", ap.OutboxCollection(activitypub.ReportsActor)) // always empty: its Flags are not public
	e.GET("/activities/:id", ap.ActivityDocument)
	e.GET("/users/:name/statuses/:id", ap.NoteDocument)
	e.GET("/groups/:name/statuses/:id", ap.NoteDocument)

	// Inboxes: the shared one and each local actor's
	e.POST("/inbox", ap.PostInbox)
	e.POST("/users/:name/inbox", ap.PostInbox)
	e.POST("/groups/:name/inbox", ap.PostInbox)
	e.POST("/actor/inbox", ap.PostInbox)
	e.POST("/actors/reports/inbox", ap.PostReportsInbox)

	// Client API (Mastodon-compatible), bearer tokens
	api := e.Group("/api", client.RequireToken)
	api.GET("/v1/accounts/verify_credentials", client.VerifyCredentials)
	api.GET("/v1/accounts/lookup", client.LookupAccount)
	api.GET("/v1/accounts/relationships", client.Relationships)
	api.GET("/v1/accounts/:id", client.GetAccount)
	api.POST("/v1/accounts/:id/follow", client.Follow)
	api.POST("/v1/accounts/:id/unfollow", client.Unfollow)
	api.GET("/v1/accounts/:id/followers", client.Followers)
	api.GET("/v1/accounts/:id/following", client.Following)
	api.GET("/v2/search", client.Search)
	api.GET("/v1/follow_requests", client.FollowRequests)
	api.POST("/v1/follow_requests/:id/authorize", client.AuthorizeFollowRequest)
	api.POST("/v1/follow_requests/:id/reject", client.RejectFollowRequest)
	api.POST("/v1/statuses", client.CreateStatus)
	api.GET("/v1/statuses/:id", client.GetStatus)
	api.PUT("/v1/statuses/:id", client.EditStatus)
	api.DELETE("/v1/statuses/:id", client.DeleteStatus)
	api.GET("/v1/statuses/:id/context", client.StatusContext)
	api.POST("/v1/statuses/:id/favourite", client.Favourite)
	api.POST("/v1/statuses/:id/unfavourite", client.Unfavourite)
	api.POST("/v1/statuses/:id/reblog", client.Reblog)
	api.POST("/v1/statuses/:id/unreblog", client.Unreblog)
	api.GET("/v1/timelines/home", client.HomeTimeline)
	api.GET("/v1/timelines/public", client.PublicTimeline)
	api.GET("/v1/accounts/:id/statuses", client.AccountStatuses)
	api.GET("/v1/notifications", client.Notifications)
	api.POST("/v1/notifications/clear", client.ClearNotifications)
	api.POST("/v1/notifications/:id/dismiss", client.DismissNotification)

	// Web app: public pages and feeds
	e.GET("/", h.homePage)
	e.GET("/groups", h.directoryPage)
	e.GET("/join", h.joinPage)
	e.POST("/join", h.joinPage)
	e.GET("/groups/:name/feed.rss", feed.GroupFeed(feeds.RSS))
	e.GET("/groups/:name/feed.atom", feed.GroupFeed(feeds.Atom))
	e.GET("/users/:name/feed.rss", feed.UserFeed(feeds.RSS))
	e.GET("/users/:name/feed.atom", feed.UserFeed(feeds.Atom))

	// Web app: accounts
	e.GET("/login", h.loginPage)
	e.POST("/login", h.login)
	e.POST("/logout", h.logout)
	e.GET("/signup", h.signupPage)
	e.POST("/signup", h.signup)
	e.GET("/settings", h.settingsPage)
	e.POST("/settings/profile", h.saveProfile)
	e.POST("/settings/password", h.changePassword)
	e.POST(avatarUploadURL, h.saveAvatar) // body limit: bodyLimits
	e.GET(avatarsPath+":file", h.avatarFile)

	// Web app: members
	e.GET("/home", h.memberHome)
	e.POST("/follow", h.followByHandle)
	e.POST("/posts", h.createPost)
	e.GET("/posts/:id", h.memberThread)
	e.GET("/posts/:id/edit", h.editPostPage)
	e.POST("/posts/:id/edit", h.editPost)
	e.GET("/posts/:id/delete", h.deletePostPage)
	e.POST("/posts/:id/delete", h.deletePost)
	e.POST("/posts/:id/like", h.likePost)
	e.POST("/posts/:id/unlike", h.unlikePost)
	e.GET("/groups/:name/join", h.membershipPage)
	e.POST("/groups/:name/join", h.joinGroup)
	e.POST("/groups/:name/leave", h.leaveGroup)
	e.GET("/notifications", h.notificationsPage)
	e.GET("/follow_requests", h.followRequestsPage)
	e.POST("/follow_requests/:id/approve", h.approveFollowRequestForm)
	e.POST("/follow_requests/:id/reject", h.rejectFollowRequestForm)

	// Web app: moderators
	e.GET("/groups/:name/manage", h.managePage)
	e.POST("/groups/:name/requests/:id/approve", h.approveJoinRequest)
	e.POST("/groups/:name/requests/:id/reject", h.rejectJoinRequest)
	e.POST("/groups/:name/pins", h.pinPost)
	e.POST("/groups/:name/unpin", h.unpinPost)
	e.GET("/groups/:name/settings", h.groupSettingsPage)
	e.POST("/groups/:name/settings", h.saveGroupSettings)

	// Web app: admins
	e.GET("/admin", h.adminPage)
	e.POST("/admin/settings", h.saveInstanceSettings)
	e.POST("/admin/users/:name/approve", h.approveSignup)
	e.POST("/admin/invites", h.createInvite)
	e.POST("/admin/invites/:code/revoke", h.revokeInvite)

	// Safety: members-only groups

	// Safety: group moderation (remove, ban, lock, pins, audit log)
	e.POST("/groups/:name/remove", h.removeGroupPost)
	e.POST("/groups/:name/restore", h.restoreGroupPost)
	e.POST("/groups/:name/lock", h.lockThread(true))
	e.POST("/groups/:name/unlock", h.lockThread(false))
	e.POST("/groups/:name/bans", h.banMember)
	e.POST("/groups/:name/unban", h.unbanMember)
	e.POST("/groups/:name/moderators", h.addModerator)
	e.POST("/groups/:name/moderators/remove", h.removeModerator)
	e.GET("/groups/:name/log", h.groupLogPage)
	// Safety: moderating groups on other servers (page_remote_moderation.go)
	e.GET("/moderate", h.remoteModerationList)
	e.GET("/moderate/:id", h.remoteModerationPage)
	e.POST("/moderate/:id/remove", h.removeRemoteGroupPost)
	e.POST("/moderate/:id/lock", h.lockRemoteThread(true))
	e.POST("/moderate/:id/unlock", h.lockRemoteThread(false))
	e.POST("/moderate/:id/bans", h.banRemoteMember)
	e.POST("/moderate/:id/unban", h.unbanRemoteMember)
	e.POST("/moderate/:id/requests/:rid/approve", h.answerRemoteJoin(true))
	e.POST("/moderate/:id/requests/:rid/reject", h.answerRemoteJoin(false))
	e.POST("/moderate/:id/reports/:rid/resolve", h.decideRemoteReport(true))
	e.POST("/moderate/:id/reports/:rid/dismiss", h.decideRemoteReport(false))

	// Safety: instance moderation (suspensions, domain blocks, blocks and mutes)
	e.GET("/admin/moderation", h.instanceModerationPage)
	e.POST("/admin/users/:name/suspend", h.suspendUser)
	e.POST("/admin/users/:name/unsuspend", h.unsuspendUser)
	e.POST("/admin/domain_blocks", h.blockDomain)
	e.POST("/admin/domain_blocks/:domain/delete", h.unblockDomain)
	e.POST("/admin/remote_suspensions", h.suspendRemoteAccount)
	e.POST("/admin/remote_suspensions/:id/delete", h.unsuspendRemoteAccount)
	e.POST("/accounts/:id/block", h.blockFromPage)
	e.POST("/accounts/:id/unblock", h.unblockFromPage)
	e.POST("/accounts/:id/mute", h.muteFromPage)
	e.POST("/accounts/:id/unmute", h.unmuteFromPage)
	api.POST("/v1/accounts/:id/block", client.Block)
	api.POST("/v1/accounts/:id/unblock", client.Unblock)
	api.POST("/v1/accounts/:id/mute", client.Mute)
	api.POST("/v1/accounts/:id/unmute", client.Unmute)
	api.GET("/v1/blocks", client.Blocks)
	api.GET("/v1/mutes", client.Mutes)

	// Safety: reports
	api.POST("/v1/reports", client.CreateReport)
	e.GET("/report", h.reportPage)
	e.POST("/report", h.sendReport)
	e.GET("/report/sent", h.reportSentPage)
	e.GET("/groups/:name/reports", h.reportsPage)
	e.POST("/groups/:name/reports/:id/resolve", h.resolveReport)
	e.POST("/groups/:name/reports/:id/dismiss", h.dismissReport)
	e.GET("/admin/reports", h.reportsPage)
	e.POST("/admin/reports/:id/resolve", h.resolveReport)
	e.POST("/admin/reports/:id/dismiss", h.dismissReport)

	// Safety: speaking safely (content warnings, filters, anonymous posts)
	api.GET("/v2/filters", client.ListFilters)
	api.POST("/v2/filters", client.CreateFilter)
	api.GET("/v2/filters/:id", client.GetFilter)
	api.PUT("/v2/filters/:id", client.UpdateFilter)
	api.DELETE("/v2/filters/:id", client.DeleteFilter)
	api.GET("/v2/filters/:id/keywords", client.FilterKeywords)
	api.POST("/v2/filters/:id/keywords", client.AddFilterKeyword)
	api.GET("/v2/filter_keywords/:id", client.GetFilterKeyword)
	api.PUT("/v2/filter_keywords/:id", client.UpdateFilterKeyword)
	api.DELETE("/v2/filter_keywords/:id", client.DeleteFilterKeyword)
	e.GET("/groups/:name/settings/speaking", h.speakingSettingsPage)
	e.POST("/groups/:name/settings/speaking", h.saveSpeakingSettings)
	e.GET("/settings/filters", h.filtersPage)
	e.POST("/settings/filters", h.addFilterForm)
	e.POST("/settings/filters/:id/delete", h.deleteFilterForm)
}

func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRemoteIP: true,
		LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency.Round(time.Microsecond)),
				slog.String("remote", v.RemoteIP),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			logger.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// errorHandler answers errors as Mastodon does, {"error": "..."}, and never
// shows our internal errors to the client.
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, msg := http.StatusInternalServerError, "internal server error"
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
			if m, ok := he.Message.(string); ok {
				msg = m
			} else {
				msg = http.StatusText(status)
			}
		}
		if status >= 500 && he == nil {
			logger.Error("request failed", "path", c.Request().URL.Path, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(status)
		} else {
			err = c.JSON(status, map[string]string{"error": msg})
		}
		if err != nil {
			logger.Error("writing error response", "error", err)
		}
	}
}
