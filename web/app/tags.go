package app

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// A hashtag's page (/tags/:name): the public posts with it, newest first,
// for anyone; a signed-in member follows or unfollows the tag there, and
// its public posts then come to her home page.

type tagData struct {
	Tag       string
	Path      string // the tag, escaped for a URL path
	Following bool
	Posts     []postView
	Older     string
}

// tagOf is the path's hashtag, normalized; 404 when it cannot be one.
func tagOf(c echo.Context) (string, error) {
	raw, err := url.PathUnescape(c.Param("name"))
	if err != nil {
		raw = c.Param("name")
	}
	tag, err := models.NormalizeTag(raw)
	if err != nil {
		return "", echo.NewHTTPError(http.StatusNotFound, "no such hashtag")
	}
	return tag, nil
}

// TagPage is GET /tags/:name.
func (h *Handler) TagPage(c echo.Context) error {
	tag, err := tagOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	path := "/tags/" + url.PathEscape(tag)
	posts, err := models.PublicPosts(ctx, h.db, models.PublicFilter{Tag: tag, MaxID: olderThan(c), Limit: postsPerPage})
	if err != nil {
		return fmt.Errorf("web: tag page: %w", err)
	}
	d := tagData{Tag: tag, Path: url.PathEscape(tag), Older: olderLink(path, posts)}
	if d.Posts, err = h.listViews(ctx, posts, 0); err != nil {
		return err
	}
	if v := h.viewer(c); v != nil {
		if d.Following, err = models.FollowsTag(ctx, h.db, v.Actor.ID, tag); err != nil {
			return err
		}
	}
	return h.page(c, http.StatusOK, "tag", "#"+tag, d)
}

// FollowTagForm is POST /tags/:name/follow and /unfollow.
func (h *Handler) FollowTagForm(follow bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		tag, err := tagOf(c)
		if err != nil {
			return err
		}
		path := "/tags/" + url.PathEscape(tag)
		v, err := h.signInFirst(c, path)
		if v == nil {
			return err
		}
		ctx := c.Request().Context()
		if follow {
			err = models.FollowTag(ctx, h.db, v.Actor.ID, tag)
		} else {
			err = models.UnfollowTag(ctx, h.db, v.Actor.ID, tag)
		}
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, path)
	}
}
