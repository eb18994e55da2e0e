package activitypub

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
)

// FeaturedTagsCollection serves the hashtags a person's profile shows
// (her actor's featuredTags) as Mastodon serves and reads them: a
// Collection with the Hashtags embedded.
func (h *Handler) FeaturedTagsCollection(c echo.Context) error {
	ctx := c.Request().Context()
	a, _, err := h.localActor(ctx, PersonActor, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "actor")
	}
	tags, err := models.FeaturedTags(ctx, h.db, a.ID)
	if err != nil {
		return err
	}
	items := make([]any, 0, len(tags))
	for _, t := range tags {
		items = append(items, map[string]any{"type": "Hashtag", "href": h.urls.Base + "/tags/" + url.PathEscape(t.Tag),
			"name": "#" + t.Name})
	}
	return writeActivityJSON(c, http.StatusOK, map[string]any{"@context": federation.Context(), "id": h.urls.FeaturedTags(a),
		"type": "Collection", "totalItems": len(items), "items": items})
}
