package api

import (
	"errors"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// What /api/v2/search finds besides accounts: statuses (a post's own URL
// or id pasted in, or the words of posts the member may find again) and
// hashtags.

// searchLimit reads limit (default 20, at most 40) and offset, which
// Mastodon honours only in a search of one type.
func searchLimit(c echo.Context) (limit, offset int) {
	limit, _ = strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	if c.QueryParam("type") == "" {
		return limit, 0
	}
	offset, _ = strconv.Atoi(c.QueryParam("offset"))
	return limit, max(offset, 0)
}

// isAddress tells a pasted link from words.
func isAddress(q string) bool {
	return strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")
}

// searchStatuses finds posts: one by its URL or id (fetched from its
// server when resolve=true and unknown here, search_resolve.go), if the
// viewer may see it, else by words among those she may find
// (models.SearchPosts). A lone #tag or handle is no full-text search, as
// on Mastodon.
func (h *Handler) searchStatuses(c echo.Context, q string) ([]*apiStatus, error) {
	ctx := c.Request().Context()
	me := viewerID(c)
	var ids []int64
	if isAddress(q) {
		if _, offset := searchLimit(c); offset > 0 {
			return []*apiStatus{}, nil // one post is one page
		}
		p, err := h.postByAddress(c, q)
		switch {
		case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrGone):
			return []*apiStatus{}, nil
		case err != nil:
			return nil, err
		}
		if _, err := h.postParam(c, strconv.FormatInt(p.ID, 10)); err != nil {
			return []*apiStatus{}, nil // not hers to see: as if unknown
		}
		ids = []int64{p.ID}
	} else if !strings.Contains(q, " ") && (strings.HasPrefix(q, "#") || strings.Contains(q, "@")) {
		return []*apiStatus{}, nil
	} else {
		limit, offset := searchLimit(c)
		accountID, _ := strconv.ParseInt(c.QueryParam("account_id"), 10, 64)
		minID, _ := strconv.ParseInt(c.QueryParam("min_id"), 10, 64)
		maxID, _ := strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
		var err error
		ids, err = models.SearchPosts(ctx, h.db, models.PostSearch{ViewerID: me, Text: q, AccountID: accountID,
			Following: c.QueryParam("following") == "true", Limit: limit, Offset: offset, MinID: minID, MaxID: maxID})
		if err != nil {
			return nil, err
		}
	}
	entries := make([]models.Entry, 0, len(ids))
	for _, id := range ids {
		entries = append(entries, models.Entry{ID: id, PostID: id})
	}
	out, err := h.statuses(ctx, entries, me)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*apiStatus{}
	}
	return out, nil
}

// searchHashtags finds the hashtags of public posts that start as q does.
func (h *Handler) searchHashtags(c echo.Context, q string) ([]*apiTagEntity, error) {
	ctx := c.Request().Context()
	if strings.Contains(q, "@") {
		return []*apiTagEntity{}, nil // a handle, not a tag (Mastodon's rule)
	}
	// exclude_unreviewed: Village has no review of hashtags; every tag
	// offered comes from public posts already.
	limit, offset := searchLimit(c)
	tags, err := models.SearchTagsFrom(ctx, h.db, q, limit, offset)
	if err != nil {
		return nil, err
	}
	out := []*apiTagEntity{}
	for _, t := range tags {
		e, err := h.tagEntity(ctx, t, viewerID(c))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
