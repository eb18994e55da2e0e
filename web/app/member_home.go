package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// memberHomeData is a member's home: the compose form, the follow form,
// and the feed of what they follow (and what their groups shared).
type memberHomeData struct {
	Name    string
	Compose composeForm
	Follow  followForm
	Posts   []memberPost
	Older   string // the next, older page of the feed
}

// followForm is "Follow someone: @name@server".
type followForm struct {
	Handle string
	Error  string
}

// MemberHome shows the home feed, newest first, paged by ?max_id=.
func (h *Handler) MemberHome(c echo.Context) error {
	v, err := h.signInFirst(c, requestPath(c))
	if v == nil {
		return err
	}
	d, err := h.homeData(c, v)
	if err != nil {
		return err
	}
	flash, err := h.followedFlash(c.Request().Context(), v, c.QueryParam("followed"))
	if err != nil {
		return err
	}
	if c.QueryParam("deleted") == "1" {
		flash = i18n.Text("delete.done")
	}
	return h.memberPage(c, http.StatusOK, "member_home", i18n.Text("member.home.title"), flash, d)
}

// homeData builds the home page for v: one page of the feed, from the
// cursor in ?max_id=.
func (h *Handler) homeData(c echo.Context, v *models.Account) (memberHomeData, error) {
	ctx := c.Request().Context()
	csrf := csrfToken(c)
	d := memberHomeData{Name: h.linkActor(v.Actor).Name}
	var err error
	if d.Compose, err = h.homeCompose(ctx, v, csrf); err != nil {
		return d, err
	}
	maxID, _ := strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	here := "/home"
	if maxID > 0 {
		here += "?max_id=" + strconv.FormatInt(maxID, 10)
	}
	entries, err := models.HomeTimeline(ctx, h.db, v.Actor.ID, models.Page{MaxID: maxID, Limit: memberFeedLimit})
	if err != nil {
		return d, err
	}
	if len(entries) == memberFeedLimit {
		d.Older = "/home?max_id=" + strconv.FormatInt(entries[len(entries)-1].ID, 10)
	}
	ids := make([]int64, 0, len(entries))
	var boosterIDs []int64
	for _, e := range entries {
		ids = append(ids, e.PostID)
		if e.BoosterID != 0 {
			boosterIDs = append(boosterIDs, e.BoosterID)
		}
	}
	posts, err := models.Posts(ctx, h.db, ids, v.Actor.ID)
	if err != nil {
		return d, err
	}
	boosters, err := models.ActorsByID(ctx, h.db, boosterIDs)
	if err != nil {
		return d, err
	}
	seen := access.For(h.db, h.urls, v)
	if err := seen.LoadPublic(ctx, ids); err != nil {
		return d, err
	}
	// A post shows once, at its newest entry: a group's share of a post
	// comes after the post itself, and stands for it.
	shown := map[int64]bool{}
	var list []*models.Post
	var sharedBy []*models.Actor
	for _, e := range entries {
		p := posts[e.PostID]
		if p == nil || shown[p.ID] {
			continue
		}
		if ok, err := seen.Can(ctx, p); err != nil {
			return d, err
		} else if !ok {
			continue
		}
		shown[p.ID] = true
		list = append(list, p)
		sharedBy = append(sharedBy, boosters[e.BoosterID])
	}
	views, err := h.newPostViews(ctx, list)
	if err == nil {
		err = views.withVoter(ctx, v.Actor.ID)
	}
	if err != nil {
		return d, err
	}
	filters, err := h.filtersIn(ctx, v.Actor.ID, models.FilterHome)
	if err != nil {
		return d, err
	}
	for i, p := range list {
		mp := h.memberView(views, p, v, csrf, here, false)
		if !foldFiltered(filters, p, &mp) {
			continue
		}
		if b := sharedBy[i]; b != nil {
			l := h.linkActor(b)
			mp.member.SharedBy = &l
			if p.GroupID != nil && *p.GroupID == b.ID { // "shared by" the group says where it is
				mp.GroupName, mp.GroupURL = "", ""
			}
		}
		d.Posts = append(d.Posts, mp)
	}
	return d, nil
}

// memberView is a post as a member page shows it: its link goes to its
// member page, and it carries the viewer's actions.
// full shows the whole post whatever the page's budget (the post a page is
// about).
func (h *Handler) memberView(views *postViews, p *models.Post, v *models.Account, csrf, next string, full bool) memberPost {
	pv := views.view(p, full)
	pv.URL = "/posts/" + strconv.FormatInt(p.ID, 10)
	views.memberPoll(&pv, p, v.Actor, csrf, next)
	return memberPost{postView: pv, member: &postMember{ID: p.ID, CSRF: csrf, Next: next, Likes: p.LikesCount,
		Liked: p.LikedByViewer, CanLike: true, Own: p.AuthorID == v.Actor.ID || writtenAnonymouslyBy(p, v), Reply: true,
		Anonymous: writtenAnonymouslyBy(p, v), Bookmarked: p.Viewer.Bookmarked, Private: p.Visibility == models.VisibilityDirect}}
}

