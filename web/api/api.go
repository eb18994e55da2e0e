// Package api is the Mastodon-compatible client API: the accounts,
// statuses, timelines, notifications, follow requests, blocks and mutes,
// reports and filters that Mastodon apps call, in Mastodon's shapes, with
// bearer tokens.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/blocklist"
	"github.com/village-social/village/web/compose"
	"github.com/village-social/village/web/media"
	"github.com/village-social/village/web/ratelimit"
	"github.com/village-social/village/web/reporting"
)

// Options are what the client API needs from the rest of Village.
type Options struct {
	DB       *pgxpool.Pool
	URLs     federation.URLs
	Resolver *federation.Resolver // looks up accounts on other servers
	Outbox   *outbox.Outbox
	Limits   *ratelimit.Limits // posts, shared with the web app
	Blocks   *blocklist.Cache  // which servers are limited
	Reports  *reporting.Filer
	Composer *compose.Composer // what members type, made HTML
	Clock    func() time.Time  // filters expire by it; codes and announcements too
	Version  string            // Village's, in the instance document
	Media    *media.Library    // uploads: photos, avatars, headers
	Logger   *slog.Logger
	// PushGuard decides which push endpoints apps may subscribe with: the
	// outgoing address guard (nil: public addresses only).
	PushGuard *fetch.Guard
	// FetchPost fetches and keeps the post a pasted address names
	// (search with resolve=true; the inbox's FetchPost); models.ErrNotFound
	// when there is none. Nil: searches find only what is here.
	FetchPost PostFetcher
}

// PostFetcher fetches and keeps the post a pasted address names (its id
// or its page); models.ErrNotFound when there is none to keep.
type PostFetcher func(ctx context.Context, address string) (*models.Post, error)

// Handler serves the client API.
type Handler struct {
	db           *pgxpool.Pool
	urls         federation.URLs
	resolver     *federation.Resolver
	outbox       *outbox.Outbox
	limits       *ratelimit.Limits
	domainBlocks *blocklist.Cache
	reports      *reporting.Filer
	composer     *compose.Composer
	clock        func() time.Time
	version      string
	media        *media.Library
	streams      *streams
	pushGuard    *fetch.Guard
	fetchPost    PostFetcher
}

// New returns the client API.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{db: opts.DB, urls: opts.URLs, resolver: opts.Resolver, outbox: opts.Outbox, limits: opts.Limits,
		domainBlocks: opts.Blocks, reports: opts.Reports, composer: opts.Composer, clock: opts.Clock, version: opts.Version,
		media: opts.Media, pushGuard: opts.PushGuard, fetchPost: opts.FetchPost}
	h.streams = newStreams(h, opts.Logger)
	return h
}

// RunStreams tells the apps streaming from this process of each event
// until events is closed, then closes their streams. Without it running,
// streams open but stay quiet.
func (h *Handler) RunStreams(events <-chan models.StreamEvent) { h.streams.run(events) }

// actorParam loads the actor named by the :id path parameter.
func (h *Handler) actorParam(c echo.Context) (*models.Actor, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	a, err := models.ActorByID(c.Request().Context(), h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && a.IsSystemActor()) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return a, err
}

// pageParams reads Mastodon's max_id and limit.
func pageParams(c echo.Context) models.Page {
	var p models.Page
	p.MaxID, _ = strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	p.SinceID, _ = strconv.ParseInt(c.QueryParam("since_id"), 10, 64)
	p.Limit, _ = strconv.Atoi(c.QueryParam("limit"))
	if p.Limit <= 0 || p.Limit > 80 {
		p.Limit = 40
	}
	return p
}

// setNextLink adds Mastodon's Link header pointing at the next page when
// the page was full (there may be more).
func (h *Handler) setNextLink(c echo.Context, p models.Page, got int, lastCursor int64) {
	if got < p.Limit || lastCursor == 0 {
		return
	}
	q := url.Values{}
	for k, v := range c.QueryParams() {
		q[k] = v
	}
	q.Set("max_id", strconv.FormatInt(lastCursor, 10))
	q.Set("limit", strconv.Itoa(p.Limit))
	next := h.urls.Base + c.Request().URL.Path + "?" + q.Encode()
	c.Response().Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
}
