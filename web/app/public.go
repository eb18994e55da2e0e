package app

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// The public pages: what anyone sees without an account. Pages stay far
// below 100 KB: lists are short, and post HTML shown in full is bounded by a
// budget per page, past which posts show as short plain-text excerpts.
const (
	postsPerPage       = 20       // posts of a group page or profile
	homeGroups         = 6        // groups the home page shows
	directoryLimit     = 60       // groups one directory search lists (pages stay small)
	nearbyRadiusKm     = 50       // a place search also finds groups this close to the place
	maxQueryRunes      = 100      // longer search terms are cut
	pageContentBudget  = 32 << 10 // bytes of post HTML one page shows in full
	maxFullPostBytes   = 6 << 10  // a longer post shows as an excerpt in lists
	excerptRunes       = 280      // length of a post's excerpt
	summaryExcerptRune = 200      // length of a group's summary in the directory
	snippetRunes       = 100      // length of a group's latest post in the directory
	threadReplyLimit   = 40       // replies a thread page shows
	maxLabelRunes      = 300      // names, titles and content warnings are cut here
	maxAttachments     = 4        // attachments shown per post
)

// actorLink is how a page names and links an actor.
type actorLink struct {
	Name   string // display name, or the username
	Handle string // @name@host
	URL    string // its page here
}

// linkActor names an actor and links its page here: a local person's or
// group's own URL, the cached profile of a remote actor.
func (h *Handler) linkActor(a *models.Actor) actorLink {
	l := actorLink{Name: a.DisplayName, Handle: h.urls.Handle(a)}
	switch {
	case !a.IsLocal():
		l.URL = "/" + l.Handle
	case a.Type == models.ActorGroup:
		l.URL = "/groups/" + a.Username
	case a.Type == models.ActorApplication:
		l.URL = "/actor"
		if l.Name == "" {
			l.Name = h.urls.Host()
		}
	case a.Type == models.ActorService:
		l.URL = strings.TrimPrefix(h.urls.Actor(a), h.urls.Base)
		l.Name = "Reports from " + h.urls.InstanceActorUsername()
	default:
		l.URL = "/users/" + a.Username
	}
	if strings.TrimSpace(l.Name) == "" {
		l.Name = a.Username
	}
	l.Name = content.CutRunes(l.Name, maxLabelRunes)
	return l
}

// localPath turns one of our URLs into a path (shorter pages, and links
// that work on whatever address the page was reached by).
func (h *Handler) localPath(uri string) string {
	if h.urls.IsLocal(uri) {
		if p := strings.TrimPrefix(uri, h.urls.Base); p != "" {
			return p
		}
		return "/"
	}
	return uri
}

// postLink is where a reader goes to read a post: its page here when it
// is local, else its page (or, lacking one, its id) where it came from.
func (h *Handler) postLink(p *models.Post) string {
	if p.Local {
		return h.localPath(p.URI)
	}
	if u := content.WebURL(p.URL); u != "" {
		return u
	}
	return content.WebURL(p.URI)
}

// postView is a post as a page shows it.
type postView struct {
	ID           int64
	URL          string // its page here (local posts) or where it came from
	Local        bool
	Author       actorLink
	GroupName    string
	GroupURL     string
	Title        string // a Page's (Lemmy post's) name
	Warning      string // content warning: the post shows folded under it
	Content      string // sanitized HTML, shown with safe; empty when Excerpt is set
	Excerpt      string // plain text, when the post is too long for this page
	Attachments  []attachmentView
	Sensitive    bool // its photos show only once opened (without a warning, which hides all)
	Published    time.Time
	PublishedISO string
	Edited       bool
	Replies      int
	Current      bool // the post the page is about
	Depth        int  // indentation in a thread, 0–4
	Poll         *pollView
}

