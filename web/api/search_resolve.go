package api

import (
	"errors"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/ratelimit"
)

// A post's address pasted into search: known here, or, with
// resolve=true and a member searching, fetched from its server (signed,
// through the address guard) and kept as a remote post, as Mastodon apps
// expect when someone pastes a link.

// postByAddress finds the post an address names: one stored here by its
// id or page URL, else, when the search may resolve, the one its server
// answers with. models.ErrNotFound when there is none to show: nothing
// there, not a post, or from a suspended domain or account.
func (h *Handler) postByAddress(c echo.Context, address string) (*models.Post, error) {
	ctx := c.Request().Context()
	p, err := models.PostByURI(ctx, h.db, address)
	if errors.Is(err, models.ErrNotFound) {
		p, err = models.PostByURL(ctx, h.db, address)
	}
	if !errors.Is(err, models.ErrNotFound) || c.QueryParam("resolve") != "true" || h.fetchPost == nil {
		return p, err
	}
	acc := currentAccount(c)
	if acc == nil || h.urls.IsLocal(address) {
		return nil, models.ErrNotFound // visitors find only what is here
	}
	if h.limits != nil {
		if err := h.limits.Resolve(ctx, acc.ID); err != nil {
			var limited *ratelimit.Error
			if errors.As(err, &limited) {
				return nil, apiLimited(c, limited)
			}
			return nil, err
		}
	}
	return h.fetchPost(ctx, address)
}

// onlyFollowed keeps, when the search asks for following=true, the
// accounts the searcher follows (a handle or address found exactly too).
func (h *Handler) onlyFollowed(c echo.Context, found []*models.Actor) ([]*models.Actor, error) {
	if c.QueryParam("following") != "true" || len(found) == 0 {
		return found, nil
	}
	ids := make([]int64, 0, len(found))
	for _, a := range found {
		ids = append(ids, a.ID)
	}
	followed, err := models.FollowedAmong(c.Request().Context(), h.db, viewerID(c), ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(found, func(a *models.Actor) bool { return !followed[a.ID] }), nil
}
