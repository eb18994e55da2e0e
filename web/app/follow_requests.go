package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// A person's follow requests (/follow_requests): who waits for her answer.
// People here take followers at once, but for those on a server this
// village silences (Mastodon's "limit"), whose follows wait for her as a
// members-only group's joins wait for its moderators. Apps see the same
// through /api/v1/follow_requests.

const followRequestsShown = 30 // requests one page lists

// followRequestsData is the follow requests page.
type followRequestsData struct {
	Notice   string
	Requests []joinRequestView
	More     int // pending requests not shown
	Total    int
}

// followRequestNotices are the ?done= notices of the page.
var followRequestNotices = map[string]string{
	"approved": "requests.done.approved",
	"rejected": "requests.done.rejected",
	"gone":     "requests.done.gone",
}

// FollowRequestsPage answers GET /follow_requests.
func (h *Handler) FollowRequestsPage(c echo.Context) error {
	v, err := h.signInFirst(c, "/follow_requests")
	if v == nil {
		return err
	}
	d := followRequestsData{}
	if k, ok := followRequestNotices[c.QueryParam("done")]; ok {
		d.Notice = i18n.Text(k)
	}
	reqs, total, err := models.PendingJoinRequests(c.Request().Context(), h.db, v.Actor.ID, followRequestsShown)
	if err != nil {
		return fmt.Errorf("web: follow requests: %w", err)
	}
	d.Total, d.More = total, max(0, total-len(reqs))
	for _, r := range reqs {
		d.Requests = append(d.Requests, h.joinRequestView("/follow_requests/", false, r))
	}
	return h.page(c, http.StatusOK, "follow_requests", i18n.Text("requests.title"), d)
}

// ApproveFollowRequestForm answers POST /follow_requests/:id/approve: the
// requester follows her now, and a remote one's server gets Accept{Follow}.
func (h *Handler) ApproveFollowRequestForm(c echo.Context) error {
	return h.decideFollowRequest(c, "approved", func(ctx context.Context, tx pgx.Tx, f *models.Follow, me *models.Actor) error {
		return h.outbox.ApproveMember(ctx, tx, f, me)
	})
}

// RejectFollowRequestForm answers POST /follow_requests/:id/reject: the
// request goes, and a remote requester's server gets Reject{Follow}.
func (h *Handler) RejectFollowRequestForm(c echo.Context) error {
	return h.decideFollowRequest(c, "rejected", func(ctx context.Context, tx pgx.Tx, f *models.Follow, me *models.Actor) error {
		return h.outbox.RejectMember(ctx, tx, f, me)
	})
}

// decideFollowRequest applies decide to the signed-in person's pending
// request :id in one transaction and goes back to the list; a request
// decided meanwhile, withdrawn, or someone else's says so and changes nothing.
func (h *Handler) decideFollowRequest(c echo.Context, done string, decide func(context.Context, pgx.Tx, *models.Follow, *models.Actor) error) error {
	v, err := h.signInFirst(c, "/follow_requests")
	if v == nil {
		return err
	}
	id, decided, err := h.decidePending(c, v.Actor, v.Actor, decide)
	if err != nil {
		return err
	}
	if !decided {
		done = "gone"
	} else {
		h.logger.InfoContext(c.Request().Context(), "follow request "+done, "person", v.Actor.Username, "follow", id)
	}
	return c.Redirect(http.StatusSeeOther, "/follow_requests?done="+done)
}

// decidePending applies decide, on decider's word, to the pending follow
// of followee whose id is the URL's :id, in one transaction; decided is
// false when there is no such request (decided meanwhile, withdrawn, or
// another's).
func (h *Handler) decidePending(c echo.Context, followee, decider *models.Actor,
	decide func(context.Context, pgx.Tx, *models.Follow, *models.Actor) error) (id int64, decided bool, err error) {
	id, err = strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, false, echo.NewHTTPError(http.StatusNotFound, "request not found")
	}
	if h.outbox == nil {
		return 0, false, errors.New("web: follow requests need the outbox")
	}
	ctx := c.Request().Context()
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		f, err := models.PendingJoinRequest(ctx, tx, followee.ID, id)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		decided = true
		return decide(ctx, tx, f, decider)
	})
	if err != nil {
		return 0, false, fmt.Errorf("web: follow request: %w", err)
	}
	return id, decided, nil
}
