package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// VerifyCredentials answers GET /api/v1/accounts/verify_credentials with
// the token's account and its source (bio and fields as typed, posting
// preferences).
func (h *Handler) VerifyCredentials(c echo.Context) error {
	acc, err := h.credentialAccount(c.Request().Context(), currentAccount(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, acc)
}

// GetAccount answers GET /api/v1/accounts/:id.
func (h *Handler) GetAccount(c echo.Context) error {
	a, err := h.actorParam(c)
	if err != nil {
		return err
	}
	acc, err := h.account(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, acc)
}

// LookupAccount answers GET /api/v1/accounts/lookup?acct=name[@host] from
// what this instance already knows, without fetching, as Mastodon does.
func (h *Handler) LookupAccount(c echo.Context) error {
	ctx := c.Request().Context()
	acct := strings.TrimPrefix(strings.TrimSpace(c.QueryParam("acct")), "@")
	if acct == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "acct is required")
	}
	var a *models.Actor
	var err error
	name, host, hasHost := strings.Cut(acct, "@")
	if !hasHost || strings.EqualFold(host, h.urls.Host()) {
		a, err = models.LocalActorByName(ctx, h.db, name)
		if err == nil && a.IsSystemActor() {
			err = models.ErrNotFound
		}
	} else {
		a, err = models.RemoteActorByHandle(ctx, h.db, name, host)
	}
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return err
	}
	acc, err := h.account(ctx, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, acc)
}

// apiRelationship is Mastodon's Relationship entity.
type apiRelationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

func (h *Handler) relationship(ctx context.Context, me, other *models.Actor) (*apiRelationship, error) {
	rel := &apiRelationship{ID: strconv.FormatInt(other.ID, 10), Languages: []string{}}
	out, err := models.FollowBetween(ctx, h.db, me.ID, other.ID)
	switch {
	case err == nil:
		rel.Following = out.State == models.FollowAccepted
		rel.Requested = out.State == models.FollowPending
		rel.ShowingReblogs = rel.Following
		if rel.Notifying, err = models.FollowNotifies(ctx, h.db, me.ID, other.ID); err != nil {
			return nil, err
		}
	case !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	in, err := models.FollowBetween(ctx, h.db, other.ID, me.ID)
	switch {
	case err == nil:
		rel.FollowedBy = in.State == models.FollowAccepted
		rel.RequestedBy = in.State == models.FollowPending
	case !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	if err := h.blockRelationship(ctx, me, other, rel); err != nil {
		return nil, err
	}
	return rel, nil
}

// Relationships answers GET /api/v1/accounts/relationships?id[]=…
func (h *Handler) Relationships(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	params := c.QueryParams()
	ids := append(params["id[]"], params["id"]...)
	out := []*apiRelationship{}
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			continue
		}
		other, err := models.ActorByID(ctx, h.db, id)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		rel, err := h.relationship(ctx, me, other)
		if err != nil {
			return err
		}
		out = append(out, rel)
	}
	return c.JSON(http.StatusOK, out)
}

// Follow answers POST /api/v1/accounts/:id/follow.
func (h *Handler) Follow(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	target, err := h.actorParam(c)
	if err != nil {
		return err
	}
	if _, err := h.outbox.Follow(ctx, me, target); err != nil {
		if errors.Is(err, outbox.ErrSelfFollow) {
			return echo.NewHTTPError(http.StatusForbidden, "You cannot follow yourself")
		}
		if errors.Is(err, outbox.ErrBanned) {
			return echo.NewHTTPError(http.StatusForbidden, "You are banned from this group")
		}
		if errors.Is(err, models.ErrBlocked) {
			return echo.NewHTTPError(http.StatusForbidden, "You cannot follow this account: one of you blocks the other")
		}
		if errors.Is(err, outbox.ErrRemoteSuspended) {
			return echo.NewHTTPError(http.StatusForbidden, "You cannot follow this account: this server's moderators suspended it")
		}
		return err
	}
	if err := h.keepFollowNotify(c, me, target); err != nil {
		return err
	}
	rel, err := h.relationship(ctx, me, target)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rel)
}

// Unfollow answers POST /api/v1/accounts/:id/unfollow.
func (h *Handler) Unfollow(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	target, err := h.actorParam(c)
	if err != nil {
		return err
	}
	if err := h.outbox.Unfollow(ctx, me, target); err != nil {
		return err
	}
	rel, err := h.relationship(ctx, me, target)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rel)
}

// Followers answers GET /api/v1/accounts/:id/followers.
func (h *Handler) Followers(c echo.Context) error {
	return h.followList(c, models.Followers)
}

// Following answers GET /api/v1/accounts/:id/following.
func (h *Handler) Following(c echo.Context) error {
	return h.followList(c, models.Following)
}

