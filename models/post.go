package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Visibilities of posts, as Mastodon names them.
const (
	VisibilityPublicPost = "public"
	VisibilityUnlisted   = "unlisted"
	VisibilityPrivate    = "private" // followers only
	VisibilityDirect     = "direct"
)

// MaxPostLength is the longest post, in characters, as on Mastodon.
const MaxPostLength = 5000

// ErrGone means a post was deleted: its id answers with a tombstone.
var ErrGone = errors.New("gone")

// HasTag reports whether tags name href (a mention or a hashtag's page).
func HasTag(tags []Tag, href string) bool {
	for _, t := range tags {
		if t.Href == href {
			return true
		}
	}
	return false
}

// Attachment is a picture (or other file) a post shows: a remote one kept
// as a link with what its server said of it, or a local upload, whose
// MediaID names its row in media. Posts keep these in posts.attachments,
// so that every face shows them without a join.
type Attachment struct {
	URL       string `json:"url"`
	MediaType string `json:"mediaType,omitempty"`
	Name      string `json:"name,omitempty"` // alt text
	Type      string `json:"type,omitempty"` // Document, Image, Link...
	Blurhash  string `json:"blurhash,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	// Focus is the focal point, x and y from -1 to 1 (Mastodon's focalPoint).
	Focus *[2]float64 `json:"focalPoint,omitempty"`
	// Local uploads only: the row, and the preview's file and size.
	MediaID       int64  `json:"mediaId,omitempty"`
	PreviewURL    string `json:"previewUrl,omitempty"`
	PreviewWidth  int    `json:"previewWidth,omitempty"`
	PreviewHeight int    `json:"previewHeight,omitempty"`
}

// Tag is a Mention or a Hashtag of a post.
type Tag struct {
	Type string `json:"type"` // Mention or Hashtag
	Href string `json:"href"`
	Name string `json:"name"`
}

// Post is a Note (or Page, Article) written here or elsewhere.
type Post struct {
	ID              int64
	URI             string
	URL             string
	AuthorID        int64
	GroupID         *int64 // the group it was posted into (audience)
	InReplyToURI    string
	InReplyToID     *int64
	Type            string
	Name            string // a Page's title
	Content         string // sanitized HTML
	Source          string // what a member typed (local posts written since migration 015)
	Summary         string // content warning
	Sensitive       bool
	Language        string
	Visibility      string
	Attachments     []Attachment
	Tags            []Tag
	Local           bool
	PublishedAt     time.Time
	EditedAt        *time.Time
	DeletedAt       *time.Time
	LockedAt        *time.Time // a locked thread takes no new replies
	RealAuthorID    *int64     // an anonymous post's writer; AuthorID is then the group
	RelayOfID       *int64     // set on a group's followers-only copy of a member's post
	AppID           *int64     // the app it was written with; stored by InsertPost, read with PostApps
	Author          *Actor     // filled by the listing queries
	BoostedBy       *Actor     // set on timeline entries that are boosts
	BoostID         int64      // the boost's row id (timeline cursor) when BoostedBy is set
	RepliesCount    int
	LikesCount      int
	BoostsCount     int
	LikedByViewer   bool
	BoostedByViewer bool
	Viewer          ViewerMarks // what the viewer did with it (models.Posts fills it)
}

const postColumns = `p.id, p.uri, p.url, p.author_id, p.group_id, p.in_reply_to_uri, p.in_reply_to_id, p.type, p.name,
	p.content, p.summary, p.sensitive, p.language, p.visibility, p.attachments, p.tags, p.local,
	p.published_at, p.edited_at, p.deleted_at, p.locked_at, p.real_author_id, p.relay_of_id, p.source`

func scanPost(row pgx.Row, extra ...any) (*Post, error) {
	var p Post
	var attachments, tags []byte
	dest := []any{&p.ID, &p.URI, &p.URL, &p.AuthorID, &p.GroupID, &p.InReplyToURI, &p.InReplyToID, &p.Type, &p.Name,
		&p.Content, &p.Summary, &p.Sensitive, &p.Language, &p.Visibility, &attachments, &tags, &p.Local,
		&p.PublishedAt, &p.EditedAt, &p.DeletedAt, &p.LockedAt, &p.RealAuthorID, &p.RelayOfID, &p.Source}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal(attachments, &p.Attachments); err != nil {
		return nil, fmt.Errorf("models: post attachments: %w", err)
	}
	if err := json.Unmarshal(tags, &p.Tags); err != nil {
		return nil, fmt.Errorf("models: post tags: %w", err)
	}
	return &p, nil
}

// NextPostID reserves the id of a local post, whose URI contains it.
func NextPostID(ctx context.Context, db DB) (int64, error) {
	var id int64
	if err := db.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('posts', 'id'))`).Scan(&id); err != nil {
		return 0, fmt.Errorf("models: next post id: %w", err)
	}
	return id, nil
}

