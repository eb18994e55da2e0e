package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ErrBadFocus refuses a focal point that is not "x,y" with both from -1 to 1.
var ErrBadFocus = errors.New("media: focus is two numbers from -1 to 1, \"x,y\"")

// ErrDescriptionTooLong refuses alt text longer than models.MaxMediaDescription.
var ErrDescriptionTooLong = fmt.Errorf("media: a description may have at most %d characters", models.MaxMediaDescription)

// Library is where the web app and the client API put what people upload:
// it processes pictures, stores their files and records photos, in that
// order, so that a refused upload leaves nothing behind.
type Library struct {
	db     models.DB
	store  Store
	proc   *Processor
	urls   federation.URLs
	logger *slog.Logger
}

// NewLibrary returns the Library storing in store. At most two pictures
// are processed at once (the machines Village runs on have a few cores).
func NewLibrary(db models.DB, store Store, urls federation.URLs, logger *slog.Logger) *Library {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Library{db: db, store: store, proc: NewProcessor(2), urls: urls, logger: logger}
}

// Store is where the files are.
func (l *Library) Store() Store { return l.store }

// Focus is a focal point: x from -1 (left) to 1 (right), y from -1
// (bottom) to 1 (top), as Mastodon's.
type Focus struct{ X, Y float64 }

// ParseFocus reads Mastodon's "x,y"; "" is the centre.
func ParseFocus(s string) (Focus, error) {
	if strings.TrimSpace(s) == "" {
		return Focus{}, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return Focus{}, ErrBadFocus
	}
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if errX != nil || errY != nil || math.IsNaN(x) || math.IsNaN(y) || math.Abs(x) > 1 || math.Abs(y) > 1 {
		return Focus{}, ErrBadFocus
	}
	return Focus{X: x, Y: y}, nil
}

// CheckDescription refuses alt text that is too long.
func CheckDescription(s string) error {
	if utf8.RuneCountInString(s) > models.MaxMediaDescription {
		return ErrDescriptionTooLong
	}
	return nil
}

// SavePhoto processes an upload of ownerID and records it as an
// unattached photo with its alt text and focal point.
func (l *Library) SavePhoto(ctx context.Context, ownerID int64, data []byte, description string, focus Focus) (*models.Media, error) {
	description = strings.TrimSpace(description)
	if err := CheckDescription(description); err != nil {
		return nil, err
	}
	pic, err := l.proc.Process(ctx, data, Photo)
	if err != nil {
		return nil, err
	}
	fileKey, err := l.put(ctx, Photo, pic.Full)
	if err != nil {
		return nil, err
	}
	previewKey, err := l.put(ctx, Photo, *pic.Preview)
	if err != nil {
		l.remove(ctx, fileKey)
		return nil, err
	}
	m := &models.Media{OwnerID: ownerID, FileKey: fileKey, PreviewKey: previewKey, ContentType: pic.Full.ContentType,
		Width: pic.Full.Width, Height: pic.Full.Height, FileSize: int64(len(pic.Full.Body)),
		PreviewWidth: pic.Preview.Width, PreviewHeight: pic.Preview.Height, Blurhash: pic.Blurhash,
		Description: description, FocusX: focus.X, FocusY: focus.Y}
	if err := models.InsertMedia(ctx, l.db, m); err != nil {
		l.remove(ctx, fileKey, previewKey)
		return nil, err
	}
	return m, nil
}

// SaveProfilePicture processes an avatar or a header and stores it,
// returning its address; the caller makes it the profile's, and calls
// ForgetProfilePicture with it if that fails.
func (l *Library) SaveProfilePicture(ctx context.Context, k Kind, data []byte) (string, error) {
	pic, err := l.proc.Process(ctx, data, k)
	if err != nil {
		return "", err
	}
	key, err := l.put(ctx, k, pic.Full)
	if err != nil {
		return "", err
	}
	return l.urls.MediaFile(key), nil
}

// ForgetProfilePicture removes a profile picture's file by its address,
// when it is one of ours (a replaced avatar, say); anything else is left.
func (l *Library) ForgetProfilePicture(ctx context.Context, address string) {
	key, ok := l.urls.MediaKey(address)
	if ok && ValidKey(key) && !strings.HasPrefix(key, PhotosFolder+"/") {
		l.remove(ctx, key)
	}
}

// put stores an encoded picture under a fresh key of the kind's folder.
func (l *Library) put(ctx context.Context, k Kind, enc Encoded) (string, error) {
	key, err := newKey(k.folder(), enc.Ext)
	if err != nil {
		return "", err
	}
	if err := l.store.Put(ctx, key, enc.Body); err != nil {
		return "", err
	}
	return key, nil
}

// remove deletes files, logging what it cannot: a file left behind wastes
// space but shows nobody anything (no row points at it).
func (l *Library) remove(ctx context.Context, keys ...string) {
	for _, key := range keys {
		if err := l.store.Delete(context.WithoutCancel(ctx), key); err != nil {
			l.logger.WarnContext(ctx, "media: removing a file", "key", key, "error", err)
		}
	}
}

// DiscardPhotos removes uploads of ownerID that no post took (a compose
// form refused after its photos were stored), rows and files.
func (l *Library) DiscardPhotos(ctx context.Context, ownerID int64, ids []int64) {
	if len(ids) == 0 {
		return
	}
	keys, err := models.DeleteUnattachedMedia(context.WithoutCancel(ctx), l.db, ownerID, ids)
	if err != nil {
		l.logger.WarnContext(ctx, "media: discarding uploads", "error", err)
		return // they expire as unattached
	}
	l.remove(ctx, keys...)
}
