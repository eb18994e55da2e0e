package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/media"
)

// SaveProfilePicture answers POST /settings/avatar and /settings/header:
// the picture is decoded, shrunk and encoded again from its pixels alone
// (web/media: no EXIF, GPS or other metadata survives), becomes the
// person's, and their followers elsewhere are told; the old file goes.
func (h *Handler) SaveProfilePicture(k media.Kind) echo.HandlerFunc {
	field, saved := "avatar", "avatar"
	if k == media.Header {
		field, saved = "header", "header"
	}
	return func(c echo.Context) error {
		v, err := h.requireViewer(c, "/settings")
		if v == nil {
			return err
		}
		if h.media == nil {
			return echo.ErrNotFound
		}
		ctx := c.Request().Context()
		d, err := h.settingsData(ctx, v)
		if err != nil {
			return err
		}
		refuse := func(msg string) error {
			d.PictureErrors[field] = msg
			return h.page(c, http.StatusUnprocessableEntity, "settings", i18n.Text("settings.title"), d)
		}
		data, msg, err := readUpload(c, field, models.MaxProfileImageBytes)
		if msg != "" || err != nil {
			if err != nil {
				return err
			}
			return refuse(msg)
		}
		address, err := h.media.SaveProfilePicture(ctx, k, data)
		if msg := pictureRefusal(err); msg != "" {
			return refuse(msg)
		}
		if err != nil {
			return err
		}
		change, old := models.ProfileChange{IconURL: &address}, v.Actor.IconURL
		if k == media.Header {
			change, old = models.ProfileChange{HeaderURL: &address}, v.Actor.HeaderURL
		}
		if err := h.changeProfile(ctx, v.Actor.ID, change); err != nil {
			h.media.ForgetProfilePicture(ctx, address)
			return fmt.Errorf("web: %s: %w", field, err)
		}
		h.media.ForgetProfilePicture(ctx, old)
		return c.Redirect(http.StatusSeeOther, "/settings?saved="+saved)
	}
}

// changeProfile changes a person's profile and sends their new actor
// document to their followers elsewhere, in one transaction (without an
// outbox, as in tests of the plain web layer, it only changes it).
func (h *Handler) changeProfile(ctx context.Context, actorID int64, change models.ProfileChange, also ...func(pgx.Tx) error) error {
	if h.outbox == nil {
		return models.InTx(ctx, h.db, func(tx pgx.Tx) error {
			if err := models.ChangeProfile(ctx, tx, actorID, change); err != nil {
				return err
			}
			for _, f := range also {
				if err := f(tx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return h.outbox.ChangeProfile(ctx, actorID, change, also...)
}

// readUpload reads the file of a form field, at most limit bytes: a
// message for the person when there is none or it is too large, or our
// error.
func readUpload(c echo.Context, field string, limit int64) ([]byte, string, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, i18n.Text("media.error.missing"), nil
	}
	if fh.Size > limit {
		return nil, i18n.Format("media.error.size", limit>>20), nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", fmt.Errorf("web: upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("web: upload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, i18n.Format("media.error.size", limit>>20), nil
	}
	return data, "", nil
}

// pictureRefusal is what to tell someone whose picture web/media refused;
// "" for any other outcome.
func pictureRefusal(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, media.ErrNotImage):
		return i18n.Text("media.error.type")
	case errors.Is(err, media.ErrDamaged):
		return i18n.Text("media.error.damaged")
	case errors.Is(err, media.ErrTooLarge):
		return i18n.Format("media.error.size", int64(models.MaxImageBytes>>20))
	case errors.Is(err, media.ErrTooManyPixels):
		return i18n.Format("media.error.pixels", models.MaxImagePixels/1_000_000)
	case errors.Is(err, media.ErrDescriptionTooLong):
		return i18n.Format("media.error.alt_long", models.MaxMediaDescription)
	}
	return ""
}
