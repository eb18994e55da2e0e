package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/media"
)

// apiMedia is Mastodon's MediaAttachment entity.
type apiMedia struct {
	ID               string        `json:"id"`
	Type             string        `json:"type"`
	URL              string        `json:"url"`
	PreviewURL       *string       `json:"preview_url"`
	RemoteURL        *string       `json:"remote_url"`
	PreviewRemoteURL *string       `json:"preview_remote_url"`
	TextURL          *string       `json:"text_url"`
	Meta             *apiMediaMeta `json:"meta"`
	Description      *string       `json:"description"`
	Blurhash         *string       `json:"blurhash"`
}

type apiMediaMeta struct {
	Original *apiMediaSize `json:"original,omitempty"`
	Small    *apiMediaSize `json:"small,omitempty"`
	Focus    *apiFocus     `json:"focus,omitempty"`
}

type apiMediaSize struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"` // "640x480", as Mastodon writes it
	Aspect float64 `json:"aspect"`
}

type apiFocus struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

func mediaSize(w, h int) *apiMediaSize {
	if w <= 0 || h <= 0 {
		return nil
	}
	return &apiMediaSize{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h), Aspect: float64(w) / float64(h)}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// attachmentEntity is one of a post's attachments as Mastodon shows it. A
// local upload is served here; a remote file is linked where it lives
// (url and remote_url alike), its type told by what its server says only
// to choose how an app shows it.
func attachmentEntity(a models.Attachment, id string) apiMedia {
	out := apiMedia{ID: id, Type: mediaKind(a.MediaType), URL: a.URL, Description: optional(a.Name),
		Blurhash: optional(a.Blurhash), Meta: &apiMediaMeta{Original: mediaSize(a.Width, a.Height)}}
	if a.MediaID != 0 {
		out.ID = strconv.FormatInt(a.MediaID, 10)
		out.PreviewURL = optional(a.PreviewURL)
		out.Meta.Small = mediaSize(a.PreviewWidth, a.PreviewHeight)
	} else {
		out.RemoteURL, out.PreviewURL = optional(a.URL), optional(a.URL)
	}
	if a.Focus != nil {
		out.Meta.Focus = &apiFocus{X: a.Focus[0], Y: a.Focus[1]}
	}
	return out
}

// mediaKind is Mastodon's attachment type for a media type.
func mediaKind(mediaType string) string {
	switch {
	case strings.HasPrefix(mediaType, "image/"):
		return "image"
	case strings.HasPrefix(mediaType, "video/"):
		return "video"
	case strings.HasPrefix(mediaType, "audio/"):
		return "audio"
	}
	return "unknown"
}

// mediaEntity is an upload of the token's account, as upload and GET show it.
func (h *Handler) mediaEntity(m *models.Media) apiMedia {
	return attachmentEntity(h.urls.LocalAttachment(m), strconv.FormatInt(m.ID, 10))
}

// UploadMedia answers POST /api/v1/media and /api/v2/media (multipart:
// file, description, focus). The picture is processed before the answer,
// so both answer 200 with the finished attachment (Mastodon's v2 answers
// 202 while it processes; apps take either). A refused upload stores
// nothing.
func (h *Handler) UploadMedia(c echo.Context) error {
	me := currentAccount(c).Actor
	if h.media == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "This server takes no uploads")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
	}
	if fh.Size > models.MaxImageBytes {
		return mediaRefusal(media.ErrTooLarge)
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("api: upload: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, models.MaxImageBytes+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("api: upload: %w", err)
	}
	focus, err := media.ParseFocus(c.FormValue("focus"))
	if err != nil {
		return mediaRefusal(err)
	}
	m, err := h.media.SavePhoto(c.Request().Context(), me.ID, data, c.FormValue("description"), focus)
	if err != nil {
		return mediaRefusal(err)
	}
	return c.JSON(http.StatusOK, h.mediaEntity(m))
}

// ownMedia loads an upload of the token's account named by :id.
func (h *Handler) ownMedia(c echo.Context) (*models.Media, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	m, err := models.MediaByID(c.Request().Context(), h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && m.OwnerID != currentAccount(c).Actor.ID) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return m, err
}

// GetMedia answers GET /api/v1/media/:id: one's own upload, ready (200)
// from the start, for apps that poll after a v2 upload.
func (h *Handler) GetMedia(c echo.Context) error {
	m, err := h.ownMedia(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.mediaEntity(m))
}

// UpdateMedia answers PUT /api/v1/media/:id (description, focus) for an
// upload not yet posted, as Mastodon allows: a posted one is 404.
func (h *Handler) UpdateMedia(c echo.Context) error {
	m, err := h.ownMedia(c)
	if err != nil {
		return err
	}
	var f struct {
		Description *string `form:"description" json:"description"`
		Focus       *string `form:"focus" json:"focus"`
	}
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the media")
	}
	description, focus := m.Description, media.Focus{X: m.FocusX, Y: m.FocusY}
	if f.Description != nil {
		description = strings.TrimSpace(*f.Description)
		if err := media.CheckDescription(description); err != nil {
			return mediaRefusal(err)
		}
	}
	if f.Focus != nil {
		if focus, err = media.ParseFocus(*f.Focus); err != nil {
			return mediaRefusal(err)
		}
	}
	updated, err := models.DescribeMedia(c.Request().Context(), h.db, m.ID, m.OwnerID, description, focus.X, focus.Y)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.mediaEntity(updated))
}

// mediaRefusal is Mastodon's 422 for an upload refused, with the reason;
// other errors are ours (500).
func mediaRefusal(err error) error {
	switch {
	case errors.Is(err, media.ErrNotImage):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: File content type is invalid (JPEG, PNG, WebP or GIF pictures only)")
	case errors.Is(err, media.ErrDamaged):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: File could not be read as a picture")
	case errors.Is(err, media.ErrTooLarge):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: File file size must be less than %d MB", models.MaxImageBytes>>20))
	case errors.Is(err, media.ErrTooManyPixels):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: File dimensions are too large (at most %d pixels)", models.MaxImagePixels))
	case errors.Is(err, media.ErrBadFocus):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Focus must be two numbers from -1 to 1, \"x,y\"")
	case errors.Is(err, media.ErrDescriptionTooLong):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Description is too long (at most %d characters)", models.MaxMediaDescription))
	}
	return err
}
