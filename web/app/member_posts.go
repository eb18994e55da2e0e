package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/ratelimit"
)

// composePageData is the compose form again, with what was wrong, and the
// post it answers.
type composePageData struct {
	Heading string
	Parent  any // the post answered, as _post shows it
	Form    composeForm
}

// CreatePost publishes a post written in the web app (POST /posts): to the
// author's followers, into a group (the form's group, a handle: the group
// is mentioned, as a post from the client API mentions it), or as a reply
// (in_reply_to, a post id). The person goes back to next, or to the post.
func (h *Handler) CreatePost(c echo.Context) error {
	v, err := h.signInFirst(c, "/home")
	if v == nil {
		return err
	}
	ctx, r := c.Request().Context(), c.Request()
	f := composeForm{ID: "post", CSRF: csrfToken(c), Action: "/posts", Label: i18n.Text("compose.label"), Submit: i18n.Text("compose.submit"),
		Text: r.PostFormValue("text"), Summary: strings.TrimSpace(r.PostFormValue("summary")),
		Group: strings.TrimSpace(r.PostFormValue("group")), Next: localPath(r.PostFormValue("next")), Errors: map[string]string{},
		Anonymous: r.PostFormValue("anonymous") != "", Uploads: h.media != nil, Sensitive: r.PostFormValue("sensitive") != "",
		Private: r.PostFormValue("visibility") == models.VisibilityDirect}
	if f.Private { // a private message goes into no group, and names its writer
		f.Group, f.Anonymous = "", false
		f.Label, f.Submit = i18n.Text("messages.label"), i18n.Text("messages.send")
	}
	var parent *models.Post
	if s := r.PostFormValue("in_reply_to"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "post not found")
		}
		if parent, err = h.visiblePost(ctx, v, id); err != nil {
			return err
		}
		f.InReplyTo = id
		f.Label, f.Submit = i18n.Format("compose.label.reply", h.linkActor(parent.Author).Name), i18n.Text("compose.submit.reply")
	}
	var group *models.Actor
	if f.Group != "" {
		if group, err = h.groupByHandle(ctx, f.Group); err != nil {
			return err
		}
		if group == nil {
			f.Errors["group"] = i18n.Text("compose.error.group")
		} else {
			f.Label, f.Submit = i18n.Format("compose.label.group", h.linkActor(group).Name), i18n.Text("compose.submit.group")
		}
	}
	if err := h.composeSpeaking(ctx, &f, group, parent); err != nil {
		return err
	}
	photos, err := h.readPhotos(c, &f)
	if err != nil {
		return err
	}
	body := checkPostText(&f, len(photos) > 0)
	var poll *models.Poll
	if !f.Private && parent == nil {
		poll = readPoll(r, &f, len(photos) > 0, time.Now())
	}
	if len(f.Errors) > 0 {
		return h.composeAgain(c, v, f, parent)
	}
	if err := h.limits.Post(ctx, v.ID); err != nil {
		var limited *ratelimit.Error
		if !errors.As(err, &limited) {
			return err
		}
		return h.postLimited(c, v, f, parent, limited)
	}
	html, tags, mentions := h.composer.Render(ctx, body)
	if f.Private && parent == nil && !namesSomeone(mentions) {
		f.Errors["text"] = i18n.Text("messages.error.nobody")
		return h.composeAgain(c, v, f, parent)
	}
	saved, err := h.savePhotos(ctx, v, photos, &f)
	if err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return h.composeAgain(c, v, f, parent)
	}
	if group != nil { // the group goes first: the outbox posts into the first group mentioned
		others := []*models.Actor{group}
		for _, m := range mentions {
			if m.ID != group.ID {
				others = append(others, m)
			}
		}
		mentions = others
	}
	visibility := models.VisibilityPublicPost
	if f.Private {
		visibility = models.VisibilityDirect
	}
	pub := outbox.Publication{Author: v.Actor, Mentions: mentions, MediaIDs: mediaIDs(saved), Poll: poll, Post: &models.Post{Content: html, Source: body,
		Summary: f.Summary, Sensitive: f.Summary != "" || (f.Sensitive && len(saved) > 0), Visibility: visibility, Tags: tags}}
	if parent != nil {
		pub.Parent, pub.ParentBy = parent, parent.Author
	}
	post, err := h.publishFromForm(ctx, pub, &f)
	if post == nil && len(saved) > 0 {
		// Refused: the photos go too; the form asks for them again.
		h.media.DiscardPhotos(ctx, v.Actor.ID, mediaIDs(saved))
		if err == nil {
			f.Errors["photos"] = i18n.Text("compose.photos.again")
		}
	}
	if err == nil && post == nil {
		return h.composeAgain(c, v, f, parent)
	}
	if errors.Is(err, outbox.ErrNotMember) {
		g, err := h.groupOfPublication(ctx, pub)
		if err != nil {
			return err
		}
		f.Errors["text"] = i18n.Format("compose.error.not_member", h.linkActor(g).Name)
		if g.IsLocal() {
			f.JoinURL = "/groups/" + g.Username + "/join"
		}
		return h.composeAgain(c, v, f, parent)
	}
	if errors.Is(err, outbox.ErrThreadLocked) {
		f.Errors["text"] = i18n.Text("compose.error.locked")
		return h.composeAgain(c, v, f, parent)
	}
	if err != nil {
		return err
	}
	if f.Next != "" {
		return c.Redirect(http.StatusSeeOther, f.Next)
	}
	return c.Redirect(http.StatusSeeOther, "/posts/"+strconv.FormatInt(post.ID, 10))
}

