package activitypub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/negotiate"
)

// ActorKind says which family of URLs names a local actor.
type ActorKind int

const (
	PersonActor   ActorKind = iota // /users/NAME
	GroupActor                     // /groups/NAME
	InstanceActor                  // /actor
	ReportsActor                   // /actors/reports
)

// localActor loads the actor a URL names, and its group for groups. A
// person's name under /groups (or a group's under /users) is not found.
func (h *Handler) localActor(ctx context.Context, kind ActorKind, name string) (*models.Actor, *models.Group, error) {
	switch kind {
	case InstanceActor:
		a, err := models.InstanceActor(ctx, h.db)
		return a, nil, err
	case ReportsActor:
		a, err := models.ReportsActor(ctx, h.db)
		return a, nil, err
	case GroupActor:
		g, err := models.GroupByName(ctx, h.db, name)
		if err != nil {
			return nil, nil, err
		}
		return g.Actor, g, nil
	default:
		a, suspended, err := models.LocalPersonByName(ctx, h.db, name)
		if err == nil && suspended {
			return a, nil, models.ErrAccountSuspended
		}
		return a, nil, err
	}
}

// ActorDocument serves a local actor's document to ActivityPub clients and a small
// profile page to browsers, from the same URL.
func (h *Handler) ActorDocument(kind ActorKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		negotiate.VaryOnAccept(c)
		asJSON := negotiate.WantsActivityJSON(c.Request())
		key := strconv.Itoa(int(kind)) + "/" + c.Param("name")
		if asJSON {
			if body, ok := h.actorDocs.get(key); ok {
				return c.Blob(http.StatusOK, activityJSONType, body)
			}
		}
		generation := h.actorDocs.current() // before reading: a write meanwhile makes it stale
		a, g, err := h.localActor(c.Request().Context(), kind, c.Param("name"))
		if errors.Is(err, models.ErrAccountSuspended) {
			return h.suspendedActor(c, a)
		}
		if err != nil {
			return httperr.Lookup(err, "actor")
		}
		if asJSON {
			doc, err := federation.ActorDocument(h.urls, a, g, federation.ActorExtras{Indexable: a.Indexable})
			if err != nil {
				return fmt.Errorf("web: actor document of %s: %w", a.Username, err)
			}
			body, err := encodeJSON(doc)
			if err != nil {
				return fmt.Errorf("web: actor document of %s: %w", a.Username, err)
			}
			h.actorDocs.put(key, body, generation)
			return c.Blob(http.StatusOK, activityJSONType, body)
		}
		return h.pages.ActorPage(c, a, g)
	}
}
