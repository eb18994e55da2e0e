package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/push"
)

// apiPushSubscription is Mastodon's WebPushSubscription. Standard is
// always true: Village sends RFC 8291 (aes128gcm) messages only, never
// the legacy aesgcm draft, whatever the app asked for.
type apiPushSubscription struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	ServerKey string          `json:"server_key"`
	Policy    string          `json:"policy"`
}

// pushParams reads a push request as Rails does: a form's bracketed names
// (subscription[keys][auth], data[alerts][mention]) or the same nesting in
// a JSON object.
func pushParams(c echo.Context) (url.Values, error) {
	r := c.Request()
	if !strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return c.FormParams()
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("a JSON object was expected: %w", err)
	}
	out := url.Values{}
	flattenParams(out, "", body)
	return out, nil
}

// flattenParams writes a JSON object's leaves under Rails' bracketed names.
func flattenParams(out url.Values, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			name := k
			if prefix != "" {
				name = prefix + "[" + k + "]"
			}
			flattenParams(out, name, item)
		}
	case nil:
	default:
		out.Set(prefix, scalar(v))
	}
}

// pushData reads data[alerts][TYPE] and data[policy] (a bare "policy" too,
// which some apps send).
func pushData(p url.Values) (alerts []string, policy string, err error) {
	for _, t := range push.Alerts {
		if truthy(p.Get("data[alerts][" + t + "]")) {
			alerts = append(alerts, t)
		}
	}
	raw := p.Get("data[policy]")
	if raw == "" {
		raw = p.Get("policy")
	}
	policy, ok := push.ParsePolicy(raw)
	if !ok {
		return nil, "", echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.Text("push.error.policy"))
	}
	return alerts, policy, nil
}

// pushEntity answers a subscription in Mastodon's shape.
func (h *Handler) pushEntity(c echo.Context, s *models.PushSubscription) error {
	keys, err := models.InstanceVAPIDKeys(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	alerts := make(map[string]bool, len(push.Alerts))
	for _, t := range push.Alerts {
		alerts[t] = false
	}
	for _, t := range s.Alerts {
		alerts[t] = true
	}
	return c.JSON(http.StatusOK, apiPushSubscription{ID: strconv.FormatInt(s.ID, 10), Endpoint: s.Endpoint, Standard: true,
		Alerts: alerts, ServerKey: keys.Public, Policy: s.Policy})
}

func errNoPushSubscription() error {
	return echo.NewHTTPError(http.StatusNotFound, "Record not found")
}

// CreatePushSubscription answers POST /api/v1/push/subscription: the
// token's subscription, replacing the one it had.
func (h *Handler) CreatePushSubscription(c echo.Context) error {
	p, err := pushParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	endpoint := strings.TrimSpace(p.Get("subscription[endpoint]"))
	p256dh, auth := strings.TrimSpace(p.Get("subscription[keys][p256dh]")), strings.TrimSpace(p.Get("subscription[keys][auth]"))
	switch {
	case endpoint == "" || p256dh == "" || auth == "":
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.Text("push.error.missing"))
	case push.CheckEndpoint(h.pushGuard, endpoint) != nil:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.Text("push.error.endpoint"))
	case push.CheckKeys(p256dh, auth) != nil:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.Text("push.error.keys"))
	}
	alerts, policy, err := pushData(p)
	if err != nil {
		return err
	}
	t := requestToken(c)
	plain := strings.TrimSpace(strings.TrimPrefix(c.Request().Header.Get("Authorization"), "Bearer "))
	s := &models.PushSubscription{ActorID: t.Account.Actor.ID, TokenID: &t.ID, AccessToken: plain,
		Endpoint: endpoint, P256dh: p256dh, Auth: auth, Alerts: alerts, Policy: policy}
	if err := models.SavePushSubscription(c.Request().Context(), h.db, s); err != nil {
		return err
	}
	return h.pushEntity(c, s)
}

// PushSubscription answers GET /api/v1/push/subscription.
func (h *Handler) PushSubscription(c echo.Context) error {
	s, err := models.PushSubscriptionOfToken(c.Request().Context(), h.db, requestToken(c).ID)
	if errors.Is(err, models.ErrNotFound) {
		return errNoPushSubscription()
	}
	if err != nil {
		return err
	}
	return h.pushEntity(c, s)
}

// UpdatePushSubscription answers PUT /api/v1/push/subscription: new
// alerts and policy (those not sent are off, as Mastodon replaces them).
func (h *Handler) UpdatePushSubscription(c echo.Context) error {
	p, err := pushParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	alerts, policy, err := pushData(p)
	if err != nil {
		return err
	}
	s, err := models.UpdatePushAlerts(c.Request().Context(), h.db, requestToken(c).ID, alerts, policy)
	if errors.Is(err, models.ErrNotFound) {
		return errNoPushSubscription()
	}
	if err != nil {
		return err
	}
	return h.pushEntity(c, s)
}

// DeletePushSubscription answers DELETE /api/v1/push/subscription: {}
// whether or not there was one.
func (h *Handler) DeletePushSubscription(c echo.Context) error {
	if err := models.DeletePushSubscriptionOfToken(c.Request().Context(), h.db, requestToken(c).ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}
