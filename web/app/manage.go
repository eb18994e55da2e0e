package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// The moderators' pages of a group: its join requests and pins
// (/groups/:name/manage) and its settings (/groups/:name/settings; see
// manage_settings.go). Only the group's moderators and the instance's
// admins may see them; others get a 403 page, and signed-out visitors the
// log-in form.

const (
	manageRequestsShown = 30 // join requests one page lists
	managePostsShown    = 10 // recent posts offered for pinning
)

// groupRef names the group a moderators' page is about.
type groupRef struct {
	Name        string
	Title       string
	URL         string // its public page
	Manage      string // its manage page
	Settings    string // its settings page
	MembersOnly bool
}

func groupRefOf(g *models.Group) groupRef {
	p := "/groups/" + g.Actor.Username
	return groupRef{Name: g.Actor.Username, Title: g.Title, URL: p, Manage: p + "/manage", Settings: p + "/settings",
		MembersOnly: g.MembersOnly()}
}

// moderation loads the group of :name for one of its moderators or an
// admin. When it returns a nil group the request was answered (the log-in
// form, to come back to page, or a 403 page) or err says what went wrong
// (404 for no group).
func (h *Handler) moderation(c echo.Context, page string) (*models.Account, *models.Group, error) {
	name := c.Param("name")
	v, err := h.requireViewer(c, "/groups/"+name+"/"+page)
	if v == nil {
		return nil, nil, err
	}
	ctx := c.Request().Context()
	g, err := models.GroupByName(ctx, h.db, name)
	if err != nil {
		return nil, nil, httperr.Lookup(err, "group")
	}
	if !v.IsAdmin {
		mod, err := models.IsModerator(ctx, h.db, g.Actor.ID, v.Actor.ID)
		if err != nil {
			return nil, nil, err
		}
		if !mod {
			return nil, nil, h.forbiddenPage(c, "manage.forbidden")
		}
	}
	return v, g, nil
}

// forbiddenPage answers 403 with a page saying why (key.title, key.text).
func (h *Handler) forbiddenPage(c echo.Context, key string) error {
	d := errorData{Status: http.StatusForbidden, Heading: i18n.Text(key + ".title"), Text: i18n.Text(key + ".text")}
	return h.page(c, http.StatusForbidden, "error", d.Heading, d)
}

// joinRequestView is a pending join request as the manage page shows it,
// or a follow request as the person's follow requests page does.
type joinRequestView struct {
	FollowID   int64
	Person     actorLink
	From       string // the requester's server, or this one
	Remote     bool
	Limited    bool     // the requester's server is silenced here
	ToGroup    bool     // a request to join a group: its answers show
	Bio        []string // plain text paragraphs
	Answers    string   // plain text, line breaks kept by the page
	Asked      time.Time
	AskedISO   string
	ApproveURL string
	RejectURL  string
}

// pinnableView is a group's post on the manage page, with its pin form.
type pinnableView struct {
	Post   postView
	Pinned bool
	CanPin bool   // it may be pinned (else Why says why not)
	Why    string // why it cannot be pinned
	PostID string // for the form
}

// manageData is the manage page of a group.
type manageData struct {
	Group         groupRef
	Notice        string // what the last action did
	Error         string // why the last action failed
	Questions     []string
	Requests      []joinRequestView
	MoreRequests  int // pending requests not shown
	TotalRequests int
	OpenReports   int // open reports in the group's queue
	Pinned        []pinnableView
	Recent        []pinnableView
	MaxPins       int
	Moderation    groupModerationData // manage_moderation.go
}

// manageNotices are the ?done= notices of the manage page.
var manageNotices = map[string]string{
	"approved": "manage.done.approved",
	"rejected": "manage.done.rejected",
	"gone":     "manage.done.gone",
	"pinned":   "manage.done.pinned",
	"unpinned": "manage.done.unpinned",
}

// ManagePage shows a group's pending join requests and its pins.
func (h *Handler) ManagePage(c echo.Context) error {
	_, g, err := h.moderation(c, "manage")
	if g == nil {
		return err
	}
	d := manageData{}
	if k, ok := manageNotices[c.QueryParam("done")]; ok {
		d.Notice = i18n.Text(k)
	} else if k, ok := groupModerationNotices[c.QueryParam("done")]; ok {
		d.Notice = i18n.Text(k)
	}
	return h.renderManage(c, http.StatusOK, g, d)
}

