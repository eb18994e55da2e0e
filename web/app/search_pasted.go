package app

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// isAddress tells a pasted link from words.
func isAddress(q string) bool {
	return strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")
}

// pastedPost is the post a member pasted the address of: known here by
// its id or page URL, else fetched from its server and kept (counted
// against her limit of such fetches); nil when there is none.
func (h *Handler) pastedPost(c echo.Context, v *models.Account, address string) (*models.Post, error) {
	ctx := c.Request().Context()
	p, err := models.PostByURI(ctx, h.db, address)
	if errors.Is(err, models.ErrNotFound) {
		p, err = models.PostByURL(ctx, h.db, address)
	}
	if errors.Is(err, models.ErrNotFound) && h.fetchPost != nil && !h.urls.IsLocal(address) {
		if h.limits != nil && h.limits.Resolve(ctx, v.ID) != nil {
			return nil, nil // past her limit: the words are searched instead
		}
		p, err = h.fetchPost(ctx, address)
	}
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrGone) || (err == nil && p.DeletedAt != nil) {
		return nil, nil
	}
	return p, err
}
