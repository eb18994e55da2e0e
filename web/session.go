package web

import (
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// viewer is the person signed in to the web app, or nil.
// (Sessions arrive with the accounts work; until then nobody is signed in.)
func (h *handlers) viewer(c echo.Context) *models.Account { return nil }

// csrfToken is the token forms must send back.
func csrfToken(c echo.Context) string { return "" }
