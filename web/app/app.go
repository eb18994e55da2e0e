// Package app is Village's HTML app: the public pages (home, the group
// directory, group and post pages, profiles), accounts (sign-up, log-in,
// settings, sessions, CSRF), the member pages (home feed, compose,
// notifications, joining groups), and the moderators' and admins' pages.
// Pages are html/template files embedded with their assets; every string
// they show comes from web/i18n. Everything works without JavaScript.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/blocklist"
	"github.com/village-social/village/web/compose"
	"github.com/village-social/village/web/media"
	"github.com/village-social/village/web/ratelimit"
	"github.com/village-social/village/web/reporting"
)

// Options are what the HTML app needs from the rest of Village.
type Options struct {
	DB       *pgxpool.Pool
	Logger   *slog.Logger
	URLs     federation.URLs
	Resolver *federation.Resolver // follows by handle, moderation of remote groups
	Outbox   *outbox.Outbox
	Fetcher  *fetch.Client    // "join from your own server" looks up the visitor's server
	Clock    func() time.Time // sessions and log-in limits go by it
	Media    *media.Library   // photos, avatars and headers; nil turns uploads off
	Limits   *ratelimit.Limits
	Blocks   *blocklist.Cache // forgotten when moderators change the blocks
	Reports  *reporting.Filer
	Composer *compose.Composer
	// FetchPost fetches and keeps a post pasted into the search box by a
	// member (the inbox's FetchPost); nil: only posts known here are found.
	FetchPost func(ctx context.Context, address string) (*models.Post, error)
}

// Handler serves the HTML app.
type Handler struct {
	db        *pgxpool.Pool
	logger    *slog.Logger
	urls      federation.URLs
	pages     *pages
	resolver  *federation.Resolver
	outbox    *outbox.Outbox
	sanitizer *content.Sanitizer // remote HTML shown on pages passes it again
	fetcher   *fetch.Client

	clock func() time.Time
	csrf  *csrfSecret // the key that signs CSRF tokens
	media *media.Library

	limits       *ratelimit.Limits
	domainBlocks *blocklist.Cache
	reports      *reporting.Filer
	composer     *compose.Composer
	fetchPost    func(ctx context.Context, address string) (*models.Post, error)
}

// New returns the HTML app, its templates parsed.
func New(opts Options) (*Handler, error) {
	views, err := loadPages()
	if err != nil {
		return nil, err
	}
	return &Handler{db: opts.DB, logger: opts.Logger, urls: opts.URLs, pages: views, resolver: opts.Resolver,
		outbox: opts.Outbox, sanitizer: content.NewSanitizer(), fetcher: opts.Fetcher, clock: opts.Clock,
		csrf: &csrfSecret{}, media: opts.Media, limits: opts.Limits, domainBlocks: opts.Blocks,
		reports: opts.Reports, composer: opts.Composer, fetchPost: opts.FetchPost}, nil
}
