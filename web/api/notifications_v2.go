package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// apiNotificationGroup is Mastodon 4.3's NotificationGroup entity. Its
// most_recent_notification_id is a number, as Mastodon's serializer
// writes it; the page_* fields come only with a page.
type apiNotificationGroup struct {
	GroupKey                 string   `json:"group_key"`
	NotificationsCount       int      `json:"notifications_count"`
	Type                     string   `json:"type"`
	MostRecentNotificationID int64    `json:"most_recent_notification_id"`
	PageMinID                string   `json:"page_min_id,omitempty"`
	PageMaxID                string   `json:"page_max_id,omitempty"`
	LatestPageNotificationAt string   `json:"latest_page_notification_at,omitempty"`
	SampleAccountIDs         []string `json:"sample_account_ids"`
	StatusID                 *string  `json:"status_id,omitempty"`
}

// apiPartialAccount is the few fields of an account that expand_accounts=
// partial_avatars gives for senders other than the newest.
type apiPartialAccount struct {
	ID           string `json:"id"`
	Acct         string `json:"acct"`
	Locked       bool   `json:"locked"`
	Bot          bool   `json:"bot"`
	URL          string `json:"url"`
	Avatar       string `json:"avatar"`
	AvatarStatic string `json:"avatar_static"`
}

// apiGroupedNotifications is the answer of GET /api/v2/notifications: each
// account and status once, the groups pointing at them by id.
type apiGroupedNotifications struct {
	Accounts           []*apiAccount           `json:"accounts"`
	PartialAccounts    []*apiPartialAccount    `json:"partial_accounts,omitempty"`
	Statuses           []*apiStatus            `json:"statuses"`
	NotificationGroups []*apiNotificationGroup `json:"notification_groups"`
}

// statusTypes are the kinds whose group names a status.
var statusTypes = []string{models.NotifyFavourite, models.NotifyReblog, models.NotifyStatus, models.NotifyMention,
	models.NotifyPoll, models.NotifyUpdate}

// groupedDocument gathers what a set of groups names.
type groupedDocument struct {
	h        *Handler
	me       *models.Actor
	partial  bool
	out      apiGroupedNotifications
	accounts map[int64]bool
	statuses map[int64]bool
}

func (h *Handler) newGroupedDocument(me *models.Actor, partial bool) *groupedDocument {
	return &groupedDocument{h: h, me: me, partial: partial, accounts: map[int64]bool{}, statuses: map[int64]bool{},
		out: apiGroupedNotifications{Accounts: []*apiAccount{}, Statuses: []*apiStatus{}, NotificationGroups: []*apiNotificationGroup{}}}
}

// addAccount puts an account in the answer once; with partial avatars,
// only the newest sender of each group (full) is given whole.
func (d *groupedDocument) addAccount(ctx context.Context, id int64, full bool) error {
	if d.accounts[id] {
		return nil
	}
	a, err := models.ActorByID(ctx, d.h.db, id)
	if err != nil {
		return err
	}
	acc, err := d.h.account(ctx, a)
	if err != nil {
		return err
	}
	d.accounts[id] = true
	if d.partial && !full {
		d.out.PartialAccounts = append(d.out.PartialAccounts, &apiPartialAccount{ID: acc.ID, Acct: acc.Acct, Locked: acc.Locked,
			Bot: acc.Bot, URL: acc.URL, Avatar: acc.Avatar, AvatarStatic: acc.AvatarStatic})
		return nil
	}
	d.out.Accounts = append(d.out.Accounts, acc)
	return nil
}

