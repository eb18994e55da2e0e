// Package httperr turns what the models answer into the HTTP error every
// face of Village gives for it, so that a missing or suspended account looks
// the same to a browser, an app and another server.
package httperr

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Lookup answers a failed lookup: 404 for what does not exist, 410 for a
// suspended account, and a wrapped error (a logged 500 that shows nothing
// internal) for the rest.
func Lookup(err error, what string) error {
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, what+" not found")
	}
	if errors.Is(err, models.ErrAccountSuspended) {
		return echo.NewHTTPError(http.StatusGone, "this account is suspended")
	}
	return fmt.Errorf("web: load %s: %w", what, err)
}
