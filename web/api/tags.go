package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Hashtags as Mastodon serves them: a tag's timeline, the Tag entity with
// its week of use, and the tags a member follows (their public posts join
// her home timeline).

// apiTagEntity is Mastodon's Tag: history counts are strings, as Mastodon writes them.
type apiTagEntity struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	URL       string          `json:"url"`
	History   []apiTagHistory `json:"history"`
	Following bool            `json:"following"`
	Featuring bool            `json:"featuring"` // on the viewer's profile (Mastodon 4.4)
}

type apiTagHistory struct {
	Day      string `json:"day"` // a UNIX time, in a string
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// tagParam is the path's hashtag, normalized; 404 when it cannot be one.
func tagParam(c echo.Context, name string) (string, error) {
	raw, err := url.PathUnescape(c.Param(name))
	if err != nil {
		raw = c.Param(name)
	}
	tag, err := models.NormalizeTag(raw)
	if err != nil {
		return "", echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return tag, nil
}

// tagEntity is a hashtag as the viewer (0: a visitor) sees it.
func (h *Handler) tagEntity(ctx context.Context, tag string, viewer int64) (*apiTagEntity, error) {
	history, err := models.TagHistory(ctx, h.db, tag, time.Now())
	if err != nil {
		return nil, err
	}
	out := &apiTagEntity{ID: tag, Name: tag, URL: h.urls.Base + "/tags/" + url.PathEscape(tag), History: []apiTagHistory{}}
	for _, u := range history {
		out.History = append(out.History, apiTagHistory{Day: strconv.FormatInt(u.Day.Unix(), 10),
			Uses: strconv.Itoa(u.Uses), Accounts: strconv.Itoa(u.Accounts)})
	}
	if viewer != 0 {
		if out.Following, err = models.FollowsTag(ctx, h.db, viewer, tag); err != nil {
			return nil, err
		}
		if out.Featuring, err = models.FeaturesTag(ctx, h.db, viewer, tag); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetTag answers GET /api/v1/tags/:name.
func (h *Handler) GetTag(c echo.Context) error {
	tag, err := tagParam(c, "name")
	if err != nil {
		return err
	}
	e, err := h.tagEntity(c.Request().Context(), tag, viewerID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

// FollowTag answers POST /api/v1/tags/:name/follow and UnfollowTag
// /unfollow: the tag as it now stands for her.
func (h *Handler) FollowTag(follow bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		tag, err := tagParam(c, "name")
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		me := currentAccount(c).Actor.ID
		if follow {
			err = models.FollowTag(ctx, h.db, me, tag)
		} else {
			err = models.UnfollowTag(ctx, h.db, me, tag)
		}
		if err != nil {
			return err
		}
		e, err := h.tagEntity(ctx, tag, me)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, e)
	}
}

// FollowedTags answers GET /api/v1/followed_tags, the latest first, paged
// by Link headers.
func (h *Handler) FollowedTags(c echo.Context) error {
	ctx := c.Request().Context()
	p := pageParams(c)
	me := currentAccount(c).Actor.ID
	list, err := models.FollowedTags(ctx, h.db, me, p)
	if err != nil {
		return err
	}
	out := []*apiTagEntity{}
	for _, t := range list {
		e, err := h.tagEntity(ctx, t.Tag, me)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	h.setNextLink(c, p, len(list), last)
	return c.JSON(http.StatusOK, out)
}

// TagTimeline answers GET /api/v1/timelines/tag/:hashtag (any[], all[],
// none[], local): public posts only, as Mastodon shows them, open to
// visitors when the instance shows its public timeline to them.
func (h *Handler) TagTimeline(c echo.Context) error {
	if currentAccount(c) == nil {
		if err := h.publicPreviewAllowed(c); err != nil {
			return err
		}
	}
	tag, err := tagParam(c, "hashtag")
	if err != nil {
		return err
	}
	q := models.TagQuery{Tag: tag, LocalOnly: c.QueryParam("local") == "true" || c.QueryParam("local") == "t" || c.QueryParam("local") == "1",
		ViewerID: viewerID(c)}
	params := c.QueryParams()
	for _, field := range []struct {
		key  string
		dest *[]string
	}{{"any", &q.Any}, {"all", &q.All}, {"none", &q.None}} {
		for _, v := range append(params[field.key+"[]"], params[field.key]...) {
			t, err := models.NormalizeTag(v)
			if errors.Is(err, models.ErrBadTag) {
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+field.key+"[]: "+err.Error())
			}
			*field.dest = append(*field.dest, t)
		}
	}
	if len(q.Any) > 4 || len(q.All) > 4 || len(q.None) > 4 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: at most 4 tags in each of any[], all[] and none[]")
	}
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		return models.TagTimeline(ctx, h.db, q, p)
	})
}