// checkPostText checks the text and the content warning of a form, noting
// what is wrong in f.Errors, and returns the text to publish. A post with
// photos may have no text.
func checkPostText(f *composeForm, photos bool) string {
	body := strings.TrimSpace(f.Text)
	switch n := models.PostLength(body); {
	case n == 0 && !photos:
		f.Errors["text"] = i18n.Text("compose.error.empty")
	case n > models.MaxPostLength:
		f.Errors["text"] = i18n.Format("compose.error.long", models.MaxPostLength, n)
	}
	if utf8.RuneCountInString(f.Summary) > maxWarningRunes {
		f.Errors["summary"] = i18n.Format("compose.error.cw_long", maxWarningRunes)
	}
	return body
}

// groupOfPublication is the group a refused post was going into: the
// first group it mentions, or its parent's.
func (h *Handler) groupOfPublication(ctx context.Context, pub outbox.Publication) (*models.Actor, error) {
	for _, m := range pub.Mentions {
		if m.Type == models.ActorGroup {
			return m, nil
		}
	}
	if pub.Parent != nil && pub.Parent.GroupID != nil {
		return models.ActorByID(ctx, h.db, *pub.Parent.GroupID)
	}
	return nil, errors.New("web: a post refused for membership names no group")
}

// groupByHandle finds the group a compose form's handle names, here or
// known from elsewhere; nil when there is none.
func (h *Handler) groupByHandle(ctx context.Context, handle string) (*models.Actor, error) {
	name, host, err := parseHandle(handle)
	if err != nil {
		return nil, nil
	}
	var a *models.Actor
	if strings.EqualFold(host, h.urls.Host()) {
		a, err = models.LocalActorByName(ctx, h.db, strings.ToLower(name))
	} else {
		a, err = models.RemoteActorByHandle(ctx, h.db, name, host)
	}
	if errors.Is(err, models.ErrNotFound) || (err == nil && a.Type != models.ActorGroup) {
		return nil, nil
	}
	return a, err
}

// composeAgain shows the compose form again with its errors (422).
func (h *Handler) composeAgain(c echo.Context, v *models.Account, f composeForm, parent *models.Post) error {
	return h.composeAgainWith(c, http.StatusUnprocessableEntity, f, parent)
}

