package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/negotiate"
)

// joinForm is the "join from your own server" form on a page.
type joinForm struct {
	URI    string // what to follow or answer: an actor's or a post's id
	Handle string // what the visitor typed
	Error  string
}

// groupData is a group's page.
type groupData struct {
	ActorURL    string
	Path        string
	Title       string
	Handle      string
	Location    string
	MembersOnly bool
	Members     int
	Summary     []string
	Rules       []string
	Moderators  []actorLink
	Posts       []postView
	Older       string // link to the next, older page of posts
	Join        joinForm
	// The signed-in viewer's place in the group.
	State     string // memberNone, memberPending or memberJoined
	Moderator bool   // a moderator of the group, or an admin
	// ModeratesHere: the viewer is one of its moderators, who take part
	// without joining (and read a members-only group's posts).
	ModeratesHere bool
	// MemberPosts are a members-only group's posts, for its members and
	// moderators only; Posts stays empty then.
	MemberPosts []memberPost
	Speaking    speakingView // topics that need a content warning; anonymous posts
	Meetups     []meetupLine // upcoming, shown above the posts (events.go)
	PlanURL     string       // "Plan a meetup", for who may plan one here (meetup_plan.go)
}

// ActorPage is the page a browser gets at a local actor's URL.
func (h *Handler) ActorPage(c echo.Context, a *models.Actor, g *models.Group) error {
	switch {
	case g != nil:
		return h.groupPage(c, g)
	case a.Type == models.ActorApplication:
		return h.instanceActorPage(c, a)
	case a.Type == models.ActorService:
		return h.reportsActorPage(c, a)
	default:
		return h.profilePage(c, a)
	}
}

// groupPage shows a group: about, rules, place, moderators, members (of a
// public group), its public posts, and how to join. A members-only group
// shows its posts to its members and moderators only.
func (h *Handler) groupPage(c echo.Context, g *models.Group) error {
	ctx := c.Request().Context()
	d := groupData{ActorURL: h.urls.Actor(g.Actor), Path: "/groups/" + g.Actor.Username, Title: g.Title,
		Handle: "@" + g.Actor.Username + "@" + h.urls.Host(), Location: g.Location, MembersOnly: g.MembersOnly(),
		Summary: paragraphs(g.Summary), Rules: paragraphs(g.Rules), Join: joinForm{URI: h.urls.Actor(g.Actor)}}
	mods, err := models.Moderators(ctx, h.db, g.Actor.ID)
	if err != nil {
		return fmt.Errorf("web: group page: %w", err)
	}
	if d.Speaking, err = h.speakingOfGroup(ctx, g.Actor); err != nil {
		return fmt.Errorf("web: group page: %w", err)
	}
	for _, m := range mods {
		d.Moderators = append(d.Moderators, h.linkActor(m))
	}
	if v := h.viewer(c); v != nil {
		var m membershipData
		if err := h.membership(ctx, v, g, &m); err != nil {
			return fmt.Errorf("web: group page: %w", err)
		}
		d.State, d.Moderator, d.ModeratesHere = m.State, m.Moderator || v.IsAdmin, m.Moderator
		if d.PlanURL, err = h.planLink(ctx, g, v); err != nil {
			return fmt.Errorf("web: group page: %w", err)
		}
		if d.MembersOnly && (d.State == memberJoined || d.ModeratesHere) {
			if d.MemberPosts, d.Older, err = h.membersOnlyPosts(c, v, g, d.Path); err != nil {
				return fmt.Errorf("web: group page: %w", err)
			}
		}
	}
	if !d.MembersOnly {
		counts, err := models.CountFollows(ctx, h.db, g.Actor.ID)
		if err != nil {
			return fmt.Errorf("web: group page: %w", err)
		}
		d.Members = counts.Followers
		before := olderThan(c)
		posts, err := models.PublicPosts(ctx, h.db, models.PublicFilter{GroupID: g.Actor.ID, TopLevel: true,
			MaxID: before, Limit: postsPerPage})
		if err != nil {
			return fmt.Errorf("web: group page: %w", err)
		}
		d.Older = olderLink(d.Path, posts) // pages by what is stored, before hiding
		if v := h.viewer(c); v != nil {
			if posts, err = h.withoutHiddenPosts(ctx, v.Actor.ID, posts); err != nil {
				return err
			}
		}
		if d.Posts, err = h.listViews(ctx, posts, g.Actor.ID); err != nil {
			return err
		}
	}
	if !d.MembersOnly || d.State == memberJoined || d.ModeratesHere {
		if d.Meetups, err = h.groupMeetups(ctx, g.Actor.ID); err != nil {
			return fmt.Errorf("web: group page: %w", err)
		}
	}
	return h.page(c, http.StatusOK, "group", g.Title, d)
}