// addGroup adds the group n heads; it reports false when the group names
// a status the viewer may not see (or her filters hide), which is left
// out as the v1 list leaves it out.
func (d *groupedDocument) addGroup(ctx context.Context, n *models.Notification, key string, info *models.NotificationGroupInfo, paged bool) (bool, error) {
	g := &apiNotificationGroup{GroupKey: key, NotificationsCount: 1, Type: appType(n.Type), MostRecentNotificationID: n.ID,
		SampleAccountIDs: []string{}}
	samples := []int64{n.FromID}
	pageMin, latest := n.ID, n.CreatedAt
	if info != nil {
		g.NotificationsCount, g.MostRecentNotificationID, samples = info.Count, info.MostRecentID, info.SampleFromIDs
		if info.PageMinID > 0 {
			pageMin = info.PageMinID
		}
		if !info.LatestInPageAt.IsZero() {
			latest = info.LatestInPageAt
		}
	}
	if paged {
		g.PageMinID, g.PageMaxID = strconv.FormatInt(pageMin, 10), strconv.FormatInt(g.MostRecentNotificationID, 10)
		g.LatestPageNotificationAt = latest.UTC().Format(apiTime)
	}
	if n.PostID != nil && slices.Contains(statusTypes, g.Type) {
		statuses, err := d.h.statuses(ctx, []models.Entry{{ID: *n.PostID, PostID: *n.PostID}}, d.me.ID)
		if err != nil {
			return false, err
		}
		if statuses, err = d.h.applyFilters(ctx, d.me.ID, models.FilterNotifications, statuses); err != nil {
			return false, err
		}
		if len(statuses) == 0 {
			return false, nil
		}
		id := *n.PostID
		s := strconv.FormatInt(id, 10)
		g.StatusID = &s
		if !d.statuses[id] {
			d.statuses[id] = true
			d.out.Statuses = append(d.out.Statuses, statuses[0])
		}
		// The status's author is among the accounts, as Mastodon gives it.
		if author, err := strconv.ParseInt(statuses[0].Account.ID, 10, 64); err == nil {
			if err := d.addAccount(ctx, author, true); err != nil {
				return false, err
			}
		}
	}
	for i, id := range samples {
		if err := d.addAccount(ctx, id, i == 0); err != nil {
			return false, err
		}
		g.SampleAccountIDs = append(g.SampleAccountIDs, strconv.FormatInt(id, 10))
	}
	d.out.NotificationGroups = append(d.out.NotificationGroups, g)
	return true, nil
}

// expandAccounts reads expand_accounts: full (the default) or partial_avatars.
func expandAccounts(c echo.Context) (partial bool, err error) {
	switch v := c.QueryParam("expand_accounts"); v {
	case "", "full":
		return false, nil
	case "partial_avatars":
		return true, nil
	default:
		return false, echo.NewHTTPError(http.StatusBadRequest,
			fmt.Sprintf("Invalid value for 'expand_accounts': '%s', allowed values are 'full' and 'partial_avatars'", v))
	}
}

// GroupedNotifications answers GET /api/v2/notifications (Mastodon 4.3):
// types[], exclude_types[], grouped_types[], expand_accounts, and
// max_id/since_id/min_id/limit counted in groups.
func (h *Handler) GroupedNotifications(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	partial, err := expandAccounts(c)
	if err != nil {
		return err
	}
	qp := c.QueryParams()
	q := models.GroupPageQuery{Types: storedTypes(qp["types[]"], qp["exclude_types[]"]), Grouped: models.GroupedTypes(qp["grouped_types[]"])}
	q.MaxID, _ = strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	q.SinceID, _ = strconv.ParseInt(c.QueryParam("since_id"), 10, 64)
	q.MinID, _ = strconv.ParseInt(c.QueryParam("min_id"), 10, 64)
	q.Limit, _ = strconv.Atoi(c.QueryParam("limit"))
	if q.Limit <= 0 || q.Limit > 80 {
		q.Limit = 40
	}
	list, err := models.NotificationGroupPage(ctx, h.db, me.ID, q)
	if err != nil {
		return err
	}
	doc := h.newGroupedDocument(me, partial)
	if len(list) > 0 {
		// The page's range, widened to its end when the page is the last.
		lo, hi := list[len(list)-1].ID, list[0].ID
		if len(list) < q.Limit {
			if q.MinID > 0 {
				hi = max(hi, q.MaxID-1)
				if q.MaxID == 0 {
					hi = 0
				}
			} else {
				lo = q.SinceID + 1 // the last page reaches down to since_id, or to the start
			}
		}
		var keys []string
		for _, n := range list {
			if k := models.NotificationGroupKey(n, q.Grouped); k == n.GroupKey {
				keys = append(keys, k)
			}
		}
		info, err := models.NotificationGroupsInfo(ctx, h.db, me.ID, keys, lo, hi)
		if err != nil {
			return err
		}
		for _, n := range list {
			key := models.NotificationGroupKey(n, q.Grouped)
			if _, err := doc.addGroup(ctx, n, key, info[key], true); err != nil {
				return err
			}
		}
		h.setGroupLinks(c, list[len(list)-1].ID, list[0].ID)
	}
	return c.JSON(http.StatusOK, doc.out)
}