// renderManage fills the manage page's lists and renders it.
func (h *Handler) renderManage(c echo.Context, status int, g *models.Group, d manageData) error {
	ctx := c.Request().Context()
	d.Group = groupRefOf(g)
	d.Questions = models.JoinQuestionList(g.JoinQuestions)
	d.MaxPins = models.MaxPins
	reqs, total, err := models.PendingJoinRequests(ctx, h.db, g.Actor.ID, manageRequestsShown)
	if err != nil {
		return fmt.Errorf("web: manage: %w", err)
	}
	d.TotalRequests, d.MoreRequests = total, max(0, total-len(reqs))
	for _, r := range reqs {
		d.Requests = append(d.Requests, h.joinRequestView("/groups/"+g.Actor.Username+"/requests/", true, r))
	}
	if d.OpenReports, err = models.CountOpenReports(ctx, h.db, &g.Actor.ID); err != nil {
		return fmt.Errorf("web: manage: %w", err)
	}
	pinned, err := models.PinnedGroupPosts(ctx, h.db, g.Actor.ID)
	if err != nil {
		return fmt.Errorf("web: manage: %w", err)
	}
	recent, err := models.GroupPosts(ctx, h.db, g.Actor.ID, 0, managePostsShown)
	if err != nil {
		return fmt.Errorf("web: manage: %w", err)
	}
	views, err := h.newPostViews(ctx, append(append([]*models.Post{}, pinned...), recent...))
	if err != nil {
		return err
	}
	views.inGroup = g.Actor.ID
	isPinned := map[int64]bool{}
	for _, p := range pinned {
		isPinned[p.ID] = true
		d.Pinned = append(d.Pinned, pinnableView{Post: views.view(p, false), Pinned: true, PostID: strconv.FormatInt(p.ID, 10)})
	}
	for _, p := range recent {
		if isPinned[p.ID] {
			continue
		}
		v := pinnableView{Post: views.view(p, false), PostID: strconv.FormatInt(p.ID, 10), CanPin: true}
		switch {
		case !p.Local:
			v.CanPin, v.Why = false, i18n.Text("manage.pins.remote")
		case p.Visibility != models.VisibilityPublicPost && p.Visibility != models.VisibilityUnlisted &&
			!(g.MembersOnly() && p.Visibility == models.VisibilityPrivate):
			v.CanPin, v.Why = false, i18n.Text("manage.pins.private")
		}
		d.Recent = append(d.Recent, v)
	}
	if d.Moderation, err = h.groupModeration(ctx, h.viewer(c), g); err != nil {
		return fmt.Errorf("web: manage: %w", err)
	}
	return h.page(c, status, "manage_group", fmt.Sprintf(i18n.Text("manage.title"), g.Title), d)
}

// joinRequestView shows who asks: name, handle, server (and whether it is
// silenced here), bio as plain text, and their answers to a group's
// questions. Its forms post to base+ID+"/approve" and "/reject".
func (h *Handler) joinRequestView(base string, toGroup bool, r models.JoinRequest) joinRequestView {
	a := r.Actor
	v := joinRequestView{FollowID: r.Follow.ID, Person: h.linkActor(a), Remote: !a.IsLocal(), Limited: r.Limited,
		ToGroup: toGroup, Answers: content.CutRunes(strings.TrimSpace(r.Answers), models.MaxSummaryLength),
		Asked: r.Follow.CreatedAt, AskedISO: r.Follow.CreatedAt.UTC().Format(time.RFC3339)}
	id := strconv.FormatInt(r.Follow.ID, 10)
	v.ApproveURL = base + id + "/approve"
	v.RejectURL = base + id + "/reject"
	bio := a.Summary
	if v.Remote {
		v.From = a.Domain
		bio = content.PlainText(h.sanitizer.Sanitize(a.Summary))
	} else {
		v.From = h.urls.Host()
	}
	v.Bio = paragraphs(content.CutRunes(bio, models.MaxBioLength*2))
	return v
}

// ApproveJoinRequest answers POST /groups/:name/requests/:id/approve.
func (h *Handler) ApproveJoinRequest(c echo.Context) error {
	return h.decideJoinRequest(c, "approved", func(ctx context.Context, tx pgx.Tx, f *models.Follow, mod *models.Actor) error {
		return h.outbox.ApproveMember(ctx, tx, f, mod)
	})
}