// InsertPost stores a post. A post whose URI is already stored is left as
// it is (a Create delivered twice, or after its Delete) and reported false.
func InsertPost(ctx context.Context, db DB, p *Post) (bool, error) {
	attachments, err := json.Marshal(nonNil(p.Attachments))
	if err != nil {
		return false, err
	}
	tags, err := json.Marshal(nonNil(p.Tags))
	if err != nil {
		return false, err
	}
	if p.PublishedAt.IsZero() {
		p.PublishedAt = time.Now()
	}
	id := any(nil)
	if p.ID != 0 {
		id = p.ID
	}
	// Replies that arrived before this post find their parent in the same
	// statement: one round trip on the inbox's hot path. (The update sees
	// the table as it was before the insert, which is all it needs.)
	err = db.QueryRow(ctx, `WITH ins AS (INSERT INTO posts (id, uri, url, author_id, group_id, in_reply_to_uri, in_reply_to_id, type, name,
			content, summary, sensitive, language, visibility, attachments, tags, local, published_at, real_author_id, relay_of_id,
			source, app_id)
		VALUES (coalesce($1, nextval(pg_get_serial_sequence('posts', 'id'))), $2, $3, $4, $5, $6,
			coalesce($7, (SELECT id FROM posts WHERE uri = nullif($6, ''))), $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
			$21, $22)
		ON CONFLICT (uri) DO NOTHING RETURNING id, uri, in_reply_to_id),
		linked AS (UPDATE posts SET in_reply_to_id = ins.id FROM ins
			WHERE posts.in_reply_to_uri = ins.uri AND posts.in_reply_to_uri <> '' AND posts.in_reply_to_id IS NULL)
		SELECT id, in_reply_to_id FROM ins`,
		id, p.URI, p.URL, p.AuthorID, p.GroupID, p.InReplyToURI, p.InReplyToID, p.Type, p.Name,
		p.Content, p.Summary, p.Sensitive, p.Language, p.Visibility, attachments, tags, p.Local, p.PublishedAt,
		p.RealAuthorID, p.RelayOfID, p.Source, p.AppID).
		Scan(&p.ID, &p.InReplyToID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("models: insert post: %w", err)
	}
	return true, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// UpdatePost replaces a post's content after an edit. The version it
// replaces is kept first (post_versions), when something a reader sees
// changed, so that the post's history shows every version.
func UpdatePost(ctx context.Context, db DB, p *Post) error {
	attachments, err := json.Marshal(nonNil(p.Attachments))
	if err != nil {
		return err
	}
	tags, err := json.Marshal(nonNil(p.Tags))
	if err != nil {
		return err
	}
	if err := keepVersion(ctx, db, p.ID, p.Name, p.Content, p.Summary, p.Sensitive, attachments); err != nil {
		return err
	}
	if err := notifyBoostersOfEdit(ctx, db, p); err != nil {
		return err
	}
	_, err = db.Exec(ctx, `UPDATE posts SET content = $2, summary = $3, sensitive = $4, name = $5, language = $6,
		attachments = $7, tags = $8, source = $9, edited_at = now() WHERE id = $1 AND deleted_at IS NULL`,
		p.ID, p.Content, p.Summary, p.Sensitive, p.Name, p.Language, attachments, tags, p.Source)
	if err != nil {
		return fmt.Errorf("models: update post: %w", err)
	}
	return nil
}

// TombstonePost marks a post deleted and empties it; its row stays so that
// its id answers 410. It reports whether the post was live.
func TombstonePost(ctx context.Context, db DB, id int64) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE posts SET deleted_at = now(), content = '', summary = '', name = '',
		attachments = '[]', tags = '[]' WHERE id = $1 AND deleted_at IS NULL`, id)
	if err != nil {
		return false, fmt.Errorf("models: delete post: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// PostByURI loads a post (live or tombstone) by its id.
func PostByURI(ctx context.Context, db DB, uri string) (*Post, error) {
	p, err := scanPost(db.QueryRow(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.uri = $1`, uri))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: post by uri: %w", err)
	}
	return p, err
}

// PostByID loads a post (live or tombstone) by its row id.
func PostByID(ctx context.Context, db DB, id int64) (*Post, error) {
	p, err := scanPost(db.QueryRow(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: post by id: %w", err)
	}
	return p, err
}
