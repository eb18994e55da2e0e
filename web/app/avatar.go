package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoders image.Decode picks from
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// Limits of a profile picture upload.
const (
	maxAvatarBytes = 8 << 20 // the file itself
	// AvatarBodyLimit is the request body limit of POST /settings/avatar:
	// the file and the multipart envelope around it.
	AvatarBodyLimit  = "8200K"
	maxAvatarSide    = 4096 // pixels, either way, of what is uploaded
	avatarSide       = 400  // pixels, either way, of what is stored
	AvatarUploadPath = "/settings/avatar"
	AvatarsPath      = "/media/avatars/"
)

var (
	errAvatarType       = errors.New("not a JPEG, PNG or GIF image")
	errAvatarDimensions = fmt.Errorf("image larger than %dx%d pixels", maxAvatarSide, maxAvatarSide)
	avatarFileRE        = regexp.MustCompile(`^[0-9a-f]{32}\.(png|jpg)$`)
)

// SaveAvatar answers POST /settings/avatar: it decodes the picture, shrinks
// it and encodes it again from its pixels alone (so no EXIF, GPS or other
// metadata survives), stores it under MediaDir/avatars, makes it the
// person's icon and tells their followers elsewhere.
func (h *Handler) SaveAvatar(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings")
	if v == nil {
		return err
	}
	if h.mediaDir == "" {
		return echo.ErrNotFound
	}
	d := h.settingsData(v)
	refuse := func(key string) error {
		d.AvatarError = i18n.Text(key)
		return h.page(c, http.StatusUnprocessableEntity, "settings", i18n.Text("settings.title"), d)
	}
	fh, err := c.FormFile("avatar")
	if err != nil {
		return refuse("settings.avatar.error.missing")
	}
	if fh.Size > maxAvatarBytes {
		return refuse("settings.avatar.error.size")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxAvatarBytes+1))
	f.Close()
	if err != nil {
		return err
	}
	if len(data) > maxAvatarBytes {
		return refuse("settings.avatar.error.size")
	}
	img, err := decodeAvatar(data)
	switch {
	case errors.Is(err, errAvatarDimensions):
		return refuse("settings.avatar.error.dimensions")
	case err != nil:
		return refuse("settings.avatar.error.type")
	}
	body, ext, err := encodeAvatar(scaleToFit(img, avatarSide))
	if err != nil {
		return fmt.Errorf("web: encode avatar: %w", err)
	}
	name, err := h.writeAvatar(body, ext)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := models.SetLocalActorIcon(ctx, h.db, v.Actor.ID, h.urls.Base+AvatarsPath+name); err != nil {
		os.Remove(filepath.Join(h.mediaDir, "avatars", name))
		return fmt.Errorf("web: set avatar: %w", err)
	}
	if old, ok := strings.CutPrefix(v.Actor.IconURL, h.urls.Base+AvatarsPath); ok && avatarFileRE.MatchString(old) && old != name {
		if err := os.Remove(filepath.Join(h.mediaDir, "avatars", old)); err != nil && !errors.Is(err, os.ErrNotExist) {
			h.logger.Warn("removing old avatar", "file", old, "error", err)
		}
	}
	if err := h.profileUpdated(ctx, v.Actor.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?saved=avatar")
}

// profileUpdated sends the person's new actor document to their remote
// followers (no-op without an outbox, as in tests of the plain web layer).
func (h *Handler) profileUpdated(ctx context.Context, actorID int64) error {
	if h.outbox == nil {
		return nil
	}
	return h.outbox.ProfileUpdated(ctx, actorID)
}

// decodeAvatar accepts only what sniffs as JPEG, PNG or GIF (a GIF's first
// frame), and checks the size in the header before decoding the pixels.
func decodeAvatar(data []byte) (image.Image, error) {
	switch http.DetectContentType(data) {
	case "image/jpeg", "image/png", "image/gif":
	default:
		return nil, errAvatarType
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errAvatarType
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errAvatarType
	}
	if cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide {
		return nil, errAvatarDimensions
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errAvatarType
	}
	return img, nil
}

// scaleToFit shrinks img to fit in side×side, keeping its aspect ratio, by
// averaging each destination pixel's area of the source (premultiplied, so
// transparent pixels do not darken edges). Smaller images keep their size.
func scaleToFit(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	sw, sh := b.Dx(), b.Dy()
	dw, dh := sw, sh
	if sw > side || sh > side {
		if sw >= sh {
			dw, dh = side, max(1, (sh*side+sw/2)/sw)
		} else {
			dw, dh = max(1, (sw*side+sh/2)/sh), side
		}
	}
	if dw == sw && dh == sh {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		y0, y1 := dy*sh/dh, max((dy+1)*sh/dh, dy*sh/dh+1)
		for dx := range dw {
			x0, x1 := dx*sw/dw, max((dx+1)*sw/dw, dx*sw/dw+1)
			var r, g, bl, a, n uint64
			for y := y0; y < y1; y++ {
				row := src.Pix[y*src.Stride+x0*4 : y*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					r += uint64(row[i])
					g += uint64(row[i+1])
					bl += uint64(row[i+2])
					a += uint64(row[i+3])
				}
				n += uint64(x1 - x0)
			}
			o := dst.PixOffset(dx, dy)
			dst.Pix[o] = uint8((r + n/2) / n)
			dst.Pix[o+1] = uint8((g + n/2) / n)
			dst.Pix[o+2] = uint8((bl + n/2) / n)
			dst.Pix[o+3] = uint8((a + n/2) / n)
		}
	}
	return dst
}

// encodeAvatar writes opaque pictures as JPEG (quality 85) and the others
// as PNG, from the pixels alone.
func encodeAvatar(img *image.RGBA) ([]byte, string, error) {
	var buf bytes.Buffer
	if img.Opaque() {
		err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
		return buf.Bytes(), ".jpg", err
	}
	err := png.Encode(&buf, img)
	return buf.Bytes(), ".png", err
}

// writeAvatar stores an encoded picture under a fresh random name.
func (h *Handler) writeAvatar(body []byte, ext string) (string, error) {
	dir := filepath.Join(h.mediaDir, "avatars")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("web: avatar folder: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	name := hex.EncodeToString(b[:]) + ext
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("web: write avatar: %w", err)
	}
	_, err = f.Write(body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("web: write avatar: %w", err)
	}
	return name, nil
}

// AvatarFile answers GET /media/avatars/:file with a stored picture. Names
// are random and never reused, so the file may be cached for good.
func (h *Handler) AvatarFile(c echo.Context) error {
	name := c.Param("file")
	if h.mediaDir == "" || !avatarFileRE.MatchString(name) {
		return echo.ErrNotFound
	}
	f, err := os.Open(filepath.Join(h.mediaDir, "avatars", name))
	if errors.Is(err, os.ErrNotExist) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	w := c.Response()
	ct := "image/png"
	if strings.HasSuffix(name, ".jpg") {
		ct = "image/jpeg"
	}
	w.Header().Set(echo.HeaderContentType, ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, c.Request(), name, st.ModTime(), f)
	return nil
}
