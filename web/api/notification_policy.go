package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// apiNotificationPolicy is Mastodon 4.3's NotificationPolicy (v2).
type apiNotificationPolicy struct {
	ForNotFollowing    string `json:"for_not_following"`
	ForNotFollowers    string `json:"for_not_followers"`
	ForNewAccounts     string `json:"for_new_accounts"`
	ForPrivateMentions string `json:"for_private_mentions"`
	ForLimitedAccounts string `json:"for_limited_accounts"`
	Summary            struct {
		PendingRequestsCount      int `json:"pending_requests_count"`
		PendingNotificationsCount int `json:"pending_notifications_count"`
	} `json:"summary"`
}

// apiNotificationRequest is Mastodon's NotificationRequest; its count is
// a string, as Mastodon writes it.
type apiNotificationRequest struct {
	ID                 string      `json:"id"`
	CreatedAt          string      `json:"created_at"`
	UpdatedAt          string      `json:"updated_at"`
	NotificationsCount string      `json:"notifications_count"`
	Account            *apiAccount `json:"account"`
	LastStatus         *apiStatus  `json:"last_status"`
}

func (h *Handler) policyEntity(ctx context.Context, me int64) (*apiNotificationPolicy, error) {
	p, err := models.NotificationPolicyOf(ctx, h.db, me)
	if err != nil {
		return nil, err
	}
	out := &apiNotificationPolicy{ForNotFollowing: p.ForNotFollowing, ForNotFollowers: p.ForNotFollowers,
		ForNewAccounts: p.ForNewAccounts, ForPrivateMentions: p.ForPrivateMentions, ForLimitedAccounts: p.ForLimitedAccounts}
	out.Summary.PendingRequestsCount, out.Summary.PendingNotificationsCount, err = models.NotificationPolicySummary(ctx, h.db, me)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NotificationPolicy answers GET /api/v2/notifications/policy.
func (h *Handler) NotificationPolicy(c echo.Context) error {
	out, err := h.policyEntity(c.Request().Context(), currentAccount(c).Actor.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// UpdateNotificationPolicy answers PATCH /api/v2/notifications/policy:
// the fields sent change, the others stay; a value other than accept,
// filter or drop is refused whole (422).
func (h *Handler) UpdateNotificationPolicy(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor.ID
	params, err := requestParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	p, err := models.NotificationPolicyOf(ctx, h.db, me)
	if err != nil {
		return err
	}
	for name, field := range map[string]*string{"for_not_following": &p.ForNotFollowing, "for_not_followers": &p.ForNotFollowers,
		"for_new_accounts": &p.ForNewAccounts, "for_private_mentions": &p.ForPrivateMentions, "for_limited_accounts": &p.ForLimitedAccounts} {
		if v, ok := params[name]; ok && len(v) > 0 {
			*field = v[0]
		}
	}
	if err := models.SetNotificationPolicy(ctx, h.db, me, p); err != nil {
		if errors.Is(err, models.ErrInvalidPolicy) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+err.Error())
		}
		return err
	}
	return h.NotificationPolicy(c)
}

func (h *Handler) requestEntity(ctx context.Context, me *models.Actor, r *models.NotificationRequest) (*apiNotificationRequest, error) {
	from, err := models.ActorByID(ctx, h.db, r.FromID)
	if err != nil {
		return nil, err
	}
	acc, err := h.account(ctx, from)
	if err != nil {
		return nil, err
	}
	out := &apiNotificationRequest{ID: strconv.FormatInt(r.ID, 10), CreatedAt: r.CreatedAt.UTC().Format(apiTime),
		UpdatedAt: r.UpdatedAt.UTC().Format(apiTime), NotificationsCount: strconv.Itoa(r.Count), Account: acc}
	if r.LastPostID != nil {
		statuses, err := h.statuses(ctx, []models.Entry{{ID: *r.LastPostID, PostID: *r.LastPostID}}, me.ID)
		if err != nil {
			return nil, err
		}
		if len(statuses) == 1 {
			out.LastStatus = statuses[0]
		}
	}
	return out, nil
}

// NotificationRequests answers GET /api/v1/notifications/requests.
func (h *Handler) NotificationRequests(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	p := pageParams(c)
	list, err := models.NotificationRequests(ctx, h.db, me.ID, p)
	if err != nil {
		return err
	}
	out := make([]*apiNotificationRequest, 0, len(list))
	var last int64
	for _, r := range list {
		last = r.ID
		item, err := h.requestEntity(ctx, me, r)
		if err != nil {
			return err
		}
		out = append(out, item)
	}
	h.setNextLink(c, p, len(list), last)
	return c.JSON(http.StatusOK, out)
}

// requestParam is the path's request, hers (404 otherwise).
func (h *Handler) requestParam(c echo.Context) (*models.NotificationRequest, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	r, err := models.NotificationRequestByID(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return r, err
}

// NotificationRequest answers GET /api/v1/notifications/requests/:id.
func (h *Handler) NotificationRequest(c echo.Context) error {
	r, err := h.requestParam(c)
	if err != nil {
		return err
	}
	item, err := h.requestEntity(c.Request().Context(), currentAccount(c).Actor, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, item)
}

// AcceptNotificationRequest answers POST /api/v1/notifications/requests/:id/accept.
func (h *Handler) AcceptNotificationRequest(c echo.Context) error {
	r, err := h.requestParam(c)
	if err != nil {
		return err
	}
	if err := models.AcceptNotificationRequests(c.Request().Context(), h.db, currentAccount(c).Actor.ID, []int64{r.ID}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// DismissNotificationRequest answers POST /api/v1/notifications/requests/:id/dismiss.
func (h *Handler) DismissNotificationRequest(c echo.Context) error {
	r, err := h.requestParam(c)
	if err != nil {
		return err
	}
	if err := models.DismissNotificationRequests(c.Request().Context(), h.db, currentAccount(c).Actor.ID, []int64{r.ID}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// requestIDs reads id[] of the bulk request routes.
func requestIDs(c echo.Context) ([]int64, error) {
	params, err := requestParams(c)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	var ids []int64
	for _, s := range params["id"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "id[] must be request ids")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// AcceptNotificationRequests answers POST /api/v1/notifications/requests/accept (id[]).
func (h *Handler) AcceptNotificationRequests(c echo.Context) error {
	ids, err := requestIDs(c)
	if err != nil {
		return err
	}
	if err := models.AcceptNotificationRequests(c.Request().Context(), h.db, currentAccount(c).Actor.ID, ids); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// DismissNotificationRequests answers POST /api/v1/notifications/requests/dismiss (id[]).
func (h *Handler) DismissNotificationRequests(c echo.Context) error {
	ids, err := requestIDs(c)
	if err != nil {
		return err
	}
	if err := models.DismissNotificationRequests(c.Request().Context(), h.db, currentAccount(c).Actor.ID, ids); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// NotificationRequestsMerged answers GET /api/v1/notifications/requests/merged:
// always true, since accepting brings the notifications in at once.
func (h *Handler) NotificationRequestsMerged(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]bool{"merged": true})
}

// keepFollowNotify stores the follow's notify parameter when one was sent
// (Mastodon keeps the old choice otherwise).
func (h *Handler) keepFollowNotify(c echo.Context, me, target *models.Actor) error {
	params, err := requestParams(c)
	if err != nil {
		return nil // a follow without a readable body asks nothing of notify
	}
	if v, ok := params["notify"]; ok && len(v) > 0 {
		return models.SetFollowNotify(c.Request().Context(), h.db, me.ID, target.ID, truthy(v[0]))
	}
	return nil
}
