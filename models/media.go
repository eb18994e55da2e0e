package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Limits of uploaded photos: the one place the upload handlers check and
// the instance endpoint (configuration.media_attachments and
// configuration.statuses.max_media_attachments) reports, so that apps are
// told what the server accepts.
const (
	// MaxMediaAttachments is how many photos one post may carry, as on Mastodon.
	MaxMediaAttachments = 4
	// MaxImageBytes is the largest file an upload may be (Mastodon's 16 MB).
	MaxImageBytes = 16 << 20
	// MaxImagePixels is the most pixels (width × height) an uploaded
	// picture may declare, checked before its pixels are decoded: Mastodon's
	// image_matrix_limit, 7680 × 4320. A small file declaring more (a
	// decompression bomb) is refused unread.
	MaxImagePixels = 33_177_600
	// MaxMediaDescription is the longest alt text, in characters (Mastodon's).
	MaxMediaDescription = 1500
	// MaxProfileImageBytes is the largest avatar or header file.
	MaxProfileImageBytes = 8 << 20
)

// ImageTypes are the types an upload may be, told by its first bytes and
// never by its name or declared type. Whatever comes in is stored as JPEG
// (opaque) or PNG (with transparency).
func ImageTypes() []string {
	return []string{"image/jpeg", "image/png", "image/webp", "image/gif"}
}

// ErrMediaNotAttachable refuses media that is not the poster's own, is on
// another post, or is gone.
var ErrMediaNotAttachable = errors.New("media not found: attach your own uploads, not yet on another post")

// ErrTooManyMedia refuses more photos than MaxMediaAttachments.
var ErrTooManyMedia = fmt.Errorf("a post may have at most %d photos", MaxMediaAttachments)

// Media is a photo a local person uploaded: the stored picture and its
// preview (keys in the media store), what describes it, and the post
// that took it, if any.
type Media struct {
	ID            int64
	OwnerID       int64
	PostID        *int64
	FileKey       string
	PreviewKey    string
	ContentType   string
	Width         int
	Height        int
	FileSize      int64
	PreviewWidth  int
	PreviewHeight int
	Blurhash      string
	Description   string
	FocusX        float64 // -1 (left) to 1 (right)
	FocusY        float64 // -1 (bottom) to 1 (top)
	CreatedAt     time.Time
}

const mediaColumns = `m.id, m.owner_id, m.post_id, m.file_key, m.preview_key, m.content_type, m.width, m.height,
	m.file_size, m.preview_width, m.preview_height, m.blurhash, m.description, m.focus_x, m.focus_y, m.created_at`