// composeAgainWith shows the compose form again, with what was typed and
// its errors, answering status.
func (h *Handler) composeAgainWith(c echo.Context, status int, f composeForm, parent *models.Post) error {
	d := composePageData{Heading: i18n.Text("compose.title"), Form: f}
	if f.Private {
		d.Heading = i18n.Text("messages.new")
	}
	if parent != nil {
		views, err := h.newPostViews(c.Request().Context(), []*models.Post{parent})
		if err != nil {
			return err
		}
		pv := views.view(parent, false)
		pv.URL = "/posts/" + strconv.FormatInt(parent.ID, 10)
		d.Parent, d.Heading = pv, i18n.Format("compose.title.reply", pv.Author.Name)
		if f.Private {
			d.Heading = i18n.Format("messages.new.reply", pv.Author.Name)
		}
	}
	return h.memberPage(c, status, "member_compose", d.Heading, "", d)
}

// memberThreadData is a post's page for a member: the thread it is in,
// with what they can do, and the reply form under the post.
type memberThreadData struct {
	Heading   string
	Public    string // the post's public page, when there is one
	Ancestors []memberPost
	Post      memberPost
	Replies   []memberPost
	Hidden    int // replies not shown
	Reply     composeForm
	Locked    bool   // a moderator locked the thread: no reply form
	Anonymous string // who wrote an anonymous post: for its writer and the group's moderators only
}

// MemberThread shows a post to a member (GET /posts/:id): also posts of
// members-only groups they belong to, which no public page shows.
func (h *Handler) MemberThread(c echo.Context) error {
	v, post, err := h.viewerPost(c, memberPostPath, false)
	if v == nil || err != nil {
		return err
	}
	id := post.ID
	here := "/posts/" + strconv.FormatInt(id, 10)
	ctx := c.Request().Context()
	ancestorIDs, replyIDs, err := models.Thread(ctx, h.db, post.ID)
	if err != nil {
		return err
	}
	ids := append(append([]int64{post.ID}, ancestorIDs...), replyIDs...)
	others, err := models.Posts(ctx, h.db, ids, v.Actor.ID)
	if err != nil {
		return err
	}
	seen := access.For(h.db, h.urls, v)
	if err := seen.LoadPublic(ctx, ids); err != nil {
		return err
	}
	var candidates []*models.Post
	for _, id := range ids[1:] {
		p := others[id]
		ok, err := seen.Can(ctx, p)
		if err != nil {
			return err
		}
		if ok {
			candidates = append(candidates, p)
		}
	}
	// The post asked for shows; around it, nothing by people the viewer
	// blocks or mutes.
	if candidates, err = h.withoutHiddenPosts(ctx, v.Actor.ID, candidates); err != nil {
		return err
	}
	visible := map[int64]*models.Post{}
	list := []*models.Post{post}
	for _, p := range candidates {
		visible[p.ID] = p
		list = append(list, p)
	}
	views, err := h.newPostViews(ctx, list)
	if err == nil {
		err = views.withVoter(ctx, v.Actor.ID)
	}
	if err != nil {
		return err
	}
	csrf := csrfToken(c)
	d := memberThreadData{}
	d.Post = h.memberView(views, post, v, csrf, here, true)
	d.Post.Current, d.Post.member.Reply = true, false
	d.Heading = i18n.Format("post.title", d.Post.Author.Name)
	if seen.Public(post.ID) {
		d.Public = h.postLink(post)
	}
	if post.GroupID != nil {
		views.inGroup = *post.GroupID
	}
	filters, err := h.filtersIn(ctx, v.Actor.ID, models.FilterThread)
	if err != nil {
		return err
	}
	foldFiltered(filters, post, &d.Post) // the post asked for shows, folded at most
	for _, id := range ancestorIDs {
		if p := visible[id]; p != nil {
			if mp := h.memberView(views, p, v, csrf, here, false); foldFiltered(filters, p, &mp) {
				d.Ancestors = append(d.Ancestors, mp)
			}
		}
	}
	depth := map[int64]int{post.ID: 0}
	for _, id := range replyIDs {
		p := visible[id]
		if p == nil || p.InReplyToID == nil {
			continue
		}
		parent, ok := depth[*p.InReplyToID]
		if !ok {
			continue // below a reply the viewer does not see
		}
		depth[id] = parent + 1
		if len(d.Replies) >= threadReplyLimit {
			d.Hidden++
			continue
		}
		mp := h.memberView(views, p, v, csrf, here, false)
		if !foldFiltered(filters, p, &mp) {
			continue
		}
		mp.Depth = min(parent, 4)
		d.Replies = append(d.Replies, mp)
	}
	d.Reply = composeForm{ID: "reply", CSRF: csrf, Action: "/posts", Label: i18n.Format("compose.label.reply", d.Post.Author.Name),
		Submit: i18n.Text("compose.submit.reply"), InReplyTo: post.ID, Next: here, Uploads: h.media != nil}
	if err := h.composeSpeaking(ctx, &d.Reply, nil, post); err != nil {
		return err
	}
	if d.Anonymous, err = h.anonymousPostNote(ctx, v, post); err != nil {
		return err
	}
	if d.Locked, err = models.ThreadLocked(ctx, h.db, post.ID); err != nil {
		return err
	}
	return h.memberPage(c, http.StatusOK, "member_post", d.Heading, "", d)
}

