package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// bookmarksLimit is how many bookmarks a page shows.
const bookmarksLimit = 20

// postListData is a page of posts with what the viewer can do with them,
// and the address of the next page.
type postListData struct {
	Posts []memberPost
	Older string
}

// BookmarkPost keeps a post the person may see on her bookmarks page
// (POST /posts/:id/bookmark); nobody else knows.
func (h *Handler) BookmarkPost(c echo.Context) error { return h.bookmark(c, true) }

// UnbookmarkPost takes it off (POST /posts/:id/unbookmark).
func (h *Handler) UnbookmarkPost(c echo.Context) error { return h.bookmark(c, false) }

func (h *Handler) bookmark(c echo.Context, keep bool) error {
	v, p, err := h.viewerPost(c, memberPostPath, false)
	if v == nil || err != nil {
		return err
	}
	if keep {
		err = models.Bookmark(c.Request().Context(), h.db, v.Actor.ID, p.ID)
	} else {
		err = models.Unbookmark(c.Request().Context(), h.db, v.Actor.ID, p.ID)
	}
	if err != nil {
		return err
	}
	return goBack(c, memberPostPath(p.ID))
}

// BookmarksPage lists the person's bookmarks, the latest first (GET
// /bookmarks), as far as she may still see each post.
func (h *Handler) BookmarksPage(c echo.Context) error {
	v, err := h.signInFirst(c, "/bookmarks")
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	maxID, _ := strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	entries, err := models.Bookmarks(ctx, h.db, v.Actor.ID, models.Page{MaxID: maxID, Limit: bookmarksLimit})
	if err != nil {
		return err
	}
	var d postListData
	if len(entries) == bookmarksLimit {
		d.Older = "/bookmarks?max_id=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	ids := make([]int64, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.PostID)
	}
	if d.Posts, err = h.memberPosts(c, v, ids, "/bookmarks"); err != nil {
		return err
	}
	return h.memberPage(c, http.StatusOK, "bookmarks", i18n.Text("bookmarks.title"), "", d)
}

// memberPosts shows the posts with these ids, in this order, that the
// viewer may see, each with her actions (forms come back to next).
func (h *Handler) memberPosts(c echo.Context, v *models.Account, ids []int64, next string) ([]memberPost, error) {
	ctx := c.Request().Context()
	list, err := h.seenPosts(ctx, v, ids)
	if err != nil {
		return nil, err
	}
	views, err := h.newPostViews(ctx, list)
	if err != nil {
		return nil, err
	}
	out := make([]memberPost, 0, len(list))
	for _, p := range list {
		out = append(out, h.memberView(views, p, v, csrfToken(c), next, false))
	}
	return out, nil
}

// seenPosts loads the posts with these ids that the viewer may see, in order.
func (h *Handler) seenPosts(ctx context.Context, v *models.Account, ids []int64) ([]*models.Post, error) {
	posts, visible, err := access.Seen(ctx, h.db, h.urls, v, ids)
	if err != nil {
		return nil, err
	}
	var out []*models.Post
	for i, ok := range visible {
		if ok {
			out = append(out, posts[i])
		}
	}
	return h.withoutHiddenPosts(ctx, v.Actor.ID, out)
}
