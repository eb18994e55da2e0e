// Package feeds serves what feed readers subscribe to: RSS 2.0 and Atom 1.0
// of a group's public posts (its discussions, top-level ones) and of a
// person's public posts, newest first. A members-only group has no feed.
package feeds

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// Format is RSS or Atom.
type Format int

// The formats.
const (
	RSS Format = iota
	Atom
)

// Handler serves the feeds.
type Handler struct {
	db        *pgxpool.Pool
	urls      federation.URLs
	sanitizer *content.Sanitizer // remote HTML passes it again
}

// New returns the feeds' handler.
func New(db *pgxpool.Pool, urls federation.URLs) *Handler {
	return &Handler{db: db, urls: urls, sanitizer: content.NewSanitizer()}
}

const (
	feedItems      = 20
	feedTitleRunes = 80
	feedMaxAge     = "public, max-age=300"
	feedNameRunes  = 300 // names are cut here, as on the pages
)

// feed is what both formats say, before encoding.
type feed struct {
	Title       string
	Description string
	Page        string // absolute URL of the HTML page
	Self        string // absolute URL of the feed itself
	AuthorName  string
	AuthorURI   string
	Updated     time.Time
	Items       []feedItem
}

type feedItem struct {
	ID        string // the post's id, also its link for local posts
	Link      string
	Title     string
	Author    string
	AuthorURI string
	HTML      string // sanitized
	Published time.Time
	Updated   time.Time
}

// GroupFeed serves a group's feed; members-only groups have none (404).
func (h *Handler) GroupFeed(format Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		g, err := models.GroupByName(ctx, h.db, c.Param("name"))
		if err != nil {
			return httperr.Lookup(err, "group")
		}
		if g.MembersOnly() {
			return echo.NewHTTPError(http.StatusNotFound, "group not found")
		}
		page := h.urls.Actor(g.Actor)
		f := feed{Title: g.Title, Description: g.Summary, Page: page, Self: page + "/feed" + format.ext(),
			AuthorName: g.Title, AuthorURI: page, Updated: g.CreatedAt}
		if f.Description == "" {
			f.Description = fmt.Sprintf(i18n.Text("feed.group"), g.Title, h.urls.Host())
		}
		posts, err := models.PublicPosts(ctx, h.db, models.PublicFilter{GroupID: g.Actor.ID, TopLevel: true, Limit: feedItems})
		if err != nil {
			return fmt.Errorf("feeds: group feed: %w", err)
		}
		return h.writeFeed(c, format, f, posts)
	}
}

// UserFeed serves a local person's feed.
func (h *Handler) UserFeed(format Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a, err := models.LocalActorByRef(ctx, h.db, false, false, c.Param("name"))
		if err != nil {
			return httperr.Lookup(err, "user")
		}
		name := content.CutRunes(a.ShownName(), feedNameRunes)
		page := h.urls.Actor(a)
		f := feed{Title: name + " (" + h.urls.Handle(a) + ")", Description: a.Summary, Page: page,
			Self: page + "/feed" + format.ext(), AuthorName: name, AuthorURI: page, Updated: a.CreatedAt}
		if f.Description == "" {
			f.Description = fmt.Sprintf(i18n.Text("feed.user"), name, h.urls.Host())
		}
		posts, err := models.PublicPosts(ctx, h.db, models.PublicFilter{AuthorID: a.ID, Limit: feedItems})
		if err != nil {
			return fmt.Errorf("feeds: user feed: %w", err)
		}
		return h.writeFeed(c, format, f, posts)
	}
}

func (f Format) ext() string {
	if f == Atom {
		return ".atom"
	}
	return ".rss"
}