// editData is the form that changes one's own post.
type editData struct {
	Form composeForm
	Back string
}

// editForm is the edit form of post p.
func editForm(c echo.Context, p *models.Post) composeForm {
	path := "/posts/" + strconv.FormatInt(p.ID, 10)
	return composeForm{ID: "edit", CSRF: csrfToken(c), Action: path + "/edit", Label: i18n.Text("edit.label"), Submit: i18n.Text("edit.submit"),
		Next: nextOr(c, path), Errors: map[string]string{}}
}

// EditPostPage shows the edit form of one's own post, with its text.
func (h *Handler) EditPostPage(c echo.Context) error {
	v, p, err := h.viewerPost(c, func(int64) string { return requestPath(c) }, true)
	if v == nil || err != nil {
		return err
	}
	f := editForm(c, p)
	f.Text, f.Summary = p.Source, p.Summary
	if f.Text == "" { // written before sources were kept
		f.Text = content.PlainText(strings.TrimPrefix(p.Content, outbox.AnonymousMarker))
	}
	return h.memberPage(c, http.StatusOK, "member_edit", i18n.Text("edit.title"), "", editData{Form: f, Back: f.Next})
}

// EditPost saves the new text of one's own post and sends the Update. The
// people and groups it mentioned stay mentioned, so that its audience
// stays the same, as an edit from the client API does.
func (h *Handler) EditPost(c echo.Context) error {
	v, p, err := h.viewerPost(c, memberPostPath, true)
	if v == nil || err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := editForm(c, p)
	f.Text, f.Summary = c.Request().PostFormValue("text"), strings.TrimSpace(c.Request().PostFormValue("summary"))
	body := checkPostText(&f, len(p.Attachments) > 0)
	if len(f.Errors) > 0 {
		return h.memberPage(c, http.StatusUnprocessableEntity, "member_edit", i18n.Text("edit.title"), "", editData{Form: f, Back: f.Next})
	}
	html, tags, _ := h.composer.Render(ctx, body)
	for _, t := range p.Tags {
		if t.Type == "Mention" && !models.HasTag(tags, t.Href) {
			tags = append(tags, t)
		}
	}
	p.Content, p.Source, p.Tags, p.Summary, p.Sensitive = html, body, tags, f.Summary, f.Summary != "" || (p.Sensitive && p.Summary == "")
	edit := func() error { return h.outbox.Edit(ctx, v.Actor, p) }
	if p.RealAuthorID != nil {
		edit = func() error { return h.outbox.EditAnonymous(ctx, p) } // the group, its author, sends the Update
	}
	if err := edit(); err != nil {
		var warn *outbox.WarningRequiredError
		if !errors.As(err, &warn) {
			return err
		}
		f.Errors["summary"] = i18n.Format("speaking.error.cw_required", warn.Topic.Name)
		return h.memberPage(c, http.StatusUnprocessableEntity, "member_edit", i18n.Text("edit.title"), "", editData{Form: f, Back: f.Next})
	}
	return c.Redirect(http.StatusSeeOther, f.Next)
}

