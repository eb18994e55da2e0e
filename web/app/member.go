package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// The web app for signed-in members: the home feed, compose and following
// by handle (member_home.go), a post's page for members, replies,
// edits, deletes and likes (member_posts.go), joining and leaving
// groups (member_group.go), and notifications
// (member_notifications.go). Every page and form here needs a
// signed-in person: a visitor is sent to /login?next=… and comes back.
//
// The public pages (the group page, a post's page) are built by
// public*.go, which knows nothing of the viewer. What members can do
// there is added by the templates: group.html and _post.html call the
// pageData and postView methods below, which need no database, and link to
// the member pages here for anything that depends on the viewer's state.

const (
	memberFeedLimit      = 20               // entries of one page of the home feed
	notificationsPerPage = 30               // notifications of one page
	maxWarningRunes      = 1000             // a content warning, as the client API allows
	maxJoinQuestions     = 10               // join questions shown of a members-only group
	maxAnswerRunes       = 1000             // one answer to a join question
	remoteFollowTimeout  = 10 * time.Second // looking up a handle on another server
)

// memberPage renders a page of the member web app, like h.page, with a
// flash message (a short "done" note shown above the content).
func (h *Handler) memberPage(c echo.Context, status int, name, title, flash string, data any) error {
	d := pageData{Title: title, Instance: h.urls.Host(), CSRF: csrfToken(c), Flash: flash, Data: data}
	if v := h.viewer(c); v != nil {
		d.Viewer = v
	}
	return h.pages.render(c, status, name, d)
}

// nextOr is the form's "next" when it is a path on this site, else
// fallback: where a form sends the person back to.
func nextOr(c echo.Context, fallback string) string {
	if next := localPath(c.FormValue("next")); next != "" {
		return next
	}
	return fallback
}

// goBack answers a form with 303 to next (a validated local path) or fallback.
func goBack(c echo.Context, fallback string) error {
	return c.Redirect(http.StatusSeeOther, nextOr(c, fallback))
}

// requestPath is the path and query the request asked for: where a
// signed-out visitor comes back to after logging in.
func requestPath(c echo.Context) string {
	if p := localPath(c.Request().URL.RequestURI()); p != "" {
		return p
	}
	return "/home"
}

// signInFirst sends a signed-out visitor of a member page or form to the
// log-in form; forms come back to their page (next) rather than to the
// action, which answers only POST.
func (h *Handler) signInFirst(c echo.Context, back string) (*models.Account, error) {
	if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
		back = nextOr(c, back)
	}
	return h.requireViewer(c, back)
}

// postMember is what a signed-in person can do with a post shown on a page,
// and what only they see: the _post template shows it as the post's actions.
type postMember struct {
	ID       int64
	CSRF     string
	Next     string     // where the forms return to (the page, at the post)
	SharedBy *actorLink // the group (or person) whose share put it in the feed
	Likes    int
	Liked    bool
	CanLike  bool // the page knows whether the viewer liked it
	Own      bool // the viewer wrote it: edit and delete
	Reply    bool // link to the reply form (not on the post it is under)
	// Bookmarked: the viewer keeps it on her bookmarks page. Private: it
	// is a direct post (its replies are private too).
	Bookmarked, Private bool

	// Speaking safely: the viewer wrote it anonymously (delete only); the
	// title of the viewer's warn filter it matches (shown folded).
	Anonymous bool
	Filtered  string
}

// Member is nil for a post on a public page: it shows no member actions.
func (postView) Member() *postMember { return nil }

// memberPost is a post with what the signed-in viewer can do with it.
type memberPost struct {
	postView
	member *postMember
}

// Member is what the viewer can do with the post.
func (p memberPost) Member() *postMember { return p.member }

// ForMember gives a post of a public page (the group page) the actions of
// the signed-in viewer, for template use: reply, and edit and delete on
// their own posts. The page does not know what the viewer liked, so it
// offers no like button; the post's own page does. Without a viewer the
// post is shown as it is.
func (d pageData) ForMember(p postView, next string) any {
	v, _ := d.Viewer.(*models.Account)
	if v == nil {
		return p
	}
	return memberPost{postView: p, member: &postMember{ID: p.ID, CSRF: d.CSRF, Next: localPath(next),
		Own: ownsView(p, v), Reply: true}}
}

// GroupCompose is the form on a group's page that posts into the group.
func (d pageData) GroupCompose(handle, title, next string) composeForm {
	return composeForm{ID: "group-post", CSRF: d.CSRF, Action: "/posts", Group: handle, Next: localPath(next),
		Label: i18n.Format("compose.label.group", title), Submit: i18n.Text("compose.submit.group"), Uploads: d.Uploads}
}

// ownsView reports whether a post view is the viewer's own (local, by them).
func ownsView(p postView, v *models.Account) bool {
	return p.Local && p.Author.URL == "/users/"+v.Actor.Username
}