func (h *Handler) followList(c echo.Context, list func(context.Context, models.DB, int64, string, models.Page) ([]models.FollowEntry, error)) error {
	ctx := c.Request().Context()
	a, err := h.actorParam(c)
	if err != nil {
		return err
	}
	if a.Type == models.ActorGroup && a.ManuallyApprovesFollowers {
		// A members-only group's member list is for its moderators only.
		ok, err := models.IsModerator(ctx, h.db, a.ID, currentAccount(c).Actor.ID)
		if err != nil {
			return err
		}
		if !ok {
			return c.JSON(http.StatusOK, []*apiAccount{})
		}
	}
	p := pageParams(c)
	entries, err := list(ctx, h.db, a.ID, models.FollowAccepted, p)
	if err != nil {
		return err
	}
	return h.writeAccountPage(c, p, entries)
}

// writeAccountPage answers a page of accounts, each entry's FollowID the
// cursor of the next, with the Link header to it.
func (h *Handler) writeAccountPage(c echo.Context, p models.Page, entries []models.FollowEntry) error {
	actors := make([]*models.Actor, 0, len(entries))
	var last int64
	for _, e := range entries {
		actors = append(actors, e.Actor)
		last = e.FollowID
	}
	out, err := h.accounts(c.Request().Context(), actors)
	if err != nil {
		return err
	}
	h.setNextLink(c, p, len(entries), last)
	return c.JSON(http.StatusOK, out)
}

// Search answers GET /api/v2/search: accounts by handle or URL (fetched
// when resolve=true), or by name among known actors.
func (h *Handler) Search(c echo.Context) error {
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("q"))
	result := map[string]any{"accounts": []*apiAccount{}, "statuses": []*apiStatus{}, "hashtags": []*apiTagEntity{}}
	typ := c.QueryParam("type")
	if q == "" {
		return c.JSON(http.StatusOK, result)
	}
	if typ == "" || typ == "statuses" {
		statuses, err := h.searchStatuses(c, q)
		if err != nil {
			return err
		}
		result["statuses"] = statuses
	}
	if typ == "" || typ == "hashtags" {
		tags, err := h.searchHashtags(c, q)
		if err != nil {
			return err
		}
		result["hashtags"] = tags
	}
	if found, _ := result["statuses"].([]*apiStatus); isAddress(q) && len(found) > 0 {
		return c.JSON(http.StatusOK, result) // the address was a post's
	}
	if (typ != "" && typ != "accounts") || strings.HasPrefix(q, "#") {
		return c.JSON(http.StatusOK, result)
	}
	resolve := c.QueryParam("resolve") == "true"
	var found []*models.Actor
	switch {
	case strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://"):
		if a, err := h.resolveActorURL(ctx, q, resolve); err == nil {
			found = append(found, a)
		} else if !isNotFoundish(err) {
			return err
		}
	case strings.Contains(strings.TrimPrefix(q, "@"), "@"):
		a, err := h.resolveHandle(ctx, q, resolve)
		if err == nil {
			found = append(found, a)
		} else if !isNotFoundish(err) {
			return err
		}
	default:
		limit, offset := searchLimit(c)
		var err error
		if found, err = models.SearchActorsBy(ctx, h.db, models.ActorSearch{Text: strings.TrimPrefix(q, "@"),
			ViewerID: viewerID(c), Following: c.QueryParam("following") == "true", Limit: limit, Offset: offset}); err != nil {
			return err
		}
	}
	found, err := h.onlyFollowed(c, found)
	if err != nil {
		return err
	}
	// A server's own actors are no accounts: an app could do nothing with them.
	found = slices.DeleteFunc(found, func(a *models.Actor) bool { return a.IsSystemActor() })
	accs, err := h.accounts(ctx, found)
	if err != nil {
		return err
	}
	result["accounts"] = accs
	return c.JSON(http.StatusOK, result)
}

func (h *Handler) resolveActorURL(ctx context.Context, u string, resolve bool) (*models.Actor, error) {
	if resolve {
		return h.resolver.Actor(ctx, u)
	}
	if ref, ok := h.urls.ParseLocalActor(u); ok {
		return models.LocalActorByRef(ctx, h.db, ref.Instance, ref.Group, ref.Username)
	}
	return models.RemoteActorByURI(ctx, h.db, u)
}

func (h *Handler) resolveHandle(ctx context.Context, q string, resolve bool) (*models.Actor, error) {
	if resolve {
		return h.resolver.Handle(ctx, q)
	}
	name, host, err := federation.SplitHandle(q)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(host, h.urls.Host()) {
		return models.LocalActorByName(ctx, h.db, name)
	}
	return models.RemoteActorByHandle(ctx, h.db, name, host)
}

// isNotFoundish tells "no such actor" (including a remote server that
// cannot be reached or sends nonsense) from our own failures.
func isNotFoundish(err error) bool {
	return errors.Is(err, models.ErrNotFound) || errors.Is(err, federation.ErrNotActor) ||
		errors.Is(err, federation.ErrInvalidActor) || federation.IsFetchFailure(err)
}
