// Package compose turns what a member typed, in the web app or through the
// client API, into a post's HTML and tags: mentions resolved (remote handles
// by WebFinger) and linked, hashtags and links made.
package compose

import (
	"context"
	"net/url"
	"strings"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// Composer renders members' text.
type Composer struct {
	db       models.DB
	urls     federation.URLs
	resolver *federation.Resolver // nil: remote handles stay text
}

// New returns a Composer.
func New(db models.DB, urls federation.URLs, resolver *federation.Resolver) *Composer {
	return &Composer{db: db, urls: urls, resolver: resolver}
}

// Render turns a post's plain text into HTML and tags, resolving mentions
// (remote handles by WebFinger) first.
func (h *Composer) Render(ctx context.Context, text string) (string, []models.Tag, []*models.Actor) {
	resolved := map[string]*models.Actor{}
	var actors []*models.Actor
	for _, m := range content.ScanMentions(text) {
		key := strings.ToLower(m.Name + "@" + m.Host)
		if _, done := resolved[key]; done {
			continue
		}
		var a *models.Actor
		var err error
		if m.Host == "" || strings.EqualFold(m.Host, h.urls.Host()) {
			a, err = models.LocalActorByName(ctx, h.db, strings.ToLower(m.Name))
		} else if h.resolver != nil {
			a, err = h.resolver.Handle(ctx, "@"+m.Name+"@"+m.Host)
		}
		if err != nil || a == nil || a.IsSystemActor() {
			resolved[key] = nil
			continue
		}
		resolved[key] = a
		actors = append(actors, a)
	}
	r := content.Render(text, content.RenderOptions{BaseURL: h.urls.Base, ResolveMention: func(name, host string) string {
		if a := resolved[strings.ToLower(name+"@"+host)]; a != nil {
			return h.urls.Actor(a)
		}
		return ""
	}})
	var tags []models.Tag
	for _, m := range r.Mentions {
		a := resolved[strings.ToLower(m.Name+"@"+m.Host)]
		if a == nil {
			continue
		}
		name := "@" + a.Username
		if a.IsLocal() {
			name += "@" + h.urls.Host()
		} else {
			name += "@" + a.Domain
		}
		tags = append(tags, models.Tag{Type: "Mention", Href: h.urls.Actor(a), Name: name})
	}
	for _, t := range r.Tags {
		tags = append(tags, models.Tag{Type: "Hashtag", Href: h.urls.Base + "/tags/" + url.PathEscape(t), Name: "#" + t})
	}
	return r.HTML, tags, actors
}