func scanMedia(row pgx.Row) (*Media, error) {
	var m Media
	var fx, fy float32
	err := row.Scan(&m.ID, &m.OwnerID, &m.PostID, &m.FileKey, &m.PreviewKey, &m.ContentType, &m.Width, &m.Height,
		&m.FileSize, &m.PreviewWidth, &m.PreviewHeight, &m.Blurhash, &m.Description, &fx, &fy, &m.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	m.FocusX, m.FocusY = float64(fx), float64(fy)
	return &m, nil
}

// InsertMedia records an upload whose files are stored already.
func InsertMedia(ctx context.Context, db DB, m *Media) error {
	err := db.QueryRow(ctx, `INSERT INTO media (owner_id, file_key, preview_key, content_type, width, height, file_size,
			preview_width, preview_height, blurhash, description, focus_x, focus_y)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id, created_at`,
		m.OwnerID, m.FileKey, m.PreviewKey, m.ContentType, m.Width, m.Height, m.FileSize,
		m.PreviewWidth, m.PreviewHeight, m.Blurhash, m.Description, m.FocusX, m.FocusY).Scan(&m.ID, &m.CreatedAt)
	if err != nil {
		return fmt.Errorf("models: insert media: %w", err)
	}
	return nil
}

// MediaByID loads an upload.
func MediaByID(ctx context.Context, db DB, id int64) (*Media, error) {
	m, err := scanMedia(db.QueryRow(ctx, `SELECT `+mediaColumns+` FROM media m WHERE m.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: media by id: %w", err)
	}
	return m, err
}

// MediaByKey loads the upload one of whose files is stored under key.
func MediaByKey(ctx context.Context, db DB, key string) (*Media, error) {
	m, err := scanMedia(db.QueryRow(ctx, `SELECT `+mediaColumns+` FROM media m
		WHERE m.file_key = $1 OR m.preview_key = $1`, key))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: media by key: %w", err)
	}
	return m, err
}

// DescribeMedia sets an unattached upload's alt text and focal point, as
// Mastodon allows only before the upload is posted; ErrNotFound when it is
// not the owner's or is on a post already.
func DescribeMedia(ctx context.Context, db DB, id, ownerID int64, description string, focusX, focusY float64) (*Media, error) {
	m, err := scanMedia(db.QueryRow(ctx, `UPDATE media m SET description = $3, focus_x = $4, focus_y = $5
		WHERE m.id = $1 AND m.owner_id = $2 AND m.post_id IS NULL RETURNING `+mediaColumns,
		id, ownerID, description, focusX, focusY))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: describe media: %w", err)
	}
	return m, err
}

// ClaimMedia locks, in order, the uploads ids names for a post of ownerID:
// each must be the owner's and unattached, or on postID already (an
// edit). Anything else, a repeated id among them, or more than
// MaxMediaAttachments, refuses them all.
func ClaimMedia(ctx context.Context, tx pgx.Tx, ownerID, postID int64, ids []int64) ([]*Media, error) {
	if len(ids) > MaxMediaAttachments {
		return nil, ErrTooManyMedia
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+mediaColumns+` FROM media m
		WHERE m.id = ANY($1) AND m.owner_id = $2 AND (m.post_id IS NULL OR m.post_id = $3)
		ORDER BY m.id FOR UPDATE`, ids, ownerID, postID)
	if err != nil {
		return nil, fmt.Errorf("models: claim media: %w", err)
	}
	byID := map[int64]*Media{}
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("models: claim media: %w", err)
		}
		byID[m.ID] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: claim media: %w", err)
	}
	out := make([]*Media, 0, len(ids))
	for _, id := range ids {
		m, ok := byID[id]
		if !ok {
			return nil, ErrMediaNotAttachable
		}
		delete(byID, id) // a second mention of the same id finds nothing
		out = append(out, m)
	}
	return out, nil
}

// LinkMedia makes ids, in order, the uploads of a stored post, and lets go
// of those it had before and no longer has (they expire as unattached).
func LinkMedia(ctx context.Context, tx pgx.Tx, postID int64, ids []int64) error {
	if ids == nil {
		ids = []int64{} // NULL would match nothing, and detach nothing
	}
	if _, err := tx.Exec(ctx, `UPDATE media SET post_id = NULL, position = 0
		WHERE post_id = $1 AND NOT (id = ANY($2))`, postID, ids); err != nil {
		return fmt.Errorf("models: detach media: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE media m SET post_id = $1, position = ord.n
		FROM unnest($2::bigint[]) WITH ORDINALITY AS ord(id, n) WHERE m.id = ord.id`, postID, ids); err != nil {
		return fmt.Errorf("models: attach media: %w", err)
	}
	return nil
}

// ExpiredMedia removes, at most limit at a time, the uploads nobody will
// show again: unattached ones made before unattachedBefore, and those of
// deleted posts. It returns their storage keys, for the caller to delete
// the files once the rows are gone. Rows another transaction holds (a post
// taking them) are skipped.
func ExpiredMedia(ctx context.Context, db DB, unattachedBefore time.Time, limit int) ([]string, error) {
	rows, err := db.Query(ctx, `DELETE FROM media WHERE id IN (
			SELECT m.id FROM media m LEFT JOIN posts p ON p.id = m.post_id
			WHERE (m.post_id IS NULL AND m.created_at < $1) OR p.deleted_at IS NOT NULL
			ORDER BY m.id LIMIT $2 FOR UPDATE OF m SKIP LOCKED)
		RETURNING file_key, preview_key`, unattachedBefore, limit)
	return fileKeys(rows, err, "expired media")
}

// fileKeys collects the file and preview keys a DELETE … RETURNING gives.
func fileKeys(rows pgx.Rows, err error, what string) ([]string, error) {
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var file, preview string
		if err := rows.Scan(&file, &preview); err != nil {
			return nil, fmt.Errorf("models: %s: %w", what, err)
		}
		keys = append(keys, file, preview)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	return keys, nil
}

// DeleteUnattachedMedia removes uploads of ownerID that no post took and
// returns their storage keys, for the caller to delete the files.
func DeleteUnattachedMedia(ctx context.Context, db DB, ownerID int64, ids []int64) ([]string, error) {
	rows, err := db.Query(ctx, `DELETE FROM media WHERE id = ANY($1) AND owner_id = $2 AND post_id IS NULL
		RETURNING file_key, preview_key`, ids, ownerID)
	return fileKeys(rows, err, "delete media")
}
