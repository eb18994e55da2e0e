package federation

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/village-social/village/models"
)

// ErrInvalidNote means an incoming post cannot be used.
var ErrInvalidNote = errors.New("federation: invalid post")

// postTypes are the object types stored as posts: Mastodon's Notes, the
// Pages and Articles of Lemmy-family servers and blogs, and meetups
// (Event, whose calendar side is read by EventFromObject).
var postTypes = map[string]bool{"Note": true, "Page": true, "Article": true, "Question": true, "Event": true}

// IsPostType reports whether an object type is stored as a post.
func IsPostType(t string) bool { return postTypes[t] }

// IncomingPost is a remote post read from its JSON, with its addressing.
type IncomingPost struct {
	Post      models.Post // Content not yet sanitized
	Author    string      // attributedTo
	To, Cc    []string
	Audience  string
	Mentioned []string     // hrefs of Mention tags
	Poll      *models.Poll // a Question's poll (question.go); PostID unset
}

// PostFromObject reads a Note, Page or Article. Its id must be on the
// author's origin; compacted JSON-LD (single values for lists) is accepted.
func PostFromObject(o Object) (*IncomingPost, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidNote, o.ID(), fmt.Sprintf(format, args...))
	}
	if !postTypes[o.Type()] {
		return nil, bad("type %q is not a post", o.Type())
	}
	id, author := o.ID(), o.Ref("attributedTo")
	if id == "" || author == "" {
		return nil, bad("id and attributedTo are required")
	}
	if !SameOrigin(id, author) {
		return nil, bad("id is not on its author's origin")
	}
	in := &IncomingPost{Author: author, To: o.Refs("to"), Cc: o.Refs("cc"), Audience: o.Ref("audience")}
	p := &in.Post
	p.URI = id
	p.Type = o.Type()
	p.URL = httpURL(urlOf(o))
	p.InReplyToURI = o.Ref("inReplyTo")
	p.Name = truncate(o.String("name"), 500)
	p.Content = o.String("content")
	if p.Content == "" {
		p.Content, p.Language = firstOfMap(o["contentMap"])
	} else if _, lang := firstOfMap(o["contentMap"]); lang != "" {
		p.Language = lang
	}
	p.Language, _ = models.Language(p.Language) // a language tag we cannot name is no language
	p.Summary = truncate(o.String("summary"), 1000)
	p.Sensitive = o.Bool("sensitive") || p.Summary != ""
	if t, err := time.Parse(time.RFC3339, o.String("published")); err == nil {
		p.PublishedAt = t
	} else {
		p.PublishedAt = time.Now()
	}
	p.Visibility = visibility(in.To, in.Cc)
	if p.Type == "Question" {
		poll, err := PollFromQuestion(o, time.Now())
		if err != nil {
			return nil, err
		}
		in.Poll = poll
		if poll == nil {
			p.Type = "Note" // a Question without options is a plain post
		}
	}
	for _, t := range objects(o["tag"]) {
		switch t.Type() {
		case "Mention":
			if href := t.Ref("href"); href != "" {
				p.Tags = append(p.Tags, models.Tag{Type: "Mention", Href: href, Name: t.String("name")})
				in.Mentioned = append(in.Mentioned, href)
			}
		case "Hashtag":
			p.Tags = append(p.Tags, models.Tag{Type: "Hashtag", Href: httpURL(t.Ref("href")), Name: t.String("name")})
		}
	}
	for _, a := range objects(o["attachment"]) {
		u := httpURL(a.Ref("url"))
		if u == "" {
			u = httpURL(a.Ref("href")) // Lemmy sends attachments as Links
		}
		if u == "" {
			continue
		}
		p.Attachments = append(p.Attachments, attachmentFrom(a, u))
	}
	if len(p.Attachments) > 16 {
		p.Attachments = p.Attachments[:16]
	}
	return in, nil
}

// urlOf reads url, which may be a string, a Link, or a list of either.
func urlOf(o Object) string {
	switch v := o["url"].(type) {
	case []any:
		for _, x := range v {
			if m, ok := x.(map[string]any); ok {
				mt, _ := m["mediaType"].(string)
				if mt == "" || strings.HasPrefix(mt, "text/html") {
					return refOf(m)
				}
				continue
			}
			return refOf(x)
		}
	}
	return o.Ref("url")
}

// objects reads a property holding one object or a list of them.
func objects(v any) []Object {
	switch x := v.(type) {
	case map[string]any:
		return []Object{x}
	case []any:
		out := make([]Object, 0, len(x))
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func firstOfMap(v any) (value, key string) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", ""
	}
	for k, x := range m {
		if s, ok := x.(string); ok {
			return s, k
		}
	}
	return "", ""
}

// visibility derives Mastodon's visibility from addressing.
func visibility(to, cc []string) string {
	switch {
	case IsPublic(to):
		return models.VisibilityPublicPost
	case IsPublic(cc):
		return models.VisibilityUnlisted
	}
	for _, r := range append(append([]string{}, to...), cc...) {
		if strings.HasSuffix(r, "/followers") {
			return models.VisibilityPrivate
		}
	}
	return models.VisibilityDirect
}

// attachmentFrom reads what a remote attachment says of itself: its type
// (to show, never to serve: we link to the file), alt text, blurhash,
// size and focal point, each kept only when it is sensible.
func attachmentFrom(a Object, u string) models.Attachment {
	out := models.Attachment{URL: u, MediaType: truncate(a.String("mediaType"), 100),
		Name: truncate(a.String("name"), models.MaxMediaDescription*4), Type: truncate(a.Type(), 50)}
	if h := a.String("blurhash"); len(h) >= 6 && len(h) <= 100 && isBlurhash(h) {
		out.Blurhash = h
	}
	w, wok := a["width"].(float64)
	h, hok := a["height"].(float64)
	if wok && hok && w >= 1 && h >= 1 && w <= 100_000 && h <= 100_000 {
		out.Width, out.Height = int(w), int(h)
	}
	if fp, ok := a["focalPoint"].([]any); ok && len(fp) == 2 {
		x, xok := fp[0].(float64)
		y, yok := fp[1].(float64)
		if xok && yok && x >= -1 && x <= 1 && y >= -1 && y <= 1 {
			out.Focus = &[2]float64{x, y}
		}
	}
	return out
}

// isBlurhash reports whether s uses only the base-83 alphabet of blurhashes.
func isBlurhash(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~", r) {
			return false
		}
	}
	return true
}
