package federation

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
)

// ErrNotActor means a handle or URL does not lead to an actor.
var ErrNotActor = errors.New("federation: not an actor")

// Resolver finds actors: local ones in the database, remote ones in the
// database's cache or by fetching them (signed, through the address guard).
type Resolver struct {
	db     models.DB
	urls   URLs
	client *fetch.Client
	logger *slog.Logger
	// scheme is used to reach hosts named by a handle (WebFinger): https,
	// or http on an instance that itself runs on plain http (local testing).
	scheme string
	maxAge time.Duration
	// sanitizer cleans the HTML of the posts read with a person's pins.
	sanitizer *content.Sanitizer
}

// ResolverOptions tune a Resolver.
type ResolverOptions struct {
	Scheme string        // "https" (default) or "http"
	MaxAge time.Duration // cached actors older than this are refetched; default 24h
	Logger *slog.Logger
}

// NewResolver returns a resolver.
func NewResolver(db models.DB, u URLs, client *fetch.Client, opts ResolverOptions) *Resolver {
	if opts.Scheme == "" {
		opts.Scheme = "https"
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Resolver{db: db, urls: u, client: client, logger: opts.Logger, scheme: opts.Scheme, maxAge: opts.MaxAge,
		sanitizer: content.NewSanitizer()}
}

// Actor returns the actor with this id, local or remote; a remote one is
// fetched when not cached or older than MaxAge (the stale copy serves if
// the refresh fails).
func (r *Resolver) Actor(ctx context.Context, id string) (*models.Actor, error) {
	if ref, ok := r.urls.ParseLocalActor(id); ok {
		return r.localActor(ctx, ref)
	}
	cached, err := models.RemoteActorByURI(ctx, r.db, id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if cached != nil && cached.FetchedAt != nil && time.Since(*cached.FetchedAt) < r.maxAge {
		return cached, nil
	}
	fresh, err := r.FetchActor(ctx, id)
	if err != nil && cached != nil && !errors.Is(err, fetch.ErrGone) {
		r.logger.WarnContext(ctx, "refreshing actor failed; using the cached copy", "actor", id, "error", err)
		return cached, nil
	}
	return fresh, err
}

// localActor loads the local actor a URL of ours names, the reports actor
// included.
func (r *Resolver) localActor(ctx context.Context, ref LocalActorRef) (*models.Actor, error) {
	if ref.Reports {
		return models.ReportsActor(ctx, r.db)
	}
	return models.LocalActorByRef(ctx, r.db, ref.Instance, ref.Group, ref.Username)
}

// FetchActor fetches an actor from its origin and stores it.
func (r *Resolver) FetchActor(ctx context.Context, id string) (*models.Actor, error) {
	a, err := r.fetchActor(ctx, id)
	if err != nil {
		return nil, err
	}
	return models.UpsertRemoteActor(ctx, r.db, a)
}

// fetchActor fetches an actor from its origin and reads it, storing nothing.
func (r *Resolver) fetchActor(ctx context.Context, id string) (*models.Actor, error) {
	a, _, err := r.fetchActorDocument(ctx, id)
	return a, err
}

// fetchActorDocument is fetchActor that also returns the document.
func (r *Resolver) fetchActorDocument(ctx context.Context, id string) (*models.Actor, Object, error) {
	if r.urls.IsLocal(id) {
		return nil, nil, fmt.Errorf("%w: %s is local", ErrNotActor, id)
	}
	if err := r.refuseSuspended(ctx, id); err != nil {
		return nil, nil, err
	}
	doc, err := r.client.GetActivity(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("federation: fetch actor: %w", err)
	}
	a, err := ActorFromDocument(doc.URL, Object(doc.Object), r.sanitizer.Sanitize)
	if err != nil {
		return nil, nil, err
	}
	return a, Object(doc.Object), nil
}

// StoredKeyOwner finds the actor whose key has this id among local actors
// and the remote ones stored here, without fetching; models.ErrNotFound
// when there is none.
func (r *Resolver) StoredKeyOwner(ctx context.Context, keyID string) (*models.Actor, error) {
	if ref, ok := r.urls.ParseLocalActor(keyID); ok {
		return r.localActor(ctx, ref)
	}
	return models.RemoteActorByKeyID(ctx, r.db, keyID)
}

// FetchKeyOwner fetches the actor a remote key id names from its origin,
// and stores nothing: the caller stores it (StoreActor) only once its key
// has verified something. It returns every key the document offers, by
// key id (its publicKey, and Ed25519 Multikeys of assertionMethod,
// FEP-521a); keyID may be none of them, which the caller checks.
func (r *Resolver) FetchKeyOwner(ctx context.Context, keyID string) (*models.Actor, map[string]crypto.PublicKey, error) {
	actorID, _, _ := strings.Cut(keyID, "#")
	a, doc, err := r.fetchActorDocument(ctx, actorID)
	if errors.Is(err, fetch.ErrIDMismatch) && !strings.Contains(keyID, "#") {
		// GoToSocial's keyId is ACTOR/main-key, which serves a document with
		// the actor's id: fetch the actor itself.
		if i := strings.LastIndex(actorID, "/"); i > 0 {
			a, doc, err = r.fetchActorDocument(ctx, actorID[:i])
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return a, documentKeys(doc), nil
}

// StoreActor stores (or updates) a remote actor read by FetchKeyOwner.
func (r *Resolver) StoreActor(ctx context.Context, a *models.Actor) (*models.Actor, error) {
	return models.UpsertRemoteActor(ctx, r.db, a)
}

// Handle resolves @name@host (or name@host, acct:name@host) to an actor via
// WebFinger, checking that the actor WebFinger names is on that host.
func (r *Resolver) Handle(ctx context.Context, handle string) (*models.Actor, error) {
	name, host, err := SplitHandle(handle)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(host, r.urls.Host()) {
		a, err := models.LocalActorByName(ctx, r.db, name)
		if err != nil {
			return nil, fmt.Errorf("%w: @%s@%s: %w", ErrNotActor, name, host, err)
		}
		return a, nil
	}
	if a, err := models.RemoteActorByHandle(ctx, r.db, name, host); err == nil && a.FetchedAt != nil && time.Since(*a.FetchedAt) < r.maxAge {
		return a, nil
	}
	q := url.Values{"resource": {"acct:" + name + "@" + host}}
	doc, err := r.client.GetJSON(ctx, r.scheme+"://"+host+"/.well-known/webfinger?"+q.Encode(), "application/jrd+json, application/json")
	if err != nil {
		return nil, fmt.Errorf("federation: webfinger @%s@%s: %w", name, host, err)
	}
	self := ""
	if links, ok := doc.Object["links"].([]any); ok {
		for _, l := range links {
			link, _ := l.(map[string]any)
			typ, _ := link["type"].(string)
			if link["rel"] == "self" && (strings.HasPrefix(typ, "application/activity+json") || strings.HasPrefix(typ, "application/ld+json")) {
				self, _ = link["href"].(string)
				break
			}
		}
	}
	if self == "" {
		return nil, fmt.Errorf("%w: webfinger for @%s@%s has no ActivityPub link", ErrNotActor, name, host)
	}
	a, err := r.Actor(ctx, self)
	if err != nil {
		return nil, err
	}
	// The actor may live on another host than its handle (Mastodon's
	// WEB_DOMAIN); then its own host must confirm the handle, as Mastodon checks.
	if !strings.EqualFold(a.Domain, host) && !r.confirmsHandle(ctx, a, name, host) {
		return nil, fmt.Errorf("%w: @%s@%s resolves to %s, which does not confirm that handle", ErrNotActor, name, host, a.URI)
	}
	return a, nil
}

func (r *Resolver) confirmsHandle(ctx context.Context, a *models.Actor, name, host string) bool {
	q := url.Values{"resource": {a.URI}}
	doc, err := r.client.GetJSON(ctx, r.scheme+"://"+a.Domain+"/.well-known/webfinger?"+q.Encode(), "application/jrd+json, application/json")
	if err != nil {
		return false
	}
	subject, _ := doc.Object["subject"].(string)
	return strings.EqualFold(subject, "acct:"+name+"@"+host)
}

// SplitHandle parses @name@host[:port], name@host or acct:name@host. The
// name holds no white space, control characters or URL delimiters; the host
// is a host name or address with an optional numeric port and nothing more,
// so the WebFinger URL built from it reaches that host and no other.
func SplitHandle(handle string) (name, host string, err error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "acct:")
	h = strings.TrimPrefix(h, "@")
	name, host, ok := strings.Cut(h, "@")
	host = strings.ToLower(host)
	if !ok || name == "" || host == "" || strings.ContainsAny(name, "/?#@:\\\"'<>") ||
		strings.ContainsFunc(name, unicode.IsSpace) || strings.ContainsFunc(name, unicode.IsControl) || !isAuthority(host) {
		return "", "", fmt.Errorf("%w: %q is not a handle like @name@host", ErrNotActor, handle)
	}
	return name, host, nil
}

// isAuthority reports whether host is exactly the host[:port] of an https
// URL: no user info, path, query, fragment, spaces or control characters.
func isAuthority(host string) bool {
	if strings.ContainsAny(host, "/@?#\\%") || strings.ContainsFunc(host, unicode.IsSpace) || strings.ContainsFunc(host, unicode.IsControl) {
		return false
	}
	u, err := url.Parse("https://" + host)
	return err == nil && u.Host == host && u.Hostname() != "" && u.User == nil && u.Path == "" && u.RawQuery == "" && u.Fragment == ""
}

// FetchObject fetches any object from its origin. What comes back must be
// the object asked for: its id is the id asked for (a redirect to another
// URL, even on the same origin, serves something else, as Mastodon's
// fetch_resource rules), fragment aside.
func (r *Resolver) FetchObject(ctx context.Context, id string) (Object, error) {
	if r.urls.IsLocal(id) {
		return nil, fmt.Errorf("federation: %s is local", id)
	}
	if err := r.refuseSuspended(ctx, id); err != nil {
		return nil, err
	}
	want, err := url.Parse(id)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch object: %w: %w", fetch.ErrInvalidURL, err)
	}
	want.Fragment, want.RawFragment = "", ""
	doc, err := r.client.GetActivity(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch object: %w", err)
	}
	if doc.URL != want.String() {
		return nil, fmt.Errorf("federation: fetch object: %w: %s answered with %s", fetch.ErrIDMismatch, id, doc.URL)
	}
	return Object(doc.Object), nil
}

// InstanceSoftware returns what a remote host runs (NodeInfo software.name),
// fetched once and kept; "" when the host does not say.
func (r *Resolver) InstanceSoftware(ctx context.Context, host string) (string, error) {
	if sw, ok, err := models.InstanceSoftware(ctx, r.db, host); err != nil || ok {
		return sw, err
	}
	software, version := "", ""
	links, err := r.client.GetJSON(ctx, r.scheme+"://"+host+"/.well-known/nodeinfo", "application/json")
	if err != nil && !errors.Is(err, fetch.ErrNotFound) {
		return "", nil // unknown for now; asked again next time
	}
	if err == nil {
		href := ""
		if list, ok := links.Object["links"].([]any); ok {
			for _, l := range list {
				m, _ := l.(map[string]any)
				rel, _ := m["rel"].(string)
				if strings.HasPrefix(rel, "http://nodeinfo.diaspora.software/ns/schema/2.") {
					href, _ = m["href"].(string)
				}
			}
		}
		if href != "" && SameOrigin(href, r.scheme+"://"+host+"/") {
			if doc, err := r.client.GetJSON(ctx, href, "application/json"); err == nil {
				if sw, ok := doc.Object["software"].(map[string]any); ok {
					software, _ = sw["name"].(string)
					version, _ = sw["version"].(string)
				}
			}
		}
	}
	if err := models.PutInstance(ctx, r.db, host, strings.ToLower(software), version); err != nil {
		return "", err
	}
	return strings.ToLower(software), nil
}
