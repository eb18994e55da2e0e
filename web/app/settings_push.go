package app

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/push"
)

// Web Push in the browser, opt-in per device: the settings page offers it
// only to JavaScript that finds PushManager (static/push.js); that script
// registers the service worker (/sw.js), subscribes with the instance's
// VAPID key and posts the subscription here, where it is kept for this
// browser's session (it ends with the session, at log-out).

// pushOptIn is what the opt-in's script asks first (GET /settings/push).
type pushOptIn struct {
	ServerKey  string `json:"server_key"` // the VAPID public key, base64url
	Subscribed bool   `json:"subscribed"` // this browser's session has a subscription
}

// BrowserPushState answers GET /settings/push: the key to subscribe with,
// and whether this browser is subscribed.
func (h *Handler) BrowserPushState(c echo.Context) error {
	s := session(c)
	if s == nil {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": i18n.Text("push.settings.failed")})
	}
	ctx := c.Request().Context()
	keys, err := models.InstanceVAPIDKeys(ctx, h.db)
	if err != nil {
		return err
	}
	o := pushOptIn{ServerKey: keys.Public}
	_, err = models.PushSubscriptionOfSession(ctx, h.db, s.ID)
	switch {
	case err == nil:
		o.Subscribed = true
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, o)
}

// browserSubscription is PushSubscription.toJSON() as browsers give it.
type browserSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

func pushError(c echo.Context, status int, key string) error {
	return c.JSON(status, map[string]string{"error": i18n.Text(key)})
}

// SubscribeBrowser answers POST /settings/push (JSON, X-CSRF-Token): this
// browser is pushed every notification an app could be, from anyone.
func (h *Handler) SubscribeBrowser(c echo.Context) error {
	s := session(c)
	if s == nil {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": i18n.Text("push.settings.failed")})
	}
	var b browserSubscription
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) ||
		json.NewDecoder(c.Request().Body).Decode(&b) != nil {
		return pushError(c, http.StatusBadRequest, "push.error.missing")
	}
	switch {
	case b.Endpoint == "" || b.Keys.P256dh == "" || b.Keys.Auth == "":
		return pushError(c, http.StatusUnprocessableEntity, "push.error.missing")
	case push.CheckEndpoint(h.fetcher.Guard(), b.Endpoint) != nil:
		return pushError(c, http.StatusUnprocessableEntity, "push.error.endpoint")
	case push.CheckKeys(b.Keys.P256dh, b.Keys.Auth) != nil:
		return pushError(c, http.StatusUnprocessableEntity, "push.error.keys")
	}
	sub := &models.PushSubscription{ActorID: s.Account.Actor.ID, SessionID: &s.ID, Endpoint: b.Endpoint,
		P256dh: b.Keys.P256dh, Auth: b.Keys.Auth, Alerts: push.Alerts, Policy: models.PushPolicyAll}
	if err := models.SavePushSubscription(c.Request().Context(), h.db, sub); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"subscribed": true})
}

// UnsubscribeBrowser answers POST /settings/push/delete: this browser is
// pushed nothing more.
func (h *Handler) UnsubscribeBrowser(c echo.Context) error {
	s := session(c)
	if s == nil {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": i18n.Text("push.settings.failed")})
	}
	if err := models.DeletePushSubscriptionOfSession(c.Request().Context(), h.db, s.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"subscribed": false})
}

// ServiceWorker serves /sw.js from the site's root, so that it may show
// notifications for every page of the site.
func ServiceWorker() echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := staticFiles.ReadFile("static/sw.js")
		if err != nil {
			return err
		}
		// Browsers check for a new worker at most daily anyway; no-cache
		// lets a new version in at once.
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
	}
}