// homeCompose is the home page's form: a post to one's followers, or into
// one of the groups one belongs to.
func (h *Handler) homeCompose(ctx context.Context, v *models.Account, csrf string) (composeForm, error) {
	f := composeForm{ID: "home-post", CSRF: csrf, Action: "/posts", Label: i18n.Text("compose.label"),
		Submit: i18n.Text("compose.submit"), Next: "/home", Uploads: h.media != nil}
	following, err := models.Following(ctx, h.db, v.Actor.ID, models.FollowAccepted, models.Page{Limit: 80})
	if err != nil {
		return f, err
	}
	for _, e := range following {
		if e.Actor.Type != models.ActorGroup {
			continue
		}
		l := h.linkActor(e.Actor)
		speaking, err := h.speakingOfGroup(ctx, e.Actor)
		if err != nil {
			return f, err
		}
		f.Groups = append(f.Groups, groupChoice{Handle: l.Handle, Name: l.Name, Topics: speaking.Topics, AllowAnonymous: speaking.AllowAnonymous})
	}
	slices.SortFunc(f.Groups, func(a, b groupChoice) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return f, nil
}

// followedFlash says what came of following the actor whose id the home
// page was sent back with (?followed=ID); "" when there is nothing to say.
func (h *Handler) followedFlash(ctx context.Context, v *models.Account, idText string) (string, error) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "", nil
	}
	f, err := models.FollowBetween(ctx, h.db, v.Actor.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	a, err := models.ActorByID(ctx, h.db, id)
	if err != nil {
		return "", err
	}
	name := h.linkActor(a).Name
	if f.State == models.FollowAccepted {
		return i18n.Format("follow.done", name), nil
	}
	return i18n.Format("follow.requested", name), nil
}

// FollowByHandle follows a person or group by handle (@name@server, or a
// name here): at once here, with a request to another server. Members-only
// groups here are joined from their join page, which asks their questions.
func (h *Handler) FollowByHandle(c echo.Context) error {
	v, err := h.signInFirst(c, "/home")
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	handle := strings.TrimSpace(c.FormValue("handle"))
	target, problem := h.findToFollow(ctx, handle)
	if target != nil {
		if target.IsLocal() && target.Type == models.ActorGroup && target.ManuallyApprovesFollowers {
			return c.Redirect(http.StatusSeeOther, "/groups/"+target.Username+"/join")
		}
		if target.ID == v.Actor.ID {
			problem = i18n.Text("follow.error.self")
		} else if _, err := h.outbox.Follow(ctx, v.Actor, target); errors.Is(err, models.ErrBlocked) {
			problem = i18n.Text("follow.error.blocked")
		} else if errors.Is(err, outbox.ErrRemoteSuspended) {
			problem = i18n.Text("follow.error.suspended")
		} else if err != nil {
			return err
		} else {
			return c.Redirect(http.StatusSeeOther, "/home?followed="+strconv.FormatInt(target.ID, 10))
		}
	}
	d, err := h.homeData(c, v)
	if err != nil {
		return err
	}
	d.Follow.Handle, d.Follow.Error = content.CutRunes(handle, maxHandleLength), problem
	return h.memberPage(c, http.StatusUnprocessableEntity, "member_home", i18n.Text("member.home.title"), "", d)
}

// findToFollow finds the actor a handle names, here or on its server; or
// says, for the person, why not.
func (h *Handler) findToFollow(ctx context.Context, handle string) (*models.Actor, string) {
	bare := strings.TrimPrefix(strings.TrimPrefix(handle, "acct:"), "@")
	if bare == "" {
		return nil, i18n.Text("follow.error.empty")
	}
	if !strings.Contains(bare, "@") { // a name here
		bare += "@" + h.urls.Host()
	}
	name, host, err := parseHandle("@" + bare)
	if err != nil {
		return nil, i18n.Text("follow.error.handle")
	}
	unknown := i18n.Format("follow.error.unknown", "@"+name+"@"+host)
	if strings.EqualFold(host, h.urls.Host()) {
		a, err := models.LocalActorByName(ctx, h.db, strings.ToLower(name))
		if errors.Is(err, models.ErrNotFound) || (err == nil && a.IsSystemActor()) {
			return nil, unknown
		}
		if err != nil {
			h.logger.ErrorContext(ctx, "follow: local lookup", "error", err)
			return nil, i18n.Text("follow.error.failed")
		}
		return a, ""
	}
	if h.resolver == nil {
		return nil, i18n.Format("follow.error.unreachable", host)
	}
	ctx, cancel := context.WithTimeout(ctx, remoteFollowTimeout)
	defer cancel()
	a, err := h.resolver.Handle(ctx, "@"+name+"@"+host)
	switch {
	case errors.Is(err, federation.ErrNotActor), errors.Is(err, fetch.ErrNotFound), errors.Is(err, fetch.ErrGone):
		return nil, unknown
	case err != nil:
		h.logger.InfoContext(ctx, "follow: lookup failed", "host", host, "error", err)
		return nil, i18n.Format("follow.error.unreachable", host)
	case a.IsSystemActor():
		return nil, unknown
	}
	return a, ""
}
