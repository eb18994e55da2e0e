package api

import (
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
		from, err := models.ActorByID(ctx, h.db, n.FromID)
		if err != nil {
			return err
		}
		acc, err := h.account(ctx, from)
		if err != nil {
			return err
		}
		item := &apiNotification{ID: strconv.FormatInt(n.ID, 10), Type: appType(n.Type),
			CreatedAt: n.CreatedAt.UTC().Format(apiTime), Account: acc}
		if n.PostID != nil {
			statuses, err := h.statuses(ctx, []models.Entry{{ID: *n.PostID, PostID: *n.PostID}}, me.ID)
			if err != nil {
				return err
			}
			if statuses, err = h.applyFilters(ctx, me.ID, models.FilterNotifications, statuses); err != nil {
				return err
			}
			if len(statuses) == 0 {
				continue // the post is gone, or the viewer's filters hide it
			}
			item.Status = statuses[0]
		}
		if n.GroupID != nil {
			g, err := models.ActorByID(ctx, h.db, *n.GroupID)
			if err != nil && !errors.Is(err, models.ErrNotFound) {
				return err
			}
			if g != nil {
				if item.Group, err = h.account(ctx, g); err != nil {
					return err
				}
			}
		}
		out = append(out, item)
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
