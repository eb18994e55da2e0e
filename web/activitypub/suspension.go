package activitypub

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/negotiate"
)

// A suspended account is gone for the rest of the fediverse while it stays
// suspended: its actor document answers 410 with a Tombstone, WebFinger
// 410, and its sessions and tokens find nothing (models).

// suspendedActor answers a fetch of a suspended person's actor: a
// Tombstone with 410 for ActivityPub, a 410 page for browsers.
func (h *Handler) suspendedActor(c echo.Context, a *models.Actor) error {
	if negotiate.WantsActivityJSON(c.Request()) {
		return writeActivityJSON(c, http.StatusGone, map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": h.urls.Actor(a), "type": "Tombstone",
			"formerType": a.Type})
	}
	return echo.NewHTTPError(http.StatusGone, "this account is suspended")
}

// refuseSuspendedPerson answers 410 for a suspended local person (WebFinger).
func (h *Handler) refuseSuspendedPerson(ctx context.Context, a *models.Actor) error {
	if a.Type != models.ActorPerson || !a.IsLocal() {
		return nil
	}
	suspended, err := models.LocalActorSuspended(ctx, h.db, a.ID)
	if err != nil {
		return err
	}
	if suspended {
		return echo.NewHTTPError(http.StatusGone, "this account is suspended")
	}
	return nil
}
