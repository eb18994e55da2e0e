package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/ratelimit"
)

// postLimited shows the compose form again, with what was typed, saying
// how long to wait: 429 and Retry-After.
func (h *Handler) postLimited(c echo.Context, v *models.Account, f composeForm, parent *models.Post, err *ratelimit.Error) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(err.RetryAfter()))
	f.Errors["text"] = i18n.Wait("compose.error.limited", err.Wait)
	return h.composeAgainWith(c, http.StatusTooManyRequests, f, parent)
}
