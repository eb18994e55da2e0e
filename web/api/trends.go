package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Trends and suggestions as Mastodon serves them, made only of this
// instance's public groups (models/trends.go): no outside data.

// TrendingTags answers GET /api/v1/trends/tags (and /api/v1/trends).
func (h *Handler) TrendingTags(c echo.Context) error {
	ctx := c.Request().Context()
	limit := boundedLimit(c, 10, 20)
	tags, err := models.TrendingTags(ctx, h.db, time.Now(), limit)
	if err != nil {
		return err
	}
	out := []*apiTagEntity{}
	for _, t := range tags {
		e, err := h.tagEntity(ctx, t.Tag, viewerID(c))
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	return c.JSON(http.StatusOK, out)
}

// TrendingStatuses answers GET /api/v1/trends/statuses (limit, offset).
func (h *Handler) TrendingStatuses(c echo.Context) error {
	ctx := c.Request().Context()
	offset, _ := strconv.Atoi(c.QueryParam("offset"))
	ids, err := models.TrendingPosts(ctx, h.db, time.Now(), boundedLimit(c, 20, 40), offset)
	if err != nil {
		return err
	}
	return h.answerPosts(ctx, c, ids)
}

// answerPosts answers with the statuses of ids, in order, as the viewer sees them.
func (h *Handler) answerPosts(ctx context.Context, c echo.Context, ids []int64) error {
	entries := make([]models.Entry, 0, len(ids))
	for _, id := range ids {
		entries = append(entries, models.Entry{ID: id, PostID: id})
	}
	viewer := viewerID(c)
	out, err := h.statuses(ctx, entries, viewer)
	if err == nil {
		out, err = h.withoutHidden(ctx, viewer, out)
	}
	if err != nil {
		return err
	}
	if out == nil {
		out = []*apiStatus{}
	}
	return c.JSON(http.StatusOK, out)
}

// Suggestions answers GET /api/v1/suggestions (accounts) and, with v2,
// /api/v2/suggestions ({source, sources, account}): groups of this
// instance to join, the nearest to hers first.
func (h *Handler) Suggestions(v2 bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		groups, err := models.SuggestedGroups(ctx, h.db, currentAccount(c).Actor.ID, boundedLimit(c, 40, 80))
		if err != nil {
			return err
		}
		accs, err := h.accounts(ctx, groups)
		if err != nil {
			return err
		}
		if !v2 {
			return c.JSON(http.StatusOK, accs)
		}
		type suggestion struct {
			Source  string      `json:"source"`
			Sources []string    `json:"sources"`
			Account *apiAccount `json:"account"`
		}
		out := make([]suggestion, 0, len(accs))
		for _, a := range accs {
			out = append(out, suggestion{Source: "global", Sources: []string{"featured"}, Account: a})
		}
		return c.JSON(http.StatusOK, out)
	}
}

// boundedLimit reads limit, def when absent or out of 1..most.
func boundedLimit(c echo.Context, def, most int) int {
	n, err := strconv.Atoi(c.QueryParam("limit"))
	if err != nil || n <= 0 || n > most {
		return def
	}
	return n
}