// postViews builds postViews for one page. Every post's HTML passes the
// sanitizer again: what was stored was cleaned already, and this makes
// sure a page never carries markup that slipped into the database.
type postViews struct {
	h      *Handler
	groups map[int64]*models.Actor
	budget int
	// inGroup is the group whose page lists the posts: they need not say
	// where they were posted.
	inGroup int64
	// The posts' polls, and the viewer's choices in them (polls.go).
	polls    map[int64]*models.Poll
	ownVotes map[int64][]int
}

// newPostViews loads what the posts' views need besides the posts (the
// groups they were posted into).
func (h *Handler) newPostViews(ctx context.Context, posts []*models.Post) (*postViews, error) {
	var ids []int64
	for _, p := range posts {
		if p.GroupID != nil && *p.GroupID != p.AuthorID {
			ids = append(ids, *p.GroupID)
		}
	}
	groups, err := models.ActorsByID(ctx, h.db, ids)
	if err != nil {
		return nil, fmt.Errorf("web: groups of posts: %w", err)
	}
	views := &postViews{h: h, groups: groups, budget: pageContentBudget}
	return views, views.loadPolls(ctx, posts)
}

// view makes one post's view; full shows its whole content whatever the
// budget (the post a page is about).
func (v *postViews) view(p *models.Post, full bool) postView {
	h := v.h
	pv := postView{ID: p.ID, Local: p.Local, Title: content.CutRunes(p.Name, maxLabelRunes), Warning: content.CutRunes(p.Summary, maxLabelRunes), Replies: p.RepliesCount,
		Published: p.PublishedAt, PublishedISO: p.PublishedAt.UTC().Format(time.RFC3339), Edited: p.EditedAt != nil}
	pv.URL = h.postLink(p)
	if p.Author != nil {
		pv.Author = h.linkActor(p.Author)
	}
	if p.GroupID != nil && *p.GroupID != v.inGroup {
		if g := v.groups[*p.GroupID]; g != nil {
			l := h.linkActor(g)
			pv.GroupName, pv.GroupURL = l.Name, l.URL
		}
	}
	for _, a := range p.Attachments {
		if av, ok := h.attachmentView(p, a); ok && len(pv.Attachments) < maxAttachments {
			pv.Attachments = append(pv.Attachments, av)
		}
	}
	pv.Sensitive = p.Sensitive && pv.Warning == "" && len(pv.Attachments) > 0
	if poll := v.polls[p.ID]; poll != nil {
		pv.Poll = pollViewOf(poll, time.Now())
	}
	clean := h.sanitizer.Sanitize(p.Content)
	if full || (len(clean) <= maxFullPostBytes && len(clean) <= v.budget) {
		pv.Content = clean
		v.budget -= len(clean)
	} else {
		pv.Excerpt = excerpt(content.PlainText(clean), excerptRunes)
	}
	return pv
}

