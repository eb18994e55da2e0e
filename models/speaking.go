package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Speaking safely: the topics a group asks a content warning for, and
// whether it takes anonymous posts.

// Limits of a group's sensitive topics.
const (
	MaxSensitiveTopics = 20
	MaxTopicKeywords   = 30
	MaxKeywordLength   = 100
)

// Errors of a group's sensitive topics, each an ErrInvalidGroup.
var (
	ErrTopicsTooMany   = fmt.Errorf("%w: name at most %d sensitive topics", ErrInvalidGroup, MaxSensitiveTopics)
	ErrTopicMalformed  = fmt.Errorf("%w: write each topic as \"name: keyword, keyword\"", ErrInvalidGroup)
	ErrTopicKeywordBad = fmt.Errorf("%w: a topic has at most %d keywords of at most %d characters", ErrInvalidGroup, MaxTopicKeywords, MaxKeywordLength)
)

// Topic is a subject a group asks members to put behind a content
// warning, and the words that show a post is about it.
type Topic struct {
	Name     string
	Keywords []string
}

// Speaking is a group's speaking settings.
type Speaking struct {
	Topics         []Topic
	AllowAnonymous bool
}

// TopicsText writes topics one a line, "name: keyword, keyword", as the
// settings form shows and ParseTopics reads them.
func TopicsText(topics []Topic) string {
	lines := make([]string, 0, len(topics))
	for _, t := range topics {
		lines = append(lines, t.Name+": "+strings.Join(t.Keywords, ", "))
	}
	return strings.Join(lines, "\n")
}

// ParseTopics reads topics written one a line as "name: keyword, keyword";
// a line without a colon is a topic whose one keyword is its name.
func ParseTopics(text string) ([]Topic, error) {
	var topics []Topic
	for _, line := range strings.Split(cleanText(text, true), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, words, found := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !found {
			words = name
		}
		if name == "" {
			return nil, ErrTopicMalformed
		}
		t := Topic{Name: name}
		for _, w := range strings.Split(words, ",") {
			if w = strings.Join(strings.Fields(w), " "); w != "" {
				if utf8.RuneCountInString(w) > MaxKeywordLength {
					return nil, ErrTopicKeywordBad
				}
				t.Keywords = append(t.Keywords, w)
			}
		}
		if len(t.Keywords) == 0 {
			return nil, ErrTopicMalformed
		}
		if len(t.Keywords) > MaxTopicKeywords || utf8.RuneCountInString(name) > MaxKeywordLength {
			return nil, ErrTopicKeywordBad
		}
		topics = append(topics, t)
	}
	if len(topics) > MaxSensitiveTopics {
		return nil, ErrTopicsTooMany
	}
	return topics, nil
}

// SpeakingOf loads a group's speaking settings (the defaults when it never
// set them: no topics, no anonymous posts).
func SpeakingOf(ctx context.Context, db DB, groupID int64) (Speaking, error) {
	var s Speaking
	var topics string
	err := db.QueryRow(ctx, `SELECT sensitive_topics, allow_anonymous FROM group_speaking WHERE group_id = $1`, groupID).
		Scan(&topics, &s.AllowAnonymous)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("models: speaking settings: %w", err)
	}
	// Stored topics were valid when saved; a line that no longer parses is skipped.
	s.Topics, _ = ParseTopics(topics)
	return s, nil
}

// SetSpeaking stores a group's speaking settings.
func SetSpeaking(ctx context.Context, db DB, groupID int64, s Speaking) error {
	_, err := db.Exec(ctx, `INSERT INTO group_speaking (group_id, sensitive_topics, allow_anonymous) VALUES ($1, $2, $3)
		ON CONFLICT (group_id) DO UPDATE SET sensitive_topics = $2, allow_anonymous = $3`,
		groupID, TopicsText(s.Topics), s.AllowAnonymous)
	if err != nil {
		return fmt.Errorf("models: save speaking settings: %w", err)
	}
	return nil
}

// TopicWithoutWarning is the first topic a post's plain text is about when
// it has no content warning; nil when the post may go as it is.
func TopicWithoutWarning(topics []Topic, plainText, warning string) *Topic {
	if strings.TrimSpace(warning) != "" {
		return nil
	}
	for i, t := range topics {
		for _, k := range t.Keywords {
			if ContainsKeyword(plainText, k, true) {
				return &topics[i]
			}
		}
	}
	return nil
}

// ContainsKeyword reports whether text says keyword, ignoring case and
// runs of white space; with wholeWord the match may not touch a letter,
// digit or underscore on either side ("loss" is not in "glossy").
func ContainsKeyword(text, keyword string, wholeWord bool) bool {
	k := strings.ToLower(strings.Join(strings.Fields(keyword), " "))
	if k == "" {
		return false
	}
	t := strings.ToLower(strings.Join(strings.Fields(text), " "))
	for from := 0; from <= len(t); {
		i := strings.Index(t[from:], k)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(k)
		if !wholeWord || (boundaryBefore(t, start) && boundaryAfter(t, end)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(t[start:])
		from = start + size
	}
	return false
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}

// WriterOf is who wrote a post: the member behind an anonymous post (for
// notifications meant for them alone), else its author.
func WriterOf(p *Post) int64 {
	if p.RealAuthorID != nil {
		return *p.RealAuthorID
	}
	return p.AuthorID
}

// AnonymousPost is a live anonymous post of a group with its writer, for
// the group's moderators only.
type AnonymousPost struct {
	PostID   int64
	Content  string
	WriterID int64
}

// AnonymousPosts lists a group's latest live anonymous posts, newest first.
func AnonymousPosts(ctx context.Context, db DB, groupID int64, limit int) ([]AnonymousPost, error) {
	rows, err := db.Query(ctx, `SELECT id, content, real_author_id FROM posts
		WHERE author_id = $1 AND real_author_id IS NOT NULL AND deleted_at IS NULL ORDER BY id DESC LIMIT $2`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("models: anonymous posts: %w", err)
	}
	defer rows.Close()
	var out []AnonymousPost
	for rows.Next() {
		var a AnonymousPost
		if err := rows.Scan(&a.PostID, &a.Content, &a.WriterID); err != nil {
			return nil, fmt.Errorf("models: anonymous posts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
