package api

import (
	"context"
	"strconv"
	"strings"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
)

// apiStatus is Mastodon's Status entity.
type apiStatus struct {
	ID                 string         `json:"id"`
	URI                string         `json:"uri"`
	URL                string         `json:"url"`
	CreatedAt          string         `json:"created_at"`
	EditedAt           *string        `json:"edited_at"`
	Account            *apiAccount    `json:"account"`
	Content            string         `json:"content"`
	Visibility         string         `json:"visibility"`
	Sensitive          bool           `json:"sensitive"`
	SpoilerText        string         `json:"spoiler_text"`
	Language           *string        `json:"language"`
	InReplyToID        *string        `json:"in_reply_to_id"`
	InReplyToAccountID *string        `json:"in_reply_to_account_id"`
	Reblog             *apiStatus     `json:"reblog"`
	RepliesCount       int            `json:"replies_count"`
	ReblogsCount       int            `json:"reblogs_count"`
	FavouritesCount    int            `json:"favourites_count"`
	Favourited         bool           `json:"favourited"`
	Reblogged          bool           `json:"reblogged"`
	Muted              bool           `json:"muted"`
	Bookmarked         bool           `json:"bookmarked"`
	Pinned             *bool          `json:"pinned,omitempty"` // only on the viewer's own posts, as on Mastodon
	MediaAttachments   []apiMedia     `json:"media_attachments"`
	Mentions           []apiMention   `json:"mentions"`
	Tags               []apiTag       `json:"tags"`
	Emojis             []struct{}     `json:"emojis"`
	Card               *struct{}      `json:"card"`
	Poll               *apiPoll       `json:"poll"`
	Group              *apiAccount    `json:"group,omitempty"` // Village: the group it was posted into
	Application        map[string]any `json:"application,omitempty"`

	Filtered []apiFilterResult `json:"filtered"` // the viewer's warn filters it matches
}

type apiMention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type apiTag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

const apiTime = "2006-01-02T15:04:05.000Z"

