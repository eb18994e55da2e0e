package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/oauth"
)

// "Apps with access to your account" (/settings/apps): every app a member
// authorized, what it may do, when it was last used, and a button that
// takes its access away (all its tokens, at once).

// authorizedAppView is one app of the list.
type authorizedAppView struct {
	ID         int64
	Name       string
	Website    string
	Scopes     []string // in words
	Used       bool     // a token of it was ever used
	LastUsed   time.Time
	LastUsedIS string
}

type appsData struct {
	Apps    []authorizedAppView
	Revoked bool
}

// AppsPage shows the apps with access to the account.
func (h *Handler) AppsPage(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings/apps")
	if v == nil {
		return err
	}
	apps, err := models.AuthorizedApps(c.Request().Context(), h.db, v.ID)
	if err != nil {
		return err
	}
	d := appsData{Revoked: c.QueryParam("done") == "revoked"}
	for _, a := range apps {
		row := authorizedAppView{ID: a.App.ID, Name: a.App.Name, Website: a.App.Website}
		for _, s := range a.Scopes {
			row.Scopes = append(row.Scopes, oauth.Describe(s))
		}
		if a.LastUsed != nil {
			row.Used, row.LastUsed = true, *a.LastUsed
			row.LastUsedIS = a.LastUsed.UTC().Format(time.RFC3339)
		}
		d.Apps = append(d.Apps, row)
	}
	return h.page(c, http.StatusOK, "settings_apps", i18n.Text("apps.title"), d)
}

// RevokeApp takes an app's access to the account away.
func (h *Handler) RevokeApp(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings/apps")
	if v == nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	had, err := models.RevokeAppAccess(c.Request().Context(), h.db, v.ID, id, h.clock())
	if err != nil {
		return err
	}
	if !had {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	h.logger.InfoContext(c.Request().Context(), "oauth: access revoked", "app", id, "account", v.ID)
	return c.Redirect(http.StatusSeeOther, "/settings/apps?done=revoked")
}
