package activitypub

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/negotiate"
)

// NoteDocument serves a local post at its id: the Note as last published
// for ActivityPub, a page for browsers, a Tombstone with 410 once deleted,
// and 404 for posts that are not public (their existence does not show);
// a members-only group's posts only to its members' servers (members_only.go).
func (h *Handler) NoteDocument(c echo.Context) error {
	ctx := c.Request().Context()
	uri := h.urls.Base + c.Request().URL.Path
	post, err := models.PostByURI(ctx, h.db, uri)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !post.Local) {
		return echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	if err != nil {
		return err
	}
	allowed, membersOnly, err := h.mayServe(c, post)
	if err != nil {
		return err
	}
	if !allowed || (membersOnly && negotiate.WantsHTMLPage(c.Request())) {
		return echo.NewHTTPError(http.StatusNotFound, "post not found") // as if it did not exist
	}
	if post.DeletedAt != nil {
		c.Response().Header().Set("Vary", "Accept")
		if negotiate.WantsHTMLPage(c.Request()) {
			return h.pages.ErrorPage(c, http.StatusGone)
		}
		return writeActivityJSON(c, http.StatusGone, map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": post.URI, "type": "Tombstone"})
	}
	if !membersOnly && post.Visibility != models.VisibilityPublicPost && post.Visibility != models.VisibilityUnlisted {
		return echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	c.Response().Header().Set("Vary", "Accept")
	if !negotiate.WantsActivityJSON(c.Request()) {
		return h.pages.ThreadPage(c, post)
	}
	obj, err := models.LatestObject(ctx, h.db, post.URI)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(obj, &doc); err != nil {
		return err
	}
	doc["@context"] = federation.Context()
	return writeActivityJSON(c, http.StatusOK, doc)
}
