package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Bookmarks stay with the person who made them: nothing is sent anywhere.

// Bookmark answers POST /api/v1/statuses/:id/bookmark.
func (h *Handler) Bookmark(c echo.Context) error {
	return h.onStatus(c, func(ctx context.Context, me *models.Actor, p *models.Post) error {
		return models.Bookmark(ctx, h.db, me.ID, p.ID)
	})
}

// Unbookmark answers POST /api/v1/statuses/:id/unbookmark.
func (h *Handler) Unbookmark(c echo.Context) error {
	return h.onStatus(c, func(ctx context.Context, me *models.Actor, p *models.Post) error {
		return models.Unbookmark(ctx, h.db, me.ID, p.ID)
	})
}

// Bookmarks answers GET /api/v1/bookmarks, the latest bookmark first,
// paged by bookmark (Link: max_id), as Mastodon does.
func (h *Handler) Bookmarks(c echo.Context) error {
	me := currentAccount(c).Actor.ID
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		return models.Bookmarks(ctx, h.db, me, p)
	})
}
