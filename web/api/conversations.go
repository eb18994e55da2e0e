package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// apiConversation is Mastodon's Conversation: a thread of direct posts as
// the viewer sees it. last_status is null once that post was deleted.
type apiConversation struct {
	ID         string        `json:"id"`
	Unread     bool          `json:"unread"`
	Accounts   []*apiAccount `json:"accounts"`
	LastStatus *apiStatus    `json:"last_status"`
}

// Conversations answers GET /api/v1/conversations: the viewer's
// conversations, the latest message first, paged by it (Link: max_id).
func (h *Handler) Conversations(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor.ID
	p := pageParams(c)
	if c.QueryParam("limit") == "" {
		p.Limit = 20
	}
	list, err := models.Conversations(ctx, h.db, me, p)
	if err != nil {
		return err
	}
	out := make([]*apiConversation, 0, len(list))
	var last int64
	for _, conv := range list {
		last = conv.LastPostID
		entity, err := h.conversation(ctx, conv, me)
		if err != nil {
			return err
		}
		out = append(out, entity)
	}
	h.setNextLink(c, p, len(list), last)
	return c.JSON(http.StatusOK, out)
}

// ReadConversation answers POST /api/v1/conversations/:id/read.
func (h *Handler) ReadConversation(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor.ID
	id, err := conversationParam(c)
	if err != nil {
		return err
	}
	if err := models.ReadConversation(ctx, h.db, me, id); err != nil {
		return notFoundAs404(err)
	}
	conv, err := models.ConversationByID(ctx, h.db, me, id)
	if err != nil {
		return notFoundAs404(err)
	}
	entity, err := h.conversation(ctx, conv, me)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, entity)
}

// RemoveConversation answers DELETE /api/v1/conversations/:id: off the
// viewer's list only; the others keep it, and the posts stay.
func (h *Handler) RemoveConversation(c echo.Context) error {
	id, err := conversationParam(c)
	if err != nil {
		return err
	}
	if err := models.RemoveConversation(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id); err != nil {
		return notFoundAs404(err)
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// conversation renders one conversation for the viewer.
func (h *Handler) conversation(ctx context.Context, conv *models.Conversation, viewerID int64) (*apiConversation, error) {
	out := &apiConversation{ID: strconv.FormatInt(conv.ID, 10), Unread: conv.Unread, Accounts: []*apiAccount{}}
	others, err := models.ActorsByID(ctx, h.db, conv.ParticipantIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range conv.ParticipantIDs {
		if a, ok := others[id]; ok {
			acc, err := h.account(ctx, a)
			if err != nil {
				return nil, err
			}
			out.Accounts = append(out.Accounts, acc)
		}
	}
	last, err := h.statuses(ctx, []models.Entry{{ID: conv.LastPostID, PostID: conv.LastPostID}}, viewerID)
	if err != nil {
		return nil, err
	}
	if len(last) > 0 {
		out.LastStatus = last[0]
	}
	return out, nil
}

func conversationParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return id, nil
}

// notFoundAs404 is Mastodon's 404 for another's or a missing record.
func notFoundAs404(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return err
}