// membersOnlyPosts are the top-level posts of a members-only group as its
// members read them on its page: newest first, with their actions, without
// what the viewer blocks, mutes or filters; and the link to older ones.
func (h *Handler) membersOnlyPosts(c echo.Context, v *models.Account, g *models.Group, path string) ([]memberPost, string, error) {
	ctx := c.Request().Context()
	listed, err := models.GroupPosts(ctx, h.db, g.Actor.ID, olderThan(c), postsPerPage)
	if err != nil {
		return nil, "", err
	}
	older := olderLink(path, listed) // pages by what is stored, before hiding
	if listed, err = h.withoutHiddenPosts(ctx, v.Actor.ID, listed); err != nil {
		return nil, "", err
	}
	ids := make([]int64, 0, len(listed))
	for _, p := range listed {
		ids = append(ids, p.ID)
	}
	loaded, err := models.Posts(ctx, h.db, ids, v.Actor.ID) // with the viewer's likes
	if err != nil {
		return nil, "", err
	}
	posts := make([]*models.Post, 0, len(ids))
	for _, id := range ids {
		if p := loaded[id]; p != nil {
			posts = append(posts, p)
		}
	}
	views, err := h.newPostViews(ctx, posts)
	if err != nil {
		return nil, "", err
	}
	views.inGroup = g.Actor.ID
	filters, err := h.filtersIn(ctx, v.Actor.ID, models.FilterPublic)
	if err != nil {
		return nil, "", err
	}
	csrf := csrfToken(c)
	var out []memberPost
	for _, p := range posts {
		if mp := h.memberView(views, p, v, csrf, path, false); foldFiltered(filters, p, &mp) {
			out = append(out, mp)
		}
	}
	return out, older, nil
}

// listViews makes the views of a list of posts; inGroup is the group whose
// page lists them, or 0.
func (h *Handler) listViews(ctx context.Context, posts []*models.Post, inGroup int64) ([]postView, error) {
	views, err := h.newPostViews(ctx, posts)
	if err != nil {
		return nil, err
	}
	views.inGroup = inGroup
	out := make([]postView, 0, len(posts))
	for _, p := range posts {
		out = append(out, views.view(p, false))
	}
	return out, nil
}