// setGroupLinks gives Mastodon's Link header: next below the page's
// oldest notification, prev above its newest.
func (h *Handler) setGroupLinks(c echo.Context, oldest, newest int64) {
	link := func(key string, id int64) string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			if k != "max_id" && k != "min_id" && k != "since_id" {
				q[k] = v
			}
		}
		q.Set(key, strconv.FormatInt(id, 10))
		return h.urls.Base + c.Request().URL.Path + "?" + q.Encode()
	}
	c.Response().Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="prev"`, link("max_id", oldest), link("min_id", newest)))
}

// groupKeyNotifications are her notifications of the path's group key.
func (h *Handler) groupKeyNotifications(c echo.Context, limit int) ([]*models.Notification, error) {
	list, err := models.NotificationsInGroup(c.Request().Context(), h.db, currentAccount(c).Actor.ID, c.Param("group_key"), limit)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || len(storedTypes([]string{appType(list[0].Type)}, nil)) == 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return list, nil
}

// NotificationGroup answers GET /api/v2/notifications/:group_key.
func (h *Handler) NotificationGroup(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	list, err := h.groupKeyNotifications(c, 1)
	if err != nil {
		return err
	}
	n, key := list[0], c.Param("group_key")
	var info *models.NotificationGroupInfo
	if n.GroupKey == key {
		all, err := models.NotificationGroupsInfo(ctx, h.db, me.ID, []string{key}, 0, 0)
		if err != nil {
			return err
		}
		info = all[key]
	}
	doc := h.newGroupedDocument(me, false)
	ok, err := doc.addGroup(ctx, n, key, info, false)
	if err != nil {
		return err
	}
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return c.JSON(http.StatusOK, doc.out)
}

// DismissNotificationGroup answers POST /api/v2/notifications/:group_key/dismiss.
func (h *Handler) DismissNotificationGroup(c echo.Context) error {
	if err := models.DismissNotificationGroup(c.Request().Context(), h.db, currentAccount(c).Actor.ID, c.Param("group_key")); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// NotificationGroupAccounts answers GET /api/v2/notifications/:group_key/accounts:
// the group's senders, newest first.
func (h *Handler) NotificationGroupAccounts(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := h.groupKeyNotifications(c, 80)
	if err != nil {
		return err
	}
	out := make([]*apiAccount, 0, len(list))
	seen := map[int64]bool{}
	for _, n := range list {
		if seen[n.FromID] {
			continue
		}
		seen[n.FromID] = true
		a, err := models.ActorByID(ctx, h.db, n.FromID)
		if err != nil {
			return err
		}
		acc, err := h.account(ctx, a)
		if err != nil {
			return err
		}
		out = append(out, acc)
	}
	return c.JSON(http.StatusOK, out)
}

// UnreadNotificationGroups answers GET /api/v2/notifications/unread_count:
// the groups newer than her notifications marker, up to limit (default
// 100, at most 1000).
func (h *Handler) UnreadNotificationGroups(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor.ID
	after, limit, err := h.unreadWindow(c, me)
	if err != nil {
		return err
	}
	qp := c.QueryParams()
	n, err := models.CountUnreadNotificationGroups(ctx, h.db, me, storedTypes(qp["types[]"], qp["exclude_types[]"]),
		models.GroupedTypes(qp["grouped_types[]"]), after, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}
