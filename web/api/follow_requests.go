package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// FollowRequests answers GET /api/v1/follow_requests: people waiting for
// the token's account, or for a group it moderates, to let them in.
func (h *Handler) FollowRequests(c echo.Context) error {
	ctx := c.Request().Context()
	p := pageParams(c)
	pending, err := models.PendingFor(ctx, h.db, currentAccount(c).Actor.ID, p)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	var actors []*models.Actor
	var last int64
	for _, f := range pending {
		last = f.ID
		if seen[f.FollowerID] {
			continue
		}
		seen[f.FollowerID] = true
		a, err := models.ActorByID(ctx, h.db, f.FollowerID)
		if err != nil {
			return err
		}
		actors = append(actors, a)
	}
	out, err := h.accounts(ctx, actors)
	if err != nil {
		return err
	}
	h.setNextLink(c, p, len(pending), last)
	return c.JSON(http.StatusOK, out)
}

// AuthorizeFollowRequest answers POST /api/v1/follow_requests/:id/authorize.
func (h *Handler) AuthorizeFollowRequest(c echo.Context) error {
	return h.decideFollowRequests(c, func(ctx context.Context, tx pgx.Tx, f *models.Follow, me *models.Actor) error {
		return h.outbox.ApproveMember(ctx, tx, f, me)
	})
}

// RejectFollowRequest answers POST /api/v1/follow_requests/:id/reject.
func (h *Handler) RejectFollowRequest(c echo.Context) error {
	return h.decideFollowRequests(c, func(ctx context.Context, tx pgx.Tx, f *models.Follow, me *models.Actor) error {
		return h.outbox.RejectMember(ctx, tx, f, me)
	})
}

// decideFollowRequests applies decide to every pending request of account
// :id that the token's account may decide (to itself and to the groups it
// moderates), in one transaction.
func (h *Handler) decideFollowRequests(c echo.Context, decide func(context.Context, pgx.Tx, *models.Follow, *models.Actor) error) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	requesterID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	decided := 0
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		pending, err := models.PendingFrom(ctx, tx, me.ID, requesterID)
		if err != nil {
			return err
		}
		for _, f := range pending {
			if err := decide(ctx, tx, f, me); err != nil {
				return err
			}
			decided++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if decided == 0 {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	requester, err := models.ActorByID(ctx, h.db, requesterID)
	if err != nil {
		return err
	}
	rel, err := h.relationship(ctx, me, requester)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rel)
}