// RejectJoinRequest answers POST /groups/:name/requests/:id/reject.
func (h *Handler) RejectJoinRequest(c echo.Context) error {
	return h.decideJoinRequest(c, "rejected", func(ctx context.Context, tx pgx.Tx, f *models.Follow, mod *models.Actor) error {
		return h.outbox.RejectMember(ctx, tx, f, mod)
	})
}

// decideJoinRequest applies decide (the API's authorize or reject: Accept
// or Reject delivered to a remote requester) to the group's pending
// request :id in one transaction, then goes back to the manage page. A
// request decided meanwhile (by another moderator, or withdrawn) says so.
func (h *Handler) decideJoinRequest(c echo.Context, done string, decide func(context.Context, pgx.Tx, *models.Follow, *models.Actor) error) error {
	v, g, err := h.moderation(c, "manage")
	if g == nil {
		return err
	}
	id, decided, err := h.decidePending(c, g.Actor, v.Actor, decide)
	if err != nil {
		return err
	}
	if !decided {
		done = "gone"
	} else {
		h.logger.InfoContext(c.Request().Context(), "join request "+done, "group", g.Actor.Username, "follow", id, "moderator", v.Actor.Username)
	}
	return c.Redirect(http.StatusSeeOther, groupRefOf(g).Manage+"?done="+done)
}

// PinPost answers POST /groups/:name/pins: the form's post joins the
// group's featured collection.
func (h *Handler) PinPost(c echo.Context) error {
	v, g, err := h.moderation(c, "manage")
	if g == nil {
		return err
	}
	id, _ := strconv.ParseInt(strings.TrimSpace(c.Request().PostFormValue("post")), 10, 64)
	err = h.changePin(c.Request().Context(), v, g, id, true)
	var key string
	switch {
	case errors.Is(err, models.ErrPinNotInGroup):
		key = "manage.pins.error.group"
	case errors.Is(err, models.ErrPinNotShareable):
		key = "manage.pins.error.shareable"
	case errors.Is(err, models.ErrTooManyPins):
		key = "manage.pins.error.many"
	case err != nil:
		return fmt.Errorf("web: pin: %w", err)
	}
	if key != "" {
		d := manageData{Error: i18n.Text(key)}
		if key == "manage.pins.error.many" {
			d.Error = fmt.Sprintf(d.Error, models.MaxPins)
		}
		return h.renderManage(c, http.StatusUnprocessableEntity, g, d)
	}
	return c.Redirect(http.StatusSeeOther, groupRefOf(g).Manage+"?done=pinned#pins")
}

// UnpinPost answers POST /groups/:name/unpin.
func (h *Handler) UnpinPost(c echo.Context) error {
	v, g, err := h.moderation(c, "manage")
	if g == nil {
		return err
	}
	id, _ := strconv.ParseInt(strings.TrimSpace(c.Request().PostFormValue("post")), 10, 64)
	if err := h.changePin(c.Request().Context(), v, g, id, false); err != nil {
		return fmt.Errorf("web: unpin: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, groupRefOf(g).Manage+"?done=unpinned#pins")
}

// sendGroupUpdate tells the group's remote followers its new actor
// document (Update{Group}), in tx.
func (h *Handler) sendGroupUpdate(ctx context.Context, tx pgx.Tx, g *models.Group, moderator *models.Actor) error {
	if h.outbox == nil {
		return nil
	}
	inboxes, err := models.FollowerInboxes(ctx, tx, g.Actor.ID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	doc, err := federation.ActorDocument(h.urls, g.Actor, g, federation.ActorExtras{})
	if err != nil {
		return err
	}
	id, actor := h.urls.NewActivityID(), h.urls.Actor(g.Actor)
	update, err := federation.Wrap("Update", id, actor,
		federation.NoteAddress{To: []string{federation.Public}, Cc: []string{h.urls.Followers(g.Actor)}}, doc)
	if err != nil {
		return err
	}
	if _, err = h.outbox.Send(ctx, tx, outbox.Message{Actor: g.Actor, ID: id, Document: update, ObjectURI: actor, Inboxes: inboxes}); err != nil {
		return err
	}
	// Lemmy reads the change only as its moderator's Update, announced.
	return h.outbox.GroupEdited(ctx, tx, outbox.GroupAction{Group: g.Actor, Moderator: moderator}, doc)
}
