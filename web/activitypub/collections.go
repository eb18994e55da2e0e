package activitypub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
)

// collectionPageSize is how many items a collection page holds.
const collectionPageSize = 20

// pageRequest reads a collection request: ?page=true asks for the first
// page, ?max_id=N for the page of items older than the cursor N.
func pageRequest(c echo.Context) (page bool, maxID int64, err error) {
	if s := c.QueryParam("max_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return false, 0, echo.NewHTTPError(http.StatusBadRequest, "max_id must be a positive integer")
		}
		return true, n, nil
	}
	p := c.QueryParam("page")
	return p != "" && p != "false" && p != "0", 0, nil
}

// pageOf cuts rows fetched with a limit of collectionPageSize+1 to one page
// and returns the cursor of the next page, 0 when this is the last.
func pageOf[T any](rows []T, cursor func(T) int64) ([]T, int64) {
	if len(rows) <= collectionPageSize {
		return rows, 0
	}
	rows = rows[:collectionPageSize]
	return rows, cursor(rows[len(rows)-1])
}

// writePage answers with one page of the collection at id.
func writePage(c echo.Context, id string, maxID int64, items []any, next int64) error {
	p := federation.CollectionPage{ID: federation.PageURL(id, maxID), PartOf: id, Items: items}
	if next > 0 {
		p.Next = federation.PageURL(id, next)
	}
	doc, err := federation.OrderedCollectionPage(p)
	if err != nil {
		return fmt.Errorf("web: collection page: %w", err)
	}
	return writeActivityJSON(c, http.StatusOK, doc)
}

// writeCollection answers with the root of a collection.
func writeCollection(c echo.Context, coll federation.Collection) error {
	doc, err := federation.OrderedCollection(coll)
	if err != nil {
		return fmt.Errorf("web: collection: %w", err)
	}
	return writeActivityJSON(c, http.StatusOK, doc)
}

// OutboxCollection serves a local actor's public activities, newest first, as they
// were delivered.
func (h *Handler) OutboxCollection(kind ActorKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a, _, err := h.localActor(ctx, kind, c.Param("name"))
		if err != nil {
			return httperr.Lookup(err, "actor")
		}
		page, maxID, err := pageRequest(c)
		if err != nil {
			return err
		}
		id := h.urls.Outbox(a)
		if !page {
			total, err := models.CountPublicActivities(ctx, h.db, a.ID)
			if err != nil {
				return fmt.Errorf("web: outbox: %w", err)
			}
			return writeCollection(c, federation.Collection{ID: id, TotalItems: total, First: federation.PageURL(id, 0)})
		}
		acts, err := models.PublicActivities(ctx, h.db, a.ID, models.Page{MaxID: maxID, Limit: collectionPageSize + 1})
		if err != nil {
			return fmt.Errorf("web: outbox: %w", err)
		}
		acts, next := pageOf(acts, func(act *models.Activity) int64 { return act.ID })
		items := make([]any, 0, len(acts))
		for _, act := range acts {
			obj, err := federation.EmbeddedObject(act.Body)
			if err != nil {
				return fmt.Errorf("web: outbox activity %d: %w", act.ID, err)
			}
			items = append(items, obj)
		}
		return writePage(c, id, maxID, items, next)
	}
}

// FollowersCollection serves who follows a local actor.
func (h *Handler) FollowersCollection(kind ActorKind) echo.HandlerFunc {
	return func(c echo.Context) error { return h.followCollection(c, kind, true) }
}

// FollowingCollection serves whom a local actor follows.
func (h *Handler) FollowingCollection(kind ActorKind) echo.HandlerFunc {
	return func(c echo.Context) error { return h.followCollection(c, kind, false) }
}

// followCollection serves accepted follows of a local actor: its followers,
// or (followers false) those it follows; items are actor ids.
func (h *Handler) followCollection(c echo.Context, kind ActorKind, followers bool) error {
	ctx := c.Request().Context()
	a, g, err := h.localActor(ctx, kind, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "actor")
	}
	page, maxID, err := pageRequest(c)
	if err != nil {
		return err
	}
	id, list := h.urls.Following(a), models.Following
	if followers {
		id, list = h.urls.Followers(a), models.Followers
	}
	counts, err := models.CountFollows(ctx, h.db, a.ID)
	if err != nil {
		return fmt.Errorf("web: follow collection: %w", err)
	}
	total := counts.Following
	if followers {
		total = counts.Followers
	}
	// Who belongs to a members-only group is private: everyone but its
	// moderators (by a signed fetch) sees only how many.
	if g != nil && g.MembersOnly() && !h.fetchedByModerator(c, g) {
		if page {
			return echo.NewHTTPError(http.StatusForbidden, "the members of this group are private")
		}
		return writeCollection(c, federation.Collection{ID: id, TotalItems: total})
	}
	if !page {
		return writeCollection(c, federation.Collection{ID: id, TotalItems: total, First: federation.PageURL(id, 0)})
	}
	entries, err := list(ctx, h.db, a.ID, models.FollowAccepted, models.Page{MaxID: maxID, Limit: collectionPageSize + 1})
	if err != nil {
		return fmt.Errorf("web: follow collection: %w", err)
	}
	entries, next := pageOf(entries, func(e models.FollowEntry) int64 { return e.FollowID })
	items := make([]any, 0, len(entries))
	for _, e := range entries {
		items = append(items, h.urls.Actor(e.Actor))
	}
	return writePage(c, id, maxID, items, next)
}

