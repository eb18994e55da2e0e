package app

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// The one search box (/search?q=): people and groups known here, hashtags
// of public posts, and, for a signed-in member, the posts she may find
// (models.SearchPosts: hers, her groups', those she liked, shared, kept
// or was mentioned in, and indexable people's public posts); a post's
// address pasted by a member opens it, fetched from its server when
// unknown here (search_pasted.go).

type searchData struct {
	Q        string
	Searched bool
	Actors   []actorLink
	Tags     []searchTag
	Posts    []postView
	Member   bool
}

type searchTag struct {
	Name string
	URL  string
}

// SearchPage is GET /search.
func (h *Handler) SearchPage(c echo.Context) error {
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("q"))
	if len([]rune(q)) > 200 {
		q = string([]rune(q)[:200])
	}
	v := h.viewer(c)
	d := searchData{Q: q, Searched: q != "", Member: v != nil}
	if q == "" {
		return h.page(c, http.StatusOK, "search", i18n.Text("search.title"), d)
	}
	if v != nil && isAddress(q) {
		p, err := h.pastedPost(c, v, q)
		if err != nil {
			return err
		}
		if p != nil { // her thread page says whether she may see it
			return c.Redirect(http.StatusSeeOther, "/posts/"+strconv.FormatInt(p.ID, 10))
		}
	}
	actors, err := models.SearchActors(ctx, h.db, strings.TrimPrefix(q, "@"), 10)
	if err != nil {
		return err
	}
	for _, a := range actors {
		if !a.IsSystemActor() {
			d.Actors = append(d.Actors, h.linkActor(a))
		}
	}
	tags, err := models.SearchTags(ctx, h.db, q, 10)
	if err != nil {
		return err
	}
	for _, t := range tags {
		d.Tags = append(d.Tags, searchTag{Name: t, URL: "/tags/" + url.PathEscape(t)})
	}
	if v != nil {
		ids, err := models.SearchPosts(ctx, h.db, models.PostSearch{ViewerID: v.Actor.ID, Text: q, Limit: 20})
		if err != nil {
			return err
		}
		byID, err := models.Posts(ctx, h.db, ids, v.Actor.ID)
		if err != nil {
			return err
		}
		posts := make([]*models.Post, 0, len(ids))
		for _, id := range ids {
			if p := byID[id]; p != nil {
				posts = append(posts, p)
			}
		}
		if d.Posts, err = h.listViews(ctx, posts, 0); err != nil {
			return err
		}
	}
	return h.page(c, http.StatusOK, "search", i18n.Format("search.title.q", q), d)
}
