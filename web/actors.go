package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/negotiate"
)

// actorKind says which family of URLs names a local actor.
type actorKind int

const (
	personActor   actorKind = iota // /users/NAME
	groupActor                     // /groups/NAME
	instanceActor                  // /actor
	reportsActor                   // /actors/reports
)

// localActor loads the actor a URL names, and its group for groups. A
// person's name under /groups (or a group's under /users) is not found.
func (h *handlers) localActor(ctx context.Context, kind actorKind, name string) (*models.Actor, *models.Group, error) {
	switch kind {
	case instanceActor:
		a, err := models.InstanceActor(ctx, h.db)
		return a, nil, err
	case reportsActor:
		a, err := models.ReportsActor(ctx, h.db)
		return a, nil, err
	case groupActor:
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

// actorDocument serves a local actor's document to ActivityPub clients and a small
// profile page to browsers, from the same URL.
func (h *handlers) actorDocument(kind actorKind) echo.HandlerFunc {
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
			doc, err := federation.ActorDocument(h.urls, a, g, federation.ActorExtras{})
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
		return h.actorHTML(c, a, g)
	}
}

// profileRedirect sends Mastodon's profile URL form, /@name, to the actor's
// own URL; /@name@host is a cached remote actor's page.
func (h *handlers) profileRedirect(c echo.Context) error {
	ctx, name := c.Request().Context(), c.Param("name")
	if strings.Contains(name, "@") {
		return h.remoteProfile(c, name)
	}
	var a *models.Actor
	var err error
	if name == models.InstanceActorName {
		// The instance actor's profile URL is /@instance; it may not exist yet.
		a, err = models.InstanceActor(ctx, h.db)
	} else {
		a, err = models.LocalActorByName(ctx, h.db, name)
		if err == nil && a.Type == models.ActorService {
			err = models.ErrNotFound // the reports actor has no profile name
		}
	}
	if err != nil {
		return httperr.Lookup(err, "actor")
	}
	return c.Redirect(http.StatusFound, h.urls.Actor(a))
}