// status renders a post as Mastodon's Status, for viewerID.
func (h *Handler) status(ctx context.Context, p *models.Post, viewerID int64) (*apiStatus, error) {
	acc, err := h.account(ctx, p.Author)
	if err != nil {
		return nil, err
	}
	s := &apiStatus{
		ID: strconv.FormatInt(p.ID, 10), URI: p.URI, URL: p.URL, CreatedAt: p.PublishedAt.UTC().Format(apiTime),
		Account: acc, Content: p.Content, Visibility: p.Visibility, Sensitive: p.Sensitive, SpoilerText: p.Summary,
		RepliesCount: p.RepliesCount, ReblogsCount: p.BoostsCount, FavouritesCount: p.LikesCount, Favourited: p.LikedByViewer, Reblogged: p.BoostedByViewer,
		Bookmarked: p.Viewer.Bookmarked, Muted: p.Viewer.Muted,
		MediaAttachments: []apiMedia{}, Mentions: []apiMention{}, Tags: []apiTag{}, Emojis: []struct{}{},
		Filtered: []apiFilterResult{},
	}
	if s.URL == "" {
		s.URL = p.URI
	}
	if viewerID == p.AuthorID { // Mastodon says pinned of the viewer's own posts only
		s.Pinned = &p.Viewer.Pinned
	}
	if p.Name != "" {
		// A Page (Lemmy) has a title; Mastodon shows the same in bold.
		s.Content = "<p><strong>" + htmlEscape(p.Name) + "</strong></p>" + s.Content
	}
	if p.Type == "Event" {
		s.Content += h.eventFactsHTML(ctx, p, viewerID) // a meetup: events.go
	}
	if p.EditedAt != nil {
		e := p.EditedAt.UTC().Format(apiTime)
		s.EditedAt = &e
	}
	if p.Language != "" {
		s.Language = &p.Language
	}
	if p.InReplyToID != nil {
		id := strconv.FormatInt(*p.InReplyToID, 10)
		s.InReplyToID = &id
		if parent, err := models.PostByID(ctx, h.db, *p.InReplyToID); err == nil {
			aid := strconv.FormatInt(parent.AuthorID, 10)
			s.InReplyToAccountID = &aid
		}
	}
	s.MediaAttachments = mediaOf(p.ID, p.Attachments)
	if s.Poll, err = h.pollEntity(ctx, p, viewerID); err != nil {
		return nil, err
	}
	for _, t := range p.Tags {
		switch t.Type {
		case "Mention":
			m := apiMention{URL: t.Href, Acct: strings.TrimPrefix(t.Name, "@")}
			m.Username, _, _ = strings.Cut(m.Acct, "@")
			if a, err := h.actorByURI(ctx, t.Href); err == nil {
				m.ID = strconv.FormatInt(a.ID, 10)
			}
			s.Mentions = append(s.Mentions, m)
		case "Hashtag":
			name := strings.ToLower(strings.TrimPrefix(t.Name, "#"))
			s.Tags = append(s.Tags, apiTag{Name: name, URL: h.urls.Base + "/tags/" + name})
		}
	}
	if p.GroupID != nil {
		if g, err := models.ActorByID(ctx, h.db, *p.GroupID); err == nil {
			if s.Group, err = h.account(ctx, g); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// mediaOf renders a post's attachments as Mastodon's MediaAttachments.
func mediaOf(postID int64, attachments []models.Attachment) []apiMedia {
	out := []apiMedia{}
	for i, a := range attachments {
		out = append(out, attachmentEntity(a, strconv.FormatInt(postID, 10)+"-"+strconv.Itoa(i)))
	}
	return out
}

// statuses renders timeline entries; a boost becomes a status whose reblog
// is the post, shown as shared by the booster (a group, often).
func (h *Handler) statuses(ctx context.Context, entries []models.Entry, viewerID int64) ([]*apiStatus, error) {
	ids := make([]int64, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.PostID)
	}
	posts, err := models.Posts(ctx, h.db, ids, viewerID)
	if err != nil {
		return nil, err
	}
	// A visitor sees only what public pages show: never a followers-only
	// post, nor one of a members-only group. A member is checked post by
	// post below.
	var seen *access.Viewer
	if viewerID == 0 {
		shown, err := models.VisiblePosts(ctx, h.db, ids)
		if err != nil {
			return nil, err
		}
		for id := range posts {
			if shown[id] == nil {
				delete(posts, id)
			}
		}
	} else {
		viewer, err := models.ActorByID(ctx, h.db, viewerID)
		if err != nil {
			return nil, err
		}
		seen = access.ForActor(h.db, h.urls, viewer)
	}
	apps, err := models.PostApps(ctx, h.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*apiStatus, 0, len(entries))
	for _, e := range entries {
		p, ok := posts[e.PostID]
		if !ok || p.DeletedAt != nil {
			continue
		}
		// Whatever list asked for it, a direct post shows only to those in
		// it, a followers-only one to the author's followers (or, in a
		// group, its members).
		if seen != nil && access.NotForEveryone(p) {
			if ok, err := seen.Can(ctx, p); err != nil || !ok {
				if err != nil {
					return nil, err
				}
				continue
			}
		}
		s, err := h.status(ctx, p, viewerID)
		if err != nil {
			return nil, err
		}
		if app, ok := apps[p.ID]; ok {
			s.Application = map[string]any{"name": app.Name, "website": nil}
			if app.Website != "" {
				s.Application["website"] = app.Website
			}
		}
		if e.BoosterID != 0 {
			booster, err := models.ActorByID(ctx, h.db, e.BoosterID)
			if err != nil {
				return nil, err
			}
			acc, err := h.account(ctx, booster)
			if err != nil {
				return nil, err
			}
			s = &apiStatus{ID: strconv.FormatInt(e.ID, 10), URI: s.URI, URL: s.URL, CreatedAt: s.CreatedAt,
				Account: acc, Visibility: s.Visibility, Reblog: s, MediaAttachments: []apiMedia{},
				Mentions: []apiMention{}, Tags: []apiTag{}, Emojis: []struct{}{}, Filtered: []apiFilterResult{}}
		}
		out = append(out, s)
	}
	return out, nil
}

func (h *Handler) actorByURI(ctx context.Context, uri string) (*models.Actor, error) {
	if ref, ok := h.urls.ParseLocalActor(uri); ok {
		return models.LocalActorByRef(ctx, h.db, ref.Instance, ref.Group, ref.Username)
	}
	return models.RemoteActorByURI(ctx, h.db, uri)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