// deleteData is the step that confirms a delete.
type deleteData struct {
	Post postView
	CSRF string
	Next string // where to go after, or back to when not deleting
}

// DeletePostPage asks to confirm deleting one's own post.
func (h *Handler) DeletePostPage(c echo.Context) error {
	v, p, err := h.viewerPost(c, func(int64) string { return requestPath(c) }, true)
	if v == nil || err != nil {
		return err
	}
	id := p.ID
	ctx := c.Request().Context()
	if p.RealAuthorID == nil {
		p.Author = v.Actor
	} else if p.Author, err = models.ActorByID(ctx, h.db, p.AuthorID); err != nil {
		return err
	}
	views, err := h.newPostViews(ctx, []*models.Post{p})
	if err != nil {
		return err
	}
	d := deleteData{Post: views.view(p, false), CSRF: csrfToken(c), Next: nextOr(c, "/posts/"+strconv.FormatInt(id, 10))}
	d.Post.URL = "/posts/" + strconv.FormatInt(id, 10)
	return h.memberPage(c, http.StatusOK, "member_delete", i18n.Text("delete.title"), "", d)
}

// DeletePost deletes one's own post (it stays a tombstone) and sends the
// Delete; the person goes back to next, unless next was the post itself.
func (h *Handler) DeletePost(c echo.Context) error {
	v, p, err := h.viewerPost(c, func(int64) string { return "/home" }, true)
	if v == nil || err != nil {
		return err
	}
	id := p.ID
	ctx := c.Request().Context()
	if p.RealAuthorID != nil {
		err = h.outbox.DeleteAnonymous(ctx, p)
	} else {
		err = h.outbox.Delete(ctx, v.Actor, p)
	}
	if err != nil {
		return err
	}
	next := nextOr(c, "/home?deleted=1")
	if pointsAt(next, "/posts/"+strconv.FormatInt(id, 10)) || pointsAt(next, h.localPath(p.URI)) {
		next = "/home?deleted=1" // the post's page is gone
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// pointsAt reports whether a local path (with query or fragment) is page.
func pointsAt(path, page string) bool {
	rest, ok := strings.CutPrefix(path, page)
	return ok && (rest == "" || strings.ContainsAny(rest[:1], "?#/"))
}

// LikePost likes a post the person may see (POST /posts/:id/like).
func (h *Handler) LikePost(c echo.Context) error { return h.like(c, true) }

// UnlikePost takes a like back (POST /posts/:id/unlike).
func (h *Handler) UnlikePost(c echo.Context) error { return h.like(c, false) }

func (h *Handler) like(c echo.Context, like bool) error {
	v, p, err := h.viewerPost(c, memberPostPath, false)
	if v == nil || err != nil {
		return err
	}
	id := p.ID
	path := "/posts/" + strconv.FormatInt(id, 10)
	ctx := c.Request().Context()
	if like {
		err = h.outbox.Like(ctx, v.Actor, p)
	} else {
		err = h.outbox.Unlike(ctx, v.Actor, p)
	}
	if err != nil {
		return err
	}
	return goBack(c, path)
}

// postLimited shows the compose form again, with what was typed, saying
// how long to wait: 429 and Retry-After.
func (h *Handler) postLimited(c echo.Context, v *models.Account, f composeForm, parent *models.Post, err *ratelimit.Error) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(err.RetryAfter()))
	f.Errors["text"] = i18n.Wait("compose.error.limited", err.Wait)
	return h.composeAgainWith(c, http.StatusTooManyRequests, f, parent)
}
