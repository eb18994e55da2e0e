package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// apiNotification is Mastodon's Notification entity; Group (ours) names the
// group a join request is for.
type apiNotification struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	CreatedAt string      `json:"created_at"`
	Account   *apiAccount `json:"account"`
	Status    *apiStatus  `json:"status,omitempty"`
	Group     *apiAccount `json:"group,omitempty"`
}

// appTypes are the notification types Mastodon apps know, each with the
// stored types it stands for: a meetup's change (event_update) reaches
// apps as an edit ("update") of the status its people answered. Village's
// other notices (meetup and help reminders, help calendars' news) have no
// Mastodon type, and apps that meet an unknown one may drop the whole
// list, so they stay in the web app.
var appTypes = map[string][]string{
	models.NotifyMention: {models.NotifyMention}, models.NotifyFavourite: {models.NotifyFavourite},
	models.NotifyFollow: {models.NotifyFollow}, models.NotifyFollowRequest: {models.NotifyFollowRequest},
	models.NotifyReblog: {models.NotifyReblog}, "update": {"update", models.NotifyEventUpdate},
	models.NotifyPoll: {models.NotifyPoll}, models.NotifyAdminReport: {models.NotifyAdminReport},
	models.NotifyStatus: {models.NotifyStatus}, models.NotifyAdminSignUp: {models.NotifyAdminSignUp},
}

// appType is the type an app is told a stored notification has.
func appType(stored string) string {
	if stored == models.NotifyEventUpdate {
		return "update"
	}
	return stored
}

// storedTypes are the stored types behind the app types asked for (all
// of appTypes when none), less those excluded.
func storedTypes(include, exclude []string) []string {
	if len(include) == 0 {
		for t := range appTypes {
			include = append(include, t)
		}
	}
	skip := map[string]bool{}
	for _, t := range exclude {
		skip[t] = true
	}
	var out []string
	for _, t := range include {
		if !skip[t] {
			out = append(out, appTypes[t]...)
		}
	}
	return out
}

// Notifications answers GET /api/v1/notifications (types[], exclude_types[], max_id, limit).
func (h *Handler) Notifications(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	types := storedTypes(c.QueryParams()["types[]"], c.QueryParams()["exclude_types[]"])
	if len(types) == 0 {
		return c.JSON(http.StatusOK, []any{})
	}
	p := pageParams(c)
	list, err := models.Notifications(ctx, h.db, me.ID, types, p)
	if err != nil {
		return err
	}
	out := make([]*apiNotification, 0, len(list))
	var last int64
	for _, n := range list {
		last = n.ID
		item, err := h.notificationEntity(ctx, me, n)
		if err != nil {
			return err
		}
		if item != nil {
			out = append(out, item)
		}
	}
	h.setNextLink(c, p, len(list), last)
	return c.JSON(http.StatusOK, out)
}

// ClearNotifications answers POST /api/v1/notifications/clear.
func (h *Handler) ClearNotifications(c echo.Context) error {
	if err := models.DismissNotifications(c.Request().Context(), h.db, currentAccount(c).Actor.ID, 0); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// DismissNotification answers POST /api/v1/notifications/:id/dismiss.
func (h *Handler) DismissNotification(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err := models.DismissNotifications(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// notificationEntity is a notification as apps read it; nil when its post
// is gone or the viewer's filters hide it.
func (h *Handler) notificationEntity(ctx context.Context, me *models.Actor, n *models.Notification) (*apiNotification, error) {
	from, err := models.ActorByID(ctx, h.db, n.FromID)
	if err != nil {
		return nil, err
	}
	acc, err := h.account(ctx, from)
	if err != nil {
		return nil, err
	}
	item := &apiNotification{ID: strconv.FormatInt(n.ID, 10), Type: appType(n.Type),
		CreatedAt: n.CreatedAt.UTC().Format(apiTime), Account: acc}
	if n.PostID != nil {
		statuses, err := h.statuses(ctx, []models.Entry{{ID: *n.PostID, PostID: *n.PostID}}, me.ID)
		if err != nil {
			return nil, err
		}
		if statuses, err = h.applyFilters(ctx, me.ID, models.FilterNotifications, statuses); err != nil {
			return nil, err
		}
		if len(statuses) == 0 {
			return nil, nil
		}
		item.Status = statuses[0]
	}
	if n.GroupID != nil {
		g, err := models.ActorByID(ctx, h.db, *n.GroupID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if g != nil {
			if item.Group, err = h.account(ctx, g); err != nil {
				return nil, err
			}
		}
	}
	return item, nil
}

// GetNotification answers GET /api/v1/notifications/:id: one of hers
// that apps show (404 for anyone else's, or a kind apps do not know).
func (h *Handler) GetNotification(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	list, err := models.Notifications(ctx, h.db, me.ID, storedTypes(nil, nil), models.Page{MaxID: id + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].ID != id {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	item, err := h.notificationEntity(ctx, me, list[0])
	if err != nil {
		return err
	}
	if item == nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return c.JSON(http.StatusOK, item)
}

// unreadWindow is what an unread count counts: notifications after her
// notifications marker (0 without one), up to the limit asked (default
// 100, at most 1000).
func (h *Handler) unreadWindow(c echo.Context, me int64) (after int64, limit int, err error) {
	limit, _ = strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	markers, err := models.Markers(c.Request().Context(), h.db, me, []string{models.MarkerNotifications})
	if err != nil {
		return 0, 0, err
	}
	if len(markers) == 1 {
		after, _ = strconv.ParseInt(markers[0].LastReadID, 10, 64)
	}
	return after, limit, nil
}

// UnreadNotifications answers GET /api/v1/notifications/unread_count
// (Mastodon 4.3): those newer than her notifications marker, of the
// types asked, counted up to limit (default 100, at most 1000).
func (h *Handler) UnreadNotifications(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor.ID
	after, limit, err := h.unreadWindow(c, me)
	if err != nil {
		return err
	}
	types := storedTypes(c.QueryParams()["types[]"], c.QueryParams()["exclude_types[]"])
	n := 0
	if len(types) > 0 {
		if n, err = models.CountNotificationsAfter(ctx, h.db, me, types, after, limit); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}
