package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/media"
)

// photoUpload is one photo of a compose form, read but not yet stored.
type photoUpload struct {
	data []byte
	alt  string
}

// readPhotos reads a compose form's photos (photo_N with alt_N, in
// order), noting in f what is wrong; it stores nothing.
func (h *Handler) readPhotos(c echo.Context, f *composeForm) ([]photoUpload, error) {
	r := c.Request()
	f.Alts = make([]string, models.MaxMediaAttachments)
	for i := range f.Alts {
		f.Alts[i] = strings.TrimSpace(r.PostFormValue("alt_" + strconv.Itoa(i)))
	}
	if h.media == nil {
		return nil, nil
	}
	var out []photoUpload
	for i := range models.MaxMediaAttachments {
		field := "photo_" + strconv.Itoa(i)
		if _, err := c.FormFile(field); errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
			continue
		}
		data, msg, err := readUpload(c, field, models.MaxImageBytes)
		if err != nil {
			return nil, err
		}
		if msg == "" && media.CheckDescription(f.Alts[i]) != nil {
			msg = i18n.Format("media.error.alt_long", models.MaxMediaDescription)
		}
		if msg != "" {
			f.Errors["photos"] = i18n.Format("compose.photo.error", i+1, msg)
			return nil, nil
		}
		out = append(out, photoUpload{data: data, alt: f.Alts[i]})
	}
	return out, nil
}

// savePhotos stores a compose form's photos as the viewer's uploads. A
// photo refused (not a picture, too large) is noted in f, and those
// stored before it go again: nothing is kept of a refused form.
func (h *Handler) savePhotos(ctx context.Context, v *models.Account, photos []photoUpload, f *composeForm) ([]*models.Media, error) {
	var saved []*models.Media
	for i, p := range photos {
		m, err := h.media.SavePhoto(ctx, v.Actor.ID, p.data, p.alt, media.Focus{})
		if err != nil {
			h.media.DiscardPhotos(ctx, v.Actor.ID, mediaIDs(saved))
			if msg := pictureRefusal(err); msg != "" {
				f.Errors["photos"] = i18n.Format("compose.photo.error", i+1, msg)
				return nil, nil
			}
			return nil, err
		}
		saved = append(saved, m)
	}
	return saved, nil
}

func mediaIDs(ms []*models.Media) []int64 {
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// PhotoFile answers GET /photos/:id (and /photos/:id/preview): a photo of
// a post the signed-in viewer may see, or their own upload. This is how
// the web app shows the photos of a members-only group to its members,
// checked on every request; anyone else, signed in or not, gets the 404
// of a photo that does not exist.
func (h *Handler) PhotoFile(preview bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := h.viewer(c)
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if v == nil || h.media == nil || err != nil {
			return echo.ErrNotFound
		}
		ctx := c.Request().Context()
		m, err := models.MediaByID(ctx, h.db, id)
		if errors.Is(err, models.ErrNotFound) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		if m.PostID == nil && m.OwnerID != v.Actor.ID {
			return echo.ErrNotFound
		}
		if m.PostID != nil {
			if _, err := h.visiblePost(ctx, v, *m.PostID); err != nil {
				return err // 404 when the viewer may not see it
			}
		}
		key := m.FileKey
		if preview {
			key = m.PreviewKey
		}
		return h.media.Send(c, key, media.CachePrivate)
	}
}
