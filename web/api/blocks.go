package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Blocks and mutes through the client API, as Mastodon has them. A block
// of someone elsewhere reaches their server as Block (Undo{Block} when
// lifted) and ends the follows between you both ways; a mute stays here.

// blockRelationship fills in the blocking, blocked_by and muting of a relationship.
func (h *Handler) blockRelationship(ctx context.Context, me, other *models.Actor, rel *apiRelationship) error {
	var err error
	if rel.Blocking, rel.BlockedBy, err = models.Blocks(ctx, h.db, me.ID, other.ID); err != nil {
		return err
	}
	if rel.Muting, err = models.Muting(ctx, h.db, me.ID, other.ID); err != nil {
		return err
	}
	rel.MutingNotifications = rel.Muting
	return nil
}

// Block answers POST /api/v1/accounts/:id/block.
func (h *Handler) Block(c echo.Context) error {
	return h.changeRelationship(c, func(ctx context.Context, me, target *models.Actor) error {
		return h.outbox.Block(ctx, me, target)
	})
}

// Unblock answers POST /api/v1/accounts/:id/unblock.
func (h *Handler) Unblock(c echo.Context) error {
	return h.changeRelationship(c, func(ctx context.Context, me, target *models.Actor) error {
		return h.outbox.Unblock(ctx, me, target)
	})
}

// Mute answers POST /api/v1/accounts/:id/mute.
func (h *Handler) Mute(c echo.Context) error {
	return h.changeRelationship(c, h.muteActor)
}

// Unmute answers POST /api/v1/accounts/:id/unmute.
func (h *Handler) Unmute(c echo.Context) error {
	return h.changeRelationship(c, h.unmuteActor)
}

// muteActor and unmuteActor change a mute, which stays here: no activity
// tells the muted person.
func (h *Handler) muteActor(ctx context.Context, me, target *models.Actor) error {
	_, err := models.PutMute(ctx, h.db, me.ID, target.ID)
	return err
}

func (h *Handler) unmuteActor(ctx context.Context, me, target *models.Actor) error {
	_, err := models.DeleteMute(ctx, h.db, me.ID, target.ID)
	return err
}

// changeRelationship applies change between the token's account and the
// account in the path, and answers the relationship after it.
func (h *Handler) changeRelationship(c echo.Context, change func(ctx context.Context, me, target *models.Actor) error) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	target, err := h.actorParam(c)
	if err != nil {
		return err
	}
	if target.ID == me.ID {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "You cannot block or mute yourself")
	}
	if err := change(ctx, me, target); err != nil {
		if errors.Is(err, outbox.ErrSelfBlock) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "You cannot block yourself")
		}
		return err
	}
	rel, err := h.relationship(ctx, me, target)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rel)
}

// Blocks answers GET /api/v1/blocks.
func (h *Handler) Blocks(c echo.Context) error {
	return h.hiddenList(c, models.BlockedActors)
}

// Mutes answers GET /api/v1/mutes.
func (h *Handler) Mutes(c echo.Context) error {
	return h.hiddenList(c, models.MutedActors)
}

func (h *Handler) hiddenList(c echo.Context, list func(context.Context, models.DB, int64, models.Page) ([]models.FollowEntry, error)) error {
	ctx := c.Request().Context()
	p := pageParams(c)
	entries, err := list(ctx, h.db, currentAccount(c).Actor.ID, p)
	if err != nil {
		return err
	}
	return h.writeAccountPage(c, p, entries)
}

// withoutHidden leaves out the statuses written or shared by someone the
// viewer blocks or mutes (timelines, a thread's context).
func (h *Handler) withoutHidden(ctx context.Context, viewerID int64, list []*apiStatus) ([]*apiStatus, error) {
	hidden, err := models.HiddenActorIDs(ctx, h.db, viewerID)
	if err != nil || len(hidden) == 0 {
		return list, err
	}
	isHidden := func(a *apiAccount) bool {
		if a == nil {
			return false
		}
		id, err := strconv.ParseInt(a.ID, 10, 64)
		return err == nil && hidden[id]
	}
	kept := list[:0]
	for _, s := range list {
		if isHidden(s.Account) || (s.Reblog != nil && isHidden(s.Reblog.Account)) {
			continue
		}
		kept = append(kept, s)
	}
	return kept, nil
}