// olderThan reads the ?before= cursor of a list page.
func olderThan(c echo.Context) int64 {
	id, err := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// olderLink links the next page of a full page of posts.
func olderLink(path string, posts []*models.Post) string {
	if len(posts) < postsPerPage {
		return ""
	}
	return path + "?before=" + strconv.FormatInt(posts[len(posts)-1].ID, 10)
}

// profileData is a person's page, local or remote (or the instance actor's).
type profileData struct {
	ActorURL string
	Feeds    string // path of the feeds, for local people
	Name     string
	Handle   string
	Remote   bool
	Original string // a remote actor's own page
	Summary  []string
	Posts    []postView
	NoPosts  bool // the page lists no posts at all (the instance actor)
	Older    string
	Join     *joinForm
	Safety   *profileSafety // block and mute, for a signed-in viewer
	// Its pictures (here, or where a remote actor keeps them) and fields.
	AvatarURL, HeaderURL string
	Fields               []fieldView
	FeaturedTags         []featuredTagView // hashtags a local person shows
}

// fieldView is a profile field as the page shows it: the value is HTML
// made here from typed text, or sanitized from elsewhere.
type fieldView struct {
	Name  string
	Value string
}

// profileFace fills what a profile shows of a person besides posts: the
// avatar, the header and the fields. A remote actor's pictures are linked
// where they live, and its field values pass the sanitizer again.
func (h *Handler) profileFace(a *models.Actor, d *profileData) {
	picture := func(u string) string {
		if key, ok := h.urls.MediaKey(u); ok {
			return federation.MediaPath + key
		}
		return content.WebURL(u)
	}
	d.AvatarURL, d.HeaderURL = picture(a.IconURL), picture(a.HeaderURL)
	for _, f := range a.Fields {
		v := fieldView{Name: content.CutRunes(f.Name, models.MaxProfileFieldRunes)}
		if a.IsLocal() {
			v.Value = content.FieldHTML(f.Value)
		} else {
			v.Value = h.sanitizer.Sanitize(f.Value)
		}
		d.Fields = append(d.Fields, v)
	}
}

// profilePage shows a local person: name, bio, public posts, feeds.
func (h *Handler) profilePage(c echo.Context, a *models.Actor) error {
	l := h.linkActor(a)
	d := profileData{ActorURL: h.urls.Actor(a), Feeds: l.URL, Name: l.Name, Handle: l.Handle,
		Summary: paragraphs(a.Summary), Join: &joinForm{URI: h.urls.Actor(a)}}
	h.profileFace(a, &d)
	if err := h.profilePosts(c, a, l.URL, &d); err != nil {
		return err
	}
	var err error
	if d.FeaturedTags, err = h.featuredTagViews(c.Request().Context(), a); err != nil {
		return err
	}
	if d.Safety, err = h.profileSafetyFor(c, a, l.URL); err != nil {
		return err
	}
	return h.page(c, http.StatusOK, "profile", l.Name, d)
}

// instanceActorPage says what the instance actor is.
func (h *Handler) instanceActorPage(c echo.Context, a *models.Actor) error {
	l := h.linkActor(a)
	d := profileData{ActorURL: h.urls.Actor(a), Name: h.urls.Host(), Handle: l.Handle, NoPosts: true,
		Summary: []string{fmt.Sprintf(i18n.Text("profile.instance"), h.urls.Host())}}
	return h.page(c, http.StatusOK, "profile", d.Name, d)
}

// reportsActorPage is what a browser sees at the reports actor's URL.
func (h *Handler) reportsActorPage(c echo.Context, a *models.Actor) error {
	l := h.linkActor(a)
	d := profileData{ActorURL: h.urls.Actor(a), Name: l.Name, NoPosts: true,
		Summary: []string{fmt.Sprintf(i18n.Text("profile.reports"), h.urls.Host())}}
	return h.page(c, http.StatusOK, "profile", d.Name, d)
}

// remoteProfile shows a cached remote actor, named as user@host in
// /@user@host: its name, its bio as plain text, and its posts known here.
// ActivityPub clients are sent to the actor's own id. Nothing is fetched.
func (h *Handler) remoteProfile(c echo.Context, handle string) error {
	ctx := c.Request().Context()
	name, host, ok := strings.Cut(handle, "@")
	if !ok || name == "" || host == "" {
		return echo.NewHTTPError(http.StatusNotFound, "actor not found")
	}
	if strings.EqualFold(host, h.urls.Host()) {
		return c.Redirect(http.StatusFound, "/@"+name)
	}
	a, err := models.RemoteActorByHandle(ctx, h.db, name, host)
	if err != nil {
		return httperr.Lookup(err, "actor")
	}
	negotiate.VaryOnAccept(c)
	if negotiate.WantsActivityJSON(c.Request()) {
		return c.Redirect(http.StatusFound, a.URI)
	}
	l := h.linkActor(a)
	d := profileData{ActorURL: a.URI, Name: l.Name, Handle: l.Handle, Remote: true,
		Original: content.WebURL(a.URL), Summary: paragraphs(content.PlainText(a.Summary)), Join: &joinForm{URI: a.URI}}
	if d.Original == "" {
		d.Original = content.WebURL(a.URI)
	}
	h.profileFace(a, &d)
	if err := h.profilePosts(c, a, "/"+l.Handle, &d); err != nil {
		return err
	}
	if d.Safety, err = h.profileSafetyFor(c, a, "/"+l.Handle); err != nil {
		return err
	}
	return h.page(c, http.StatusOK, "profile", l.Name, d)
}

// profilePosts fills a profile's public posts and its link to older ones.
func (h *Handler) profilePosts(c echo.Context, a *models.Actor, path string, d *profileData) error {
	ctx := c.Request().Context()
	posts, err := models.PublicPosts(ctx, h.db, models.PublicFilter{AuthorID: a.ID, MaxID: olderThan(c), Limit: postsPerPage})
	if err != nil {
		return fmt.Errorf("web: profile: %w", err)
	}
	if d.Posts, err = h.listViews(ctx, posts, 0); err != nil {
		return err
	}
	d.Older = olderLink(path, posts)
	return nil
}

// threadData is a post's page.
type threadData struct {
	URI       string
	Heading   string
	Ancestors []postView
	Post      postView
	Replies   []postView
	Hidden    int // replies not shown
	Join      joinForm
}

// ThreadPage shows a local post with its thread: the posts it answers,
// oldest first, and the replies to it in thread order.
func (h *Handler) ThreadPage(c echo.Context, post *models.Post) error {
	ctx := c.Request().Context()
	shown, err := models.VisiblePosts(ctx, h.db, []int64{post.ID})
	if err != nil {
		return fmt.Errorf("web: post page: %w", err)
	}
	post = shown[post.ID]
	if post == nil { // posted into a members-only group
		return echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	ancestorIDs, replyIDs, err := models.Thread(ctx, h.db, post.ID)
	if err != nil {
		return fmt.Errorf("web: post page: %w", err)
	}
	others, err := models.VisiblePosts(ctx, h.db, append(append([]int64{}, ancestorIDs...), replyIDs...))
	if err != nil {
		return fmt.Errorf("web: post page: %w", err)
	}
	all := []*models.Post{post}
	for _, p := range others {
		all = append(all, p)
	}
	views, err := h.newPostViews(ctx, all)
	if err != nil {
		return err
	}
	d := threadData{URI: post.URI, Post: views.view(post, true), Join: joinForm{URI: post.URI}}
	d.Post.Current = true
	if post.GroupID != nil { // the post says where it was posted; its thread need not repeat it
		views.inGroup = *post.GroupID
	}
	d.Heading = fmt.Sprintf(i18n.Text("post.title"), d.Post.Author.Name)
	for _, id := range ancestorIDs {
		if p := others[id]; p != nil {
			d.Ancestors = append(d.Ancestors, views.view(p, false))
		}
	}
	// Depth in the thread below the post, for indentation.
	depth := map[int64]int{post.ID: 0}
	for _, id := range replyIDs {
		p := others[id]
		if p == nil {
			continue // not public, or below a reply that is not
		}
		parent, ok := 0, false
		if p.InReplyToID != nil {
			parent, ok = depth[*p.InReplyToID]
		}
		if !ok {
			continue
		}
		depth[id] = parent + 1
		if len(d.Replies) >= threadReplyLimit {
			d.Hidden++
			continue
		}
		v := views.view(p, false)
		v.Depth = min(parent, 4)
		d.Replies = append(d.Replies, v)
	}
	return h.page(c, http.StatusOK, "post", d.Heading, d)
}

// ProfileRedirect sends Mastodon's profile URL form, /@name, to the actor's
// own URL; /@name@host is a cached remote actor's page.
func (h *Handler) ProfileRedirect(c echo.Context) error {
	ctx, name := c.Request().Context(), c.Param("name")
	if strings.Contains(name, "@") {
		return h.remoteProfile(c, name)
	}
	var a *models.Actor
	var err error
	if name == models.InstanceActorName {
		// The instance actor's profile URL is /@instance; it may not exist yet.
		a, err = models.InstanceActor(ctx, h.db)
	} else {
		a, err = models.LocalActorByName(ctx, h.db, name)
		if err == nil && a.Type == models.ActorService {
			err = models.ErrNotFound // the reports actor has no profile name
		}
	}
	if err != nil {
		return httperr.Lookup(err, "actor")
	}
	return c.Redirect(http.StatusFound, h.urls.Actor(a))
}
