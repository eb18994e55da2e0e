package media

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
)

// Cache rules of served files. Names are random and never reused, so a
// public file may be kept for good; a members-only group's photo is kept
// by the browser that fetched it only, never by a shared cache.
const (
	CachePublic  = "public, max-age=31536000, immutable"
	CachePrivate = "private, max-age=86400"
)

// ServeFile answers GET /media/:folder/:file with a stored picture. Its
// type is the one Village encoded it as (the name's .jpg or .png), never
// sniffed. A photo is served while a row names it and its post, if any,
// is not deleted; the address is the permission (see the README, Safety:
// members-only photos).
func (l *Library) ServeFile(c echo.Context) error {
	key := c.Param("folder") + "/" + c.Param("file")
	if !ValidKey(key) {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	cache := CachePublic
	if strings.HasPrefix(key, PhotosFolder+"/") {
		m, err := models.MediaByKey(ctx, l.db, key)
		if errors.Is(err, models.ErrNotFound) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		private, gone, err := l.postOf(ctx, m)
		if err != nil {
			return err
		}
		if gone {
			return echo.ErrNotFound
		}
		if private {
			cache = CachePrivate
		}
	}
	return l.Send(c, key, cache)
}

// postOf tells whether an upload's post keeps it to a members-only group
// or was deleted. An unattached upload is neither: its uploader's app
// shows it before posting.
func (l *Library) postOf(ctx context.Context, m *models.Media) (private, gone bool, err error) {
	if m.PostID == nil {
		return false, false, nil
	}
	p, err := models.PostByID(ctx, l.db, *m.PostID)
	if errors.Is(err, models.ErrNotFound) {
		return false, true, nil
	}
	if err != nil {
		return false, false, err
	}
	if p.DeletedAt != nil {
		return false, true, nil
	}
	group, err := access.MembersOnlyGroupOf(ctx, l.db, p)
	return group != 0 || p.Visibility == models.VisibilityPrivate || p.Visibility == models.VisibilityDirect, false, err
}

// Send writes a stored file with its type, the cache rule given, and the
// headers that keep a browser from reading it as anything but a picture.
func (l *Library) Send(c echo.Context, key, cache string) error {
	f, err := l.store.Open(c.Request().Context(), key)
	if errors.Is(err, os.ErrNotExist) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "image/jpeg")
	if strings.HasSuffix(key, ".png") {
		h.Set(echo.HeaderContentType, "image/png")
	}
	h.Set("Cache-Control", cache)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(c.Response(), c.Request(), "", f.ModTime(), f)
	return nil
}
