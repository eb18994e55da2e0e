package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Featured tags: the hashtags a member shows on her profile, in
// Mastodon's FeaturedTag shape (statuses_count a string, last_status_at
// a date).

type apiFeaturedTag struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	StatusesCount string  `json:"statuses_count"`
	LastStatusAt  *string `json:"last_status_at"`
}

func (h *Handler) featuredTagEntity(t *models.FeaturedTag) apiFeaturedTag {
	out := apiFeaturedTag{ID: strconv.FormatInt(t.ID, 10), Name: t.Name,
		URL: h.urls.Base + "/tags/" + url.PathEscape(t.Tag), StatusesCount: strconv.Itoa(t.StatusesCount)}
	if t.LastStatusAt != nil {
		day := t.LastStatusAt.UTC().Format("2006-01-02")
		out.LastStatusAt = &day
	}
	return out
}

func (h *Handler) writeFeaturedTags(c echo.Context, actorID int64) error {
	tags, err := models.FeaturedTags(c.Request().Context(), h.db, actorID)
	if err != nil {
		return err
	}
	out := make([]apiFeaturedTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, h.featuredTagEntity(t))
	}
	return c.JSON(http.StatusOK, out)
}

// FeaturedTags answers GET /api/v1/featured_tags: the member's own.
func (h *Handler) FeaturedTags(c echo.Context) error {
	return h.writeFeaturedTags(c, currentAccount(c).Actor.ID)
}

// AccountFeaturedTags answers GET /api/v1/accounts/:id/featured_tags.
// Those of people elsewhere are not read from their servers yet: none.
func (h *Handler) AccountFeaturedTags(c echo.Context) error {
	a, err := h.actorParam(c)
	if err != nil {
		return err
	}
	return h.writeFeaturedTags(c, a.ID)
}

// FeatureTag answers POST /api/v1/featured_tags (name).
func (h *Handler) FeatureTag(c echo.Context) error {
	params, err := requestParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	t, err := h.feature(c.Request().Context(), currentAccount(c).Actor.ID, params.Get("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.featuredTagEntity(t))
}

// feature shows a hashtag on a profile, a bad name or one too many a 422.
func (h *Handler) feature(ctx context.Context, actorID int64, name string) (*models.FeaturedTag, error) {
	t, err := models.FeatureTag(ctx, h.db, actorID, name)
	switch {
	case errors.Is(err, models.ErrBadTag):
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Tag "+err.Error())
	case errors.Is(err, models.ErrTooManyFeaturedTags):
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+err.Error())
	}
	return t, err
}

// UnfeatureTag answers DELETE /api/v1/featured_tags/:id with {}.
func (h *Handler) UnfeatureTag(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	err = models.UnfeatureTag(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// FeaturedTagSuggestions answers GET /api/v1/featured_tags/suggestions:
// the hashtags she used most lately and does not show yet, as Tags.
func (h *Handler) FeaturedTagSuggestions(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor.ID
	tags, err := models.FeaturedTagSuggestions(ctx, h.db, me, 10)
	if err != nil {
		return err
	}
	out := []*apiTagEntity{}
	for _, t := range tags {
		e, err := h.tagEntity(ctx, t, me)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	return c.JSON(http.StatusOK, out)
}

// FeatureTagByName answers POST /api/v1/tags/:name/feature and
// /unfeature (Mastodon 4.4) with the Tag.
func (h *Handler) FeatureTagByName(feature bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		tag, err := tagParam(c, "name")
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		me := currentAccount(c).Actor.ID
		if feature {
			_, err = h.feature(ctx, me, tag)
		} else {
			err = models.UnfeatureTagNamed(ctx, h.db, me, tag)
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