// paragraphs splits plain text into paragraphs at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// excerpt cuts plain text to at most n runes, at a word boundary when
// there is one, with an ellipsis when cut.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := len(r)
	for i := len(r) - 1; i > n/2; i-- {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// groupCard is a group in a list (home, directory).
type groupCard struct {
	URL         string
	Title       string
	Handle      string
	Location    string
	MembersOnly bool
	Members     int
	Distance    string // "3.2", in km, when known
	Summary     string // a short plain-text excerpt
	Latest      *snippet
}

// snippet is a group's latest post in a list: a line of text and a link.
type snippet struct {
	Text         string
	URL          string
	Published    time.Time
	PublishedISO string
}

func (h *Handler) groupCards(listings []models.GroupListing) []groupCard {
	out := make([]groupCard, 0, len(listings))
	for _, l := range listings {
		g := l.Group
		c := groupCard{URL: "/groups/" + g.Actor.Username, Title: g.Title,
			Handle: "@" + g.Actor.Username + "@" + h.urls.Host(), Location: g.Location,
			MembersOnly: g.MembersOnly(), Summary: excerpt(g.Summary, summaryExcerptRune)}
		if !c.MembersOnly {
			c.Members = l.Members
		}
		if l.DistanceKm != nil {
			c.Distance = formatKm(*l.DistanceKm)
		}
		if p := l.Latest; p != nil && !c.MembersOnly {
			text := p.Summary // a content warning stands for the post
			if text == "" {
				text = p.Name
			}
			if text == "" {
				text = content.Title(h.sanitizer.Sanitize(p.Content), snippetRunes)
			}
			c.Latest = &snippet{Text: excerpt(text, snippetRunes), URL: h.postLink(p),
				Published: p.PublishedAt, PublishedISO: p.PublishedAt.UTC().Format(time.RFC3339)}
		}
		out = append(out, c)
	}
	return out
}

// formatKm writes a distance: one decimal below 10 km, whole km above.
func formatKm(km float64) string {
	if km < 10 {
		return strconv.FormatFloat(km, 'f', 1, 64)
	}
	return strconv.FormatFloat(km, 'f', 0, 64)
}

// homeData is the home page.
type homeData struct {
	Name        string   // the instance's name, set by its admin; the host when unset
	Description []string // its description, in paragraphs
	Contact     string
	Groups      []groupCard
	More        bool // there are more groups than shown
}

// HomePage shows what this instance is, a few of its groups, and how to join.
func (h *Handler) HomePage(c echo.Context) error {
	listings, err := models.SearchGroups(c.Request().Context(), h.db, models.GroupQuery{Limit: homeGroups + 1})
	if err != nil {
		return fmt.Errorf("web: home: %w", err)
	}
	info, err := models.Instance(c.Request().Context(), h.db)
	if err != nil {
		return fmt.Errorf("web: home: %w", err)
	}
	d := homeData{Name: info.Name, Description: paragraphs(info.Description), Contact: info.ContactEmail,
		More: len(listings) > homeGroups}
	if d.Name == "" {
		d.Name = h.urls.Host()
	}
	d.Groups = h.groupCards(listings[:min(len(listings), homeGroups)])
	return h.page(c, http.StatusOK, "home", "", d)
}

// directoryData is the group directory.
type directoryData struct {
	Query    string
	Near     string
	Lat, Lon string // the position given in the URL, kept in the form
	Searched bool
	Nearest  bool // sorted by distance
	Groups   []groupCard
}

// DirectoryPage lists groups, searched by name or title (q) and by place
// (near); given a position (lat and lon, or a place where groups with
// coordinates are) it lists the nearest first.
func (h *Handler) DirectoryPage(c echo.Context) error {
	ctx := c.Request().Context()
	d := directoryData{Query: content.CutRunes(strings.TrimSpace(c.QueryParam("q")), maxQueryRunes),
		Near: content.CutRunes(strings.TrimSpace(c.QueryParam("near")), maxQueryRunes)}
	q := models.GroupQuery{Text: d.Query, Place: d.Near, Limit: directoryLimit}
	if lat, lon, ok := position(c.QueryParam("lat"), c.QueryParam("lon")); ok {
		q.Lat, q.Lon = &lat, &lon
		d.Lat, d.Lon = c.QueryParam("lat"), c.QueryParam("lon")
	} else if d.Near != "" {
		lat, lon, found, err := models.PlaceCoordinates(ctx, h.db, d.Near)
		if err != nil {
			return fmt.Errorf("web: directory: %w", err)
		}
		if found {
			q.Lat, q.Lon = &lat, &lon
		}
	}
	if q.Lat != nil && d.Near != "" {
		q.RadiusKm = nearbyRadiusKm
	}
	d.Searched = d.Query != "" || d.Near != "" || q.Lat != nil
	d.Nearest = q.Lat != nil
	listings, err := models.SearchGroups(ctx, h.db, q)
	if err != nil {
		return fmt.Errorf("web: directory: %w", err)
	}
	d.Groups = h.groupCards(listings)
	return h.page(c, http.StatusOK, "groups", i18n.Text("directory.title"), d)
}

// position reads a latitude and longitude; ok only when both are valid.
func position(latText, lonText string) (lat, lon float64, ok bool) {
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(latText), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lonText), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 || math.IsNaN(lat) || math.IsNaN(lon) {
		return 0, 0, false
	}
	return lat, lon, true
}
