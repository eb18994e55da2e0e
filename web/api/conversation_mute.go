package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// MuteConversation answers POST /api/v1/statuses/:id/mute: nothing in the
// status's thread notifies the token's account any more.
func (h *Handler) MuteConversation(c echo.Context) error {
	return h.onStatus(c, func(ctx context.Context, me *models.Actor, p *models.Post) error {
		return models.MuteConversation(ctx, h.db, me.ID, p.ID)
	})
}

// UnmuteConversation answers POST /api/v1/statuses/:id/unmute.
func (h *Handler) UnmuteConversation(c echo.Context) error {
	return h.onStatus(c, func(ctx context.Context, me *models.Actor, p *models.Post) error {
		return models.UnmuteConversation(ctx, h.db, me.ID, p.ID)
	})
}
