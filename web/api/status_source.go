package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// apiStatusSource is Mastodon's StatusSource: the text to edit.
type apiStatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// apiStatusEdit is Mastodon's StatusEdit: one version of a status.
type apiStatusEdit struct {
	Content          string      `json:"content"`
	SpoilerText      string      `json:"spoiler_text"`
	Sensitive        bool        `json:"sensitive"`
	CreatedAt        string      `json:"created_at"`
	Account          *apiAccount `json:"account"`
	Poll             *struct{}   `json:"poll"`
	MediaAttachments []apiMedia  `json:"media_attachments"`
	Emojis           []struct{}  `json:"emojis"`
}

// StatusSource answers GET /api/v1/statuses/:id/source: what the member
// typed, kept as typed; a post from elsewhere (or from before sources were
// kept) gives the plain text of its HTML.
func (h *Handler) StatusSource(c echo.Context) error {
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	text := p.Source
	if text == "" {
		text = content.PlainText(p.Content)
	}
	return c.JSON(http.StatusOK, apiStatusSource{ID: strconv.FormatInt(p.ID, 10), Text: text, SpoilerText: p.Summary})
}

// StatusHistory answers GET /api/v1/statuses/:id/history: every version,
// the first published one first and the current one last, for edits made
// here and edits that arrived as Update{Note}.
func (h *Handler) StatusHistory(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	versions, err := models.PostHistory(ctx, h.db, p)
	if err != nil {
		return err
	}
	author, err := models.ActorByID(ctx, h.db, p.AuthorID)
	if err != nil {
		return err
	}
	acc, err := h.account(ctx, author)
	if err != nil {
		return err
	}
	out := make([]apiStatusEdit, 0, len(versions))
	for _, v := range versions {
		html := v.Content
		if v.Name != "" {
			html = "<p><strong>" + htmlEscape(v.Name) + "</strong></p>" + html
		}
		out = append(out, apiStatusEdit{Content: html, SpoilerText: v.Summary, Sensitive: v.Sensitive,
			CreatedAt: v.CreatedAt.UTC().Format(apiTime), Account: acc,
			MediaAttachments: mediaOf(p.ID, v.Attachments), Emojis: []struct{}{}})
	}
	return c.JSON(http.StatusOK, out)
}

// FavouritedBy answers GET /api/v1/statuses/:id/favourited_by, paged by like.
func (h *Handler) FavouritedBy(c echo.Context) error {
	return h.reactionList(c, models.Likers)
}

// RebloggedBy answers GET /api/v1/statuses/:id/reblogged_by (groups that
// shared it too), paged by boost.
func (h *Handler) RebloggedBy(c echo.Context) error {
	return h.reactionList(c, models.Boosters)
}

func (h *Handler) reactionList(c echo.Context, list func(context.Context, models.DB, int64, models.Page) ([]models.FollowEntry, error)) error {
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	page := pageParams(c)
	entries, err := list(c.Request().Context(), h.db, p.ID, page)
	if err != nil {
		return err
	}
	return h.writeAccountPage(c, page, entries)
}