// ModeratorsCollection serves a group's moderators' ids in one OrderedCollection,
// without pages, as Lemmy reads it (the group's attributedTo). It stays
// public for members-only groups too: peers check moderation activities
// against it.
func (h *Handler) ModeratorsCollection(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := models.GroupByName(ctx, h.db, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "group")
	}
	mods, err := models.Moderators(ctx, h.db, g.Actor.ID)
	if err != nil {
		return fmt.Errorf("web: moderators: %w", err)
	}
	items := make([]any, 0, len(mods))
	for _, m := range mods {
		items = append(items, h.urls.Actor(m))
	}
	return writeCollection(c, federation.Collection{ID: h.urls.Moderators(g.Actor), TotalItems: len(items), Items: items})
}

// FeaturedCollection serves an actor's pinned posts, embedded: a group's
// (starting with the welcome note the group writes on first asking) or a
// person's (her profile's pins, public and unlisted only), as Mastodon
// reads `featured`.
func (h *Handler) FeaturedCollection(kind ActorKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a, g, err := h.localActor(ctx, kind, c.Param("name"))
		if err != nil {
			return httperr.Lookup(err, "actor")
		}
		if g != nil && h.outbox != nil {
			if err := h.outbox.EnsureWelcome(ctx, g); err != nil {
				return err
			}
		}
		pinned, err := models.PinnedPosts(ctx, h.db, a.ID)
		if err != nil {
			return err
		}
		items := make([]any, 0, len(pinned))
		for _, p := range pinned {
			// A members-only group's pins go to its members' servers only
			// (whatever visibility a post had before the group closed); other
			// pins to everyone, when public.
			allowed, membersOnly, err := h.mayServe(c, p)
			if err != nil {
				return err
			}
			public := p.Visibility == models.VisibilityPublicPost || p.Visibility == models.VisibilityUnlisted
			if !allowed || (!membersOnly && !public) || (g == nil && !p.Local) {
				continue
			}
			obj, err := models.LatestObject(ctx, h.db, p.URI)
			if err != nil {
				return err
			}
			var note map[string]any
			if err := json.Unmarshal(obj, &note); err != nil {
				return err
			}
			items = append(items, note)
		}
		return writeCollection(c, federation.Collection{ID: h.urls.Featured(a), TotalItems: len(items), Items: items})
	}
}

// ActivityDocument serves a public activity a local actor sent, as delivered. A
// non-public one is "not found", so that its existence does not show; one
// about a members-only group's post goes only to its members' servers.
func (h *Handler) ActivityDocument(c echo.Context) error {
	// An activity's id is the URL it is fetched from.
	uri := h.urls.Base + c.Request().URL.Path
	act, err := models.ActivityByURI(c.Request().Context(), h.db, uri)
	if err != nil {
		return httperr.Lookup(err, "activity")
	}
	allowed, membersOnly, err := h.activityAccess(c, act)
	if err != nil {
		return err
	}
	if !allowed || (!membersOnly && !act.Public) {
		return echo.NewHTTPError(http.StatusNotFound, "activity not found")
	}
	return c.Blob(http.StatusOK, activityJSONType, act.Body)
}

// fetchedByModerator reports whether the request is a GET signed by one of
// the group's moderators, local or remote.
func (h *Handler) fetchedByModerator(c echo.Context, g *models.Group) bool {
	req := c.Request()
	signer := verifiedSigner(c) // verified already under authorized fetch
	if signer == nil {
		if h.auth == nil || !isSigned(req) {
			return false
		}
		var err error
		if signer, err = h.auth.Authenticate(req.Context(), req, nil); err != nil {
			h.logger.DebugContext(c.Request().Context(), "collection: signed fetch not verified", "error", err)
			return false
		}
	}
	ok, err := models.IsModerator(req.Context(), h.db, g.Actor.ID, signer.ID)
	if err != nil {
		h.logger.ErrorContext(c.Request().Context(), "collection: moderator check", "error", err)
		return false
	}
	return ok
}