// composeForm is the form that writes a post, a reply or an edit, with
// what was typed and the errors next to each field.
type composeForm struct {
	ID        string // prefix of the fields' ids, unique on the page
	CSRF      string
	Action    string // "/posts", or a post's edit address
	Label     string // the text field's label
	Submit    string // the button
	Text      string
	Summary   string // content warning
	Group     string // @name@host of the group it goes into (a hidden field)
	Groups    []groupChoice
	InReplyTo int64
	Next      string
	Errors    map[string]string // by field: text, summary, group
	JoinURL   string            // where to join the group the post was refused by
	Private   bool              // a direct post, to the people it mentions only
	// Speaking safely: the group's topics that need a content warning,
	// whether it takes anonymous posts, and whether this one is.
	Topics                    []topicView
	AllowAnonymous, Anonymous bool
	// Photos: the form takes them (uploads are on), the alt texts typed,
	// and whether they are marked sensitive.
	Uploads   bool
	Alts      []string
	Sensitive bool
	// A poll (polls.go): the options typed, the duration chosen, its kind.
	PollOptions                  []string
	PollDuration                 string
	PollMultiple, PollHideTotals bool
}

// photoSlot is one photo field of a compose form, with its alt text.
type photoSlot struct {
	Index int // of the fields' names, photo_N and alt_N
	N     int // as people count, from 1
	Alt   string
}

// PhotoSlots are the form's photo fields, models.MaxMediaAttachments of
// them: without JavaScript, each file needs its own alt text field.
func (f composeForm) PhotoSlots() []photoSlot {
	out := make([]photoSlot, models.MaxMediaAttachments)
	for i := range out {
		out[i] = photoSlot{Index: i, N: i + 1}
		if i < len(f.Alts) {
			out[i].Alt = f.Alts[i]
		}
	}
	return out
}

// groupChoice is a group the home form can post into, with what it asks
// of posts (a local group's speaking settings).
type groupChoice struct {
	Handle         string
	Name           string
	Topics         []topicView
	AllowAnonymous bool
}

// GroupsWithTopics are the form's groups that name topics needing a
// content warning: the home form lists them all, as it cannot know which
// group will be picked.
func (f composeForm) GroupsWithTopics() []groupChoice {
	var out []groupChoice
	for _, g := range f.Groups {
		if len(g.Topics) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// AnonymousGroups names the form's groups that take anonymous posts.
func (f composeForm) AnonymousGroups() string {
	var names []string
	for _, g := range f.Groups {
		if g.AllowAnonymous {
			names = append(names, g.Name)
		}
	}
	return strings.Join(names, ", ")
}

// parsePostID reads a post id from the URL, as 404 when it is not one.
func parsePostID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	return id, nil
}

// visiblePost loads a post the viewer may see, with their like, as 404
// otherwise (whether it exists does not show).
func (h *Handler) visiblePost(ctx context.Context, v *models.Account, id int64) (*models.Post, error) {
	posts, err := models.Posts(ctx, h.db, []int64{id}, v.Actor.ID)
	if err != nil {
		return nil, err
	}
	p := posts[id]
	seen := access.For(h.db, h.urls, v)
	if p != nil {
		if err := seen.LoadPublic(ctx, []int64{id}); err != nil {
			return nil, err
		}
	}
	ok, err := seen.Can(ctx, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	return p, nil
}

// ownPostOf loads the viewer's own live post: 404 when there is none,
// 403 when it is someone else's.
func (h *Handler) ownPostOf(ctx context.Context, v *models.Account, id int64) (*models.Post, error) {
	p, err := models.PostByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && p.DeletedAt != nil) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	if err != nil {
		return nil, err
	}
	if p.AuthorID != v.Actor.ID && (p.RealAuthorID == nil || *p.RealAuthorID != v.Actor.ID) {
		return nil, echo.NewHTTPError(http.StatusForbidden, "not your post")
	}
	return p, nil
}

// viewerPost reads /posts/:id for the signed-in viewer: a post they may see,
// or only their own when own is set. A visitor who is not signed in is sent
// to log in first (back gives the page to return to) and v comes back nil.
func (h *Handler) viewerPost(c echo.Context, back func(id int64) string, own bool) (v *models.Account, p *models.Post, err error) {
	id, err := parsePostID(c)
	if err != nil {
		return nil, nil, err
	}
	if v, err = h.signInFirst(c, back(id)); v == nil {
		return nil, nil, err
	}
	if own {
		p, err = h.ownPostOf(c.Request().Context(), v, id)
	} else {
		p, err = h.visiblePost(c.Request().Context(), v, id)
	}
	if err != nil {
		return v, nil, err
	}
	return v, p, nil
}

// memberPostPath is a post's page in the web app.
func memberPostPath(id int64) string { return "/posts/" + strconv.FormatInt(id, 10) }
