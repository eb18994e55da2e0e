package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// PostVersion is one version of a post as it was published: the original,
// an edit, or (last in a history) what it says now.
type PostVersion struct {
	Name        string
	Content     string
	Summary     string
	Sensitive   bool
	Attachments []Attachment
	CreatedAt   time.Time
}

// keepVersion stores a post's current version before an edit replaces it,
// unless the edit changes nothing a reader sees, or the post is empty (a
// tombstone brought back, whose text was gone).
func keepVersion(ctx context.Context, db DB, postID int64, name, content, summary string, sensitive bool, attachments []byte) error {
	_, err := db.Exec(ctx, `INSERT INTO post_versions (post_id, name, content, summary, sensitive, attachments, created_at)
		SELECT id, name, content, summary, sensitive, attachments, coalesce(edited_at, published_at) FROM posts
		WHERE id = $1 AND deleted_at IS NULL AND (content <> '' OR attachments::text <> '[]')
		  AND (name, content, summary, sensitive, attachments::text) IS DISTINCT FROM ($2, $3, $4, $5, $6::text)`,
		postID, name, content, summary, sensitive, string(attachments))
	if err != nil {
		return fmt.Errorf("models: keep post version: %w", err)
	}
	return nil
}

// PostHistory lists every version of a live post, oldest first, ending
// with the current one; a post never edited has that one alone.
func PostHistory(ctx context.Context, db DB, p *Post) ([]PostVersion, error) {
	rows, err := db.Query(ctx, `SELECT name, content, summary, sensitive, attachments, created_at
		FROM post_versions WHERE post_id = $1 ORDER BY created_at, id`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("models: post history: %w", err)
	}
	defer rows.Close()
	var out []PostVersion
	for rows.Next() {
		var v PostVersion
		var attachments []byte
		if err := rows.Scan(&v.Name, &v.Content, &v.Summary, &v.Sensitive, &attachments, &v.CreatedAt); err != nil {
			return nil, fmt.Errorf("models: post history: %w", err)
		}
		if err := json.Unmarshal(attachments, &v.Attachments); err != nil {
			return nil, fmt.Errorf("models: post history attachments: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: post history: %w", err)
	}
	current := PostVersion{Name: p.Name, Content: p.Content, Summary: p.Summary, Sensitive: p.Sensitive,
		Attachments: p.Attachments, CreatedAt: p.PublishedAt}
	if p.EditedAt != nil {
		current.CreatedAt = *p.EditedAt
	}
	return append(out, current), nil
}