// writeFeed fills the feed's items from posts and writes it.
func (h *Handler) writeFeed(c echo.Context, format Format, f feed, posts []*models.Post) error {
	for _, p := range posts {
		it := h.feedItem(p)
		if it.Updated.After(f.Updated) {
			f.Updated = it.Updated
		}
		f.Items = append(f.Items, it)
	}
	var doc any
	contentType := "application/rss+xml; charset=utf-8"
	if format == Atom {
		doc, contentType = atomDocument(f), "application/atom+xml; charset=utf-8"
	} else {
		doc = rssDocument(f)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		return fmt.Errorf("feeds: encode feed: %w", err)
	}
	c.Response().Header().Set("Cache-Control", feedMaxAge)
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// feedItem is one post of a feed. A content warning is the item's title
// and stands before the text, as on the pages.
func (h *Handler) feedItem(p *models.Post) feedItem {
	it := feedItem{ID: p.URI, Link: p.URI, Published: p.PublishedAt, Updated: p.PublishedAt}
	if !p.Local {
		if it.Link = content.WebURL(p.URL); it.Link == "" {
			it.Link = p.URI
		}
	}
	if p.EditedAt != nil {
		it.Updated = *p.EditedAt
	}
	if p.Author != nil {
		it.Author = content.CutRunes(p.Author.ShownName(), feedNameRunes) + " (" + h.urls.Handle(p.Author) + ")"
		it.AuthorURI = h.urls.Actor(p.Author)
	}
	it.HTML = h.sanitizer.Sanitize(p.Content)
	switch {
	case p.Summary != "":
		it.Title = p.Summary
		it.HTML = "<p><strong>" + xmlText(fmt.Sprintf(i18n.Text("post.cw"), p.Summary)) + "</strong></p>" + it.HTML
	case p.Name != "":
		it.Title = p.Name
	default:
		it.Title = content.Title(it.HTML, feedTitleRunes)
	}
	if it.Title == "" {
		it.Title = fmt.Sprintf(i18n.Text("post.title"), it.Author)
	}
	return it
}

// xmlText escapes text for HTML (the same rules serve both).
func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writing to a bytes.Buffer does not fail
	return b.String()
}

// RSS 2.0, with atom:link rel="self" and dc:creator as feed validators ask.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	DCNS    string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string      `xml:"title"`
	Link          string      `xml:"link"`
	Description   string      `xml:"description"`
	Self          rssAtomLink `xml:"atom:link"`
	LastBuildDate string      `xml:"lastBuildDate"`
	Generator     string      `xml:"generator"`
	Items         []rssItem   `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Creator     string  `xml:"dc:creator,omitempty"`
	Description string  `xml:"description"` // HTML, escaped by the encoder
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func rssDocument(f feed) rssDoc {
	ch := rssChannel{Title: f.Title, Link: f.Page, Description: f.Description,
		Self:          rssAtomLink{Href: f.Self, Rel: "self", Type: "application/rss+xml"},
		LastBuildDate: f.Updated.UTC().Format(time.RFC1123Z), Generator: i18n.Text("app.name")}
	for _, it := range f.Items {
		ch.Items = append(ch.Items, rssItem{Title: it.Title, Link: it.Link,
			GUID:    rssGUID{IsPermaLink: it.ID == it.Link, Value: it.ID},
			PubDate: it.Published.UTC().Format(time.RFC1123Z), Creator: it.Author, Description: it.HTML})
	}
	return rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", DCNS: "http://purl.org/dc/elements/1.1/", Channel: ch}
}

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Link      atomLink   `xml:"link"`
	Author    atomPerson `xml:"author"`
	Content   atomText   `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"` // HTML, escaped by the encoder
}

func atomDocument(f feed) atomFeed {
	out := atomFeed{ID: f.Self, Title: f.Title, Subtitle: f.Description, Updated: f.Updated.UTC().Format(time.RFC3339),
		Links:  []atomLink{{Href: f.Self, Rel: "self", Type: "application/atom+xml"}, {Href: f.Page, Rel: "alternate", Type: "text/html"}},
		Author: atomPerson{Name: f.AuthorName, URI: f.AuthorURI}, Generator: i18n.Text("app.name")}
	for _, it := range f.Items {
		e := atomEntry{ID: it.ID, Title: it.Title, Updated: it.Updated.UTC().Format(time.RFC3339),
			Published: it.Published.UTC().Format(time.RFC3339), Link: atomLink{Href: it.Link, Rel: "alternate", Type: "text/html"},
			Author: atomPerson{Name: it.Author, URI: it.AuthorURI}, Content: atomText{Type: "html", Body: it.HTML}}
		if e.Author.Name == "" {
			e.Author = out.Author
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}
