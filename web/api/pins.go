package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
)

// Pin answers POST /api/v1/statuses/:id/pin: one's own public or unlisted
// post goes to one's profile (at most five), and to followers' servers as
// Add{target: featured}. Anything else is Mastodon's 422.
func (h *Handler) Pin(c echo.Context) error {
	return h.onStatus(c, func(ctx context.Context, me *models.Actor, p *models.Post) error {
		err := h.outbox.PinToProfile(ctx, me, p)
		for _, refusal := range []error{models.ErrPinNotOwn, models.ErrPinNotPublic, models.ErrTooManyOwnPin} {
			if errors.Is(err, refusal) {
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+refusal.Error())
			}
		}
		return err
	})
}

// Unpin answers POST /api/v1/statuses/:id/unpin (Remove{target: featured}).
func (h *Handler) Unpin(c echo.Context) error {
	return h.onStatus(c, func(ctx context.Context, me *models.Actor, p *models.Post) error {
		return h.outbox.UnpinFromProfile(ctx, me, p)
	})
}

// pinnedStatuses is GET /api/v1/accounts/:id/statuses?pinned=true: what an
// account pinned, newest pin first, as far as the viewer may see it; a
// person elsewhere has her featured collection read again once a day.
func (h *Handler) pinnedStatuses(c echo.Context, a *models.Actor) error {
	me := currentAccount(c).Actor.ID
	if !a.IsLocal() && a.FeaturedURL != "" && h.resolver != nil {
		if err := h.resolver.SyncFeatured(c.Request().Context(), a); err != nil {
			c.Logger().Warnf("api: featured of %s not read: %v", a.URI, err)
		}
	}
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		if p.MaxID > 0 {
			return nil, nil // one page holds them all
		}
		pinned, err := models.PinnedPosts(ctx, h.db, a.ID)
		if err != nil {
			return nil, err
		}
		var out []models.Entry
		for _, post := range pinned {
			if ok, err := h.pinShown(ctx, post, me); err != nil || !ok {
				if err != nil {
					return nil, err
				}
				continue
			}
			out = append(out, models.Entry{ID: post.ID, PostID: post.ID})
		}
		return out, nil
	})
}

// pinShown reports whether a pinned post shows to the viewer: a public or
// unlisted one, or a members-only group's pin to its members.
func (h *Handler) pinShown(ctx context.Context, p *models.Post, viewerID int64) (bool, error) {
	hidden, err := access.HiddenFromViewer(ctx, h.db, p, viewerID)
	if err != nil || hidden {
		return false, err
	}
	if p.Visibility == models.VisibilityPublicPost || p.Visibility == models.VisibilityUnlisted {
		return true, nil
	}
	group, err := access.MembersOnlyGroupOf(ctx, h.db, p)
	return group != 0, err
}
