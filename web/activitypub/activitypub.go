// Package activitypub is Village's face to other servers: discovery
// (WebFinger, host-meta, NodeInfo), the documents of local actors, their
// collections, posts and activities, and the inboxes with the guard that
// refuses blocked or flooding servers before any signature is checked.
//
// The same URLs serve pages to browsers: a handler here decides what may be
// shown (a suspended account, a members-only post) and hands the page itself
// to Pages, which the HTML app provides.
package activitypub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/blocklist"
	"github.com/village-social/village/web/ratelimit"
)

// Pages renders what a browser gets at an ActivityPub URL, once this face
// has decided that it may be shown.
type Pages interface {
	// ActorPage is a local actor's page (g is its group, for groups).
	ActorPage(c echo.Context, a *models.Actor, g *models.Group) error
	// ThreadPage is a public local post's page.
	ThreadPage(c echo.Context, p *models.Post) error
	// ErrorPage is the page of an HTTP error status.
	ErrorPage(c echo.Context, status int) error
	// HelpCalendarPage is a help calendar's page (/help/:id), for its group's members.
	HelpCalendarPage(c echo.Context) error
}

// Options are what the ActivityPub face needs from the rest of Village.
type Options struct {
	DB      *pgxpool.Pool
	Logger  *slog.Logger
	URLs    federation.URLs
	Version string
	Auth    *federation.Authenticator // nil: signed fetches are not checked (tests of plain HTTP)
	Inbox   *inbox.Processor
	Outbox  *outbox.Outbox
	Limits  *ratelimit.Limits // inbox POSTs per remote host
	Blocks  *blocklist.Cache  // refused before verifying
	Pages   Pages
	// AuthorizedFetch serves documents only to signed GETs of servers not
	// blocked here (see RequireSignedFetch).
	AuthorizedFetch bool
}

// Handler serves the ActivityPub face.
type Handler struct {
	db           *pgxpool.Pool
	logger       *slog.Logger
	urls         federation.URLs
	version      string
	auth         *federation.Authenticator
	inbox        *inbox.Processor
	outbox       *outbox.Outbox
	limits       *ratelimit.Limits
	domainBlocks *blocklist.Cache
	actorDocs    *actorDocCache // local actors' documents as last served
	inboxNames   *inboxNames    // local inboxes known to exist
	pages        Pages
	authorized   bool // authorized fetch
}

// New returns the ActivityPub face.
func New(opts Options) *Handler {
	return &Handler{db: opts.DB, logger: opts.Logger, urls: opts.URLs, version: opts.Version, auth: opts.Auth,
		inbox: opts.Inbox, outbox: opts.Outbox, limits: opts.Limits, domainBlocks: opts.Blocks,
		actorDocs: newActorDocCache(), inboxNames: newInboxNames(), pages: opts.Pages, authorized: opts.AuthorizedFetch}
}

// ForgetActorDocuments drops the actor documents kept in memory: a change
// made elsewhere (the command line) may have changed them.
func (h *Handler) ForgetActorDocuments() { h.actorDocs.forget(); h.inboxNames.forget() }

// ForgetActorDocumentsOnWrites is the middleware that drops them around
// every request that may change something.
func (h *Handler) ForgetActorDocumentsOnWrites(next echo.HandlerFunc) echo.HandlerFunc {
	return h.actorDocs.forgetOnWrites(next)
}

// activityJSONType is the Content-Type of every ActivityPub document we serve.
const activityJSONType = federation.ContentType + "; charset=utf-8"

// writeActivityJSON answers with an ActivityStreams document.
func writeActivityJSON(c echo.Context, status int, doc any) error {
	return writeJSON(c, status, activityJSONType, doc)
}

// writeJSON answers with v as JSON of the given Content-Type. HTML in
// summaries stays readable: <p> is not escaped to \u003cp\u003e.
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	body, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("web: encode %s: %w", contentType, err)
	}
	return c.Blob(status, contentType, body)
}

// encodeJSON is v as writeJSON sends it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
