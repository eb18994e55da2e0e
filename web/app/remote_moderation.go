package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/i18n"
)

// Moderating a group of another server from here. Someone here whom a
// remote group lists in its moderators collection finds its posts, bans,
// join requests and reports at /moderate/:id (the group's actor id here).
// What she does is sent, signed by her, to the group's inbox, which checks
// her against its moderators and announces what it applies: the page
// shows the state the group announced back. Whether she moderates the
// group is read from its collection (signed GET) and kept a short while.

// remoteModeratorFresh is how long a reading of a remote group's
// moderators collection is trusted before it is read again.
const remoteModeratorFresh = 2 * time.Minute

func remoteModerationPath(g *models.Actor) string {
	return "/moderate/" + strconv.FormatInt(g.ID, 10)
}

// moderatesRemoteGroup reports whether the viewer moderates a remote group,
// reading its moderators collection again when the last reading is stale.
// When the group's server cannot answer, the last reading stands.
func (h *Handler) moderatesRemoteGroup(ctx context.Context, v *models.Account, g *models.Actor) (bool, error) {
	listed, at, err := models.RemoteModeratorSince(ctx, h.db, g.ID, v.Actor.ID)
	if err != nil {
		return false, err
	}
	if listed && h.clock().Sub(at) < remoteModeratorFresh {
		return true, nil
	}
	if h.resolver == nil {
		return listed, nil
	}
	mods, err := h.resolver.GroupModerators(ctx, g.URI)
	if err != nil {
		h.logger.InfoContext(ctx, "web: moderators of a remote group not readable", "group", g.URI, "error", err)
		return listed, nil
	}
	listed = slices.Contains(mods, h.urls.Actor(v.Actor))
	return listed, models.SetRemoteModerator(ctx, h.db, g.ID, v.Actor.ID, listed)
}

// remoteModerated loads the remote group of the request for a viewer who
// moderates it; with a nil group the request was answered (the log-in
// form) or err says why not (404, which tells nothing to anyone else).
func (h *Handler) remoteModerated(c echo.Context) (*models.Account, *models.Actor, error) {
	v, err := h.requireViewer(c, c.Request().URL.Path)
	if v == nil {
		return nil, nil, err
	}
	notFound := echo.NewHTTPError(http.StatusNotFound, "page not found")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, notFound
	}
	ctx := c.Request().Context()
	g, err := models.ActorByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (g.IsLocal() || g.Type != models.ActorGroup)) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	mod, err := h.moderatesRemoteGroup(ctx, v, g)
	if err != nil {
		return nil, nil, err
	}
	if !mod {
		return nil, nil, notFound
	}
	return v, g, nil
}

// remoteGroupItem is one group on the list of groups moderated elsewhere.
type remoteGroupItem struct {
	Group    actorLink
	URL      string
	Reports  int
	Requests int
}

// RemoteModerationList answers GET /moderate: the groups on other servers
// the viewer moderates (among those she belongs to or was seen moderating).
func (h *Handler) RemoteModerationList(c echo.Context) error {
	v, err := h.requireViewer(c, "/moderate")
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	candidates, err := models.RemoteGroupCandidates(ctx, h.db, v.Actor.ID)
	if err != nil {
		return fmt.Errorf("web: remote moderation: %w", err)
	}
	var items []remoteGroupItem
	for _, g := range candidates {
		mod, err := h.moderatesRemoteGroup(ctx, v, g)
		if err != nil {
			return fmt.Errorf("web: remote moderation: %w", err)
		}
		if !mod {
			continue
		}
		_, open, err := models.Reports(ctx, h.db, models.ReportFilter{GroupID: &g.ID, State: models.ReportOpen, Limit: 1})
		if err != nil {
			return fmt.Errorf("web: remote moderation: %w", err)
		}
		requests, err := models.PendingRemoteJoinRequests(ctx, h.db, g.ID)
		if err != nil {
			return fmt.Errorf("web: remote moderation: %w", err)
		}
		items = append(items, remoteGroupItem{Group: h.linkActor(g), URL: remoteModerationPath(g), Reports: open, Requests: len(requests)})
	}
	return h.page(c, http.StatusOK, "remote_moderation", i18n.Text("remotemod.title"), struct{ Groups []remoteGroupItem }{items})
}

// remoteModPost is a post of the group with its moderation forms.
type remoteModPost struct {
	Post   postView
	PostID int64
	Locked bool
}

// remoteModBan is a ban the group announced.
type remoteModBan struct {
	Person  actorLink
	ActorID int64
	Reason  string
	Ends    string
}

// remoteModRequest is a request to join the group.
type remoteModRequest struct {
	ID      int64
	Person  actorLink
	Answers []string
}

// remoteModerationDone are the outcomes the page reports after a form.
var remoteModerationDone = []string{"removed", "locked", "unlocked", "banned", "unbanned", "approved", "rejected",
	"report_resolved", "report_dismissed", "nothing"}

// remoteModerationData is the page of one remote group.
type remoteModerationData struct {
	Group      actorLink
	GroupURI   string
	Path       string
	Notice     string
	Error      string
	Posts      []remoteModPost
	Bans       []remoteModBan
	Requests   []remoteModRequest
	Reports    []reportView
	MaxBanDays int
}

// RemoteModerationPage answers GET /moderate/:id.
func (h *Handler) RemoteModerationPage(c echo.Context) error {
	v, g, err := h.remoteModerated(c)
	if g == nil {
		return err
	}
	d := remoteModerationData{}
	if k := c.QueryParam("done"); slices.Contains(remoteModerationDone, k) {
		d.Notice = i18n.Text("remotemod.done." + k)
	}
	return h.renderRemoteModeration(c, http.StatusOK, v, g, d)
}

func (h *Handler) renderRemoteModeration(c echo.Context, status int, v *models.Account, g *models.Actor, d remoteModerationData) error {
	ctx := c.Request().Context()
	d.Group, d.GroupURI, d.Path, d.MaxBanDays = h.linkActor(g), g.URI, remoteModerationPath(g), maxBanDays
	posts, err := models.GroupPosts(ctx, h.db, g.ID, 0, 30)
	if err != nil {
		return fmt.Errorf("web: remote moderation: %w", err)
	}
	views, err := h.newPostViews(ctx, posts)
	if err != nil {
		return err
	}
	views.inGroup = g.ID
	for _, p := range posts {
		d.Posts = append(d.Posts, remoteModPost{Post: views.view(p, false), PostID: p.ID, Locked: p.LockedAt != nil})
	}
	bans, err := models.GroupBans(ctx, h.db, g.ID)
	if err != nil {
		return fmt.Errorf("web: remote moderation: %w", err)
	}
	for _, b := range bans {
		rb := remoteModBan{Person: h.linkActor(b.Actor), ActorID: b.ActorID, Reason: b.Reason}
		if b.EndsAt != nil {
			rb.Ends = b.EndsAt.UTC().Format("2 January 2006")
		}
		d.Bans = append(d.Bans, rb)
	}
	requests, err := models.PendingRemoteJoinRequests(ctx, h.db, g.ID)
	if err != nil {
		return fmt.Errorf("web: remote moderation: %w", err)
	}
	for _, r := range requests {
		who, err := models.ActorByID(ctx, h.db, r.RequesterID)
		if err != nil {
			return fmt.Errorf("web: remote moderation: %w", err)
		}
		d.Requests = append(d.Requests, remoteModRequest{ID: r.ID, Person: h.linkActor(who), Answers: paragraphs(r.Answers)})
	}
	list, _, err := models.Reports(ctx, h.db, models.ReportFilter{GroupID: &g.ID, State: models.ReportOpen, Limit: reportsShown})
	if err != nil {
		return fmt.Errorf("web: remote moderation: %w", err)
	}
	q := &reportQueue{Path: d.Path + "/reports"}
	if d.Reports, err = h.reportViews(ctx, v, q, list); err != nil {
		return err
	}
	return h.page(c, status, "remote_moderation_group", fmt.Sprintf(i18n.Text("remotemod.group.title"), d.Group.Name), d)
}

// sendRemoteModeration runs one action of a moderator here about a remote
// group in a transaction and sends what it makes to the group.
func (h *Handler) sendRemoteModeration(c echo.Context, done string, act func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error) error {
	v, g, err := h.remoteModerated(c)
	if g == nil {
		return err
	}
	if h.outbox == nil {
		return errors.New("web: remote moderation needs the outbox")
	}
	ctx := c.Request().Context()
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error { return act(ctx, tx, v, g) })
	var refusal formRefusal
	if errors.As(err, &refusal) {
		return h.renderRemoteModeration(c, http.StatusUnprocessableEntity, v, g, remoteModerationData{Error: string(refusal)})
	}
	if errors.Is(err, errNothingDone) {
		done = "nothing"
	} else if err != nil {
		return fmt.Errorf("web: remote moderation: %w", err)
	} else {
		h.logger.InfoContext(ctx, "remote group moderation sent", "group", g.URI, "action", done, "moderator", v.Actor.Username)
	}
	return c.Redirect(http.StatusSeeOther, remoteModerationPath(g)+"?done="+done)
}

// remoteGroupPost loads the post the form names (its id here) when it is
// one of the group's.
func remoteGroupPost(ctx context.Context, tx pgx.Tx, g *models.Actor, form string) (*models.Post, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(form), 10, 64)
	if err != nil {
		return nil, formRefusal(i18n.Text("groupmod.error.post"))
	}
	p, err := models.PostByID(ctx, tx, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (p.GroupID == nil || *p.GroupID != g.ID)) {
		return nil, formRefusal(i18n.Text("groupmod.error.post"))
	}
	if err == nil && p.DeletedAt != nil {
		return nil, errNothingDone
	}
	return p, err
}

func remoteReason(form string) string {
	return content.CutRunes(strings.TrimSpace(form), models.MaxSummaryLength)
}

// logRemote writes what a moderator here sent about a remote group to the
// audit log here (the group's server logs what it applies).
func logRemote(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor, action string, actorID, postID *int64, target, reason string) error {
	return models.LogModeration(ctx, tx, models.ModerationAction{GroupID: &g.ID, ModeratorID: &v.Actor.ID, Action: action,
		TargetActorID: actorID, TargetPostID: postID, TargetText: target, Reason: reason})
}

// RemoveRemoteGroupPost answers POST /moderate/:id/remove (post, reason):
// Delete{object: post, summary: reason} to the group.
func (h *Handler) RemoveRemoteGroupPost(c echo.Context) error {
	r := c.Request()
	return h.sendRemoteModeration(c, "removed", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error {
		p, err := remoteGroupPost(ctx, tx, g, r.PostFormValue("post"))
		if err != nil {
			return err
		}
		reason := remoteReason(r.PostFormValue("reason"))
		if _, err := h.outbox.ModerateRemoteGroup(ctx, tx, outbox.RemoteModeration{Moderator: v.Actor, Group: g,
			Type: "Delete", Object: p.URI, ObjectURI: p.URI, Reason: reason}); err != nil {
			return err
		}
		return logRemote(ctx, tx, v, g, models.ModRemovePost, &p.AuthorID, &p.ID, p.URI, reason)
	})
}

// LockRemoteThread answers POST /moderate/:id/lock and /unlock (post):
// Lock{object: post} or Undo{Lock}.
func (h *Handler) LockRemoteThread(locked bool) echo.HandlerFunc {
	done, action := "locked", models.ModLockThread
	if !locked {
		done, action = "unlocked", models.ModUnlockThread
	}
	return func(c echo.Context) error {
		r := c.Request()
		return h.sendRemoteModeration(c, done, func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error {
			p, err := remoteGroupPost(ctx, tx, g, r.PostFormValue("post"))
			if err != nil {
				return err
			}
			m := outbox.RemoteModeration{Moderator: v.Actor, Group: g, Type: "Lock", Object: p.URI, ObjectURI: p.URI}
			if !locked {
				m.Type, m.Object = "Undo", map[string]any{"type": "Lock", "actor": h.urls.Actor(v.Actor), "object": p.URI}
			}
			if _, err := h.outbox.ModerateRemoteGroup(ctx, tx, m); err != nil {
				return err
			}
			return logRemote(ctx, tx, v, g, action, &p.AuthorID, &p.ID, p.URI, "")
		})
	}
}

// BanRemoteMember answers POST /moderate/:id/bans (handle, reason, days,
// remove_posts): Block{object: person, target: group, summary, endTime,
// removeData}.
func (h *Handler) BanRemoteMember(c echo.Context) error {
	r := c.Request()
	who, findErr := h.findActorForm(r.Context(), r.PostFormValue("handle"))
	return h.sendRemoteModeration(c, "banned", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error {
		if findErr != nil {
			return findErr
		}
		if who.ID == g.ID || who.ID == v.Actor.ID {
			return formRefusal(i18n.Text("groupmod.error.ban_self"))
		}
		fields := map[string]any{"target": g.URI, "removeData": r.PostFormValue("remove_posts") != ""}
		if s := strings.TrimSpace(r.PostFormValue("days")); s != "" {
			days, err := strconv.Atoi(s)
			if err != nil || days < 1 || days > maxBanDays {
				return formRefusal(fmt.Sprintf(i18n.Text("groupmod.error.days"), maxBanDays))
			}
			fields["endTime"] = h.clock().Add(time.Duration(days) * 24 * time.Hour).UTC().Format(time.RFC3339)
		}
		whoURI := h.urls.Actor(who)
		reason := remoteReason(r.PostFormValue("reason"))
		if _, err := h.outbox.ModerateRemoteGroup(ctx, tx, outbox.RemoteModeration{Moderator: v.Actor, Group: g,
			Type: "Block", Object: whoURI, ObjectURI: whoURI, Reason: reason, Fields: fields}); err != nil {
			return err
		}
		return logRemote(ctx, tx, v, g, models.ModBan, &who.ID, nil, whoURI, reason)
	})
}

// UnbanRemoteMember answers POST /moderate/:id/unban (actor): Undo{Block}
// of the ban the group announced.
func (h *Handler) UnbanRemoteMember(c echo.Context) error {
	r := c.Request()
	return h.sendRemoteModeration(c, "unbanned", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error {
		who, err := actorIDParam(ctx, tx, r.PostFormValue("actor"))
		if err != nil {
			return err
		}
		bans, err := models.GroupBans(ctx, tx, g.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(bans, func(b *models.GroupBan) bool { return b.ActorID == who.ID })
		if i < 0 {
			return errNothingDone
		}
		whoURI := h.urls.Actor(who)
		block := map[string]any{"type": "Block", "object": whoURI, "target": g.URI}
		if bans[i].ActivityURI != "" {
			block["id"] = bans[i].ActivityURI
		}
		if _, err := h.outbox.ModerateRemoteGroup(ctx, tx, outbox.RemoteModeration{Moderator: v.Actor, Group: g,
			Type: "Undo", Object: block, ObjectURI: whoURI}); err != nil {
			return err
		}
		return logRemote(ctx, tx, v, g, models.ModUnban, &who.ID, nil, whoURI, "")
	})
}

// AnswerRemoteJoin answers POST /moderate/:id/requests/:rid/approve and
// /reject: Accept{Follow} or Reject{Follow} to the group, which answers
// the requester itself.
func (h *Handler) AnswerRemoteJoin(accepted bool) echo.HandlerFunc {
	typ, done, action := "Accept", "approved", models.ModApproveMember
	if !accepted {
		typ, done, action = "Reject", "rejected", models.ModRejectMember
	}
	return func(c echo.Context) error {
		return h.sendRemoteModeration(c, done, func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error {
			id, err := strconv.ParseInt(c.Param("rid"), 10, 64)
			if err != nil {
				return errNothingDone
			}
			req, err := models.DecideRemoteJoinRequest(ctx, tx, g.ID, id, accepted)
			if errors.Is(err, models.ErrNotFound) {
				return errNothingDone
			}
			if err != nil {
				return err
			}
			who, err := models.ActorByID(ctx, tx, req.RequesterID)
			if err != nil {
				return err
			}
			whoURI := h.urls.Actor(who)
			follow := map[string]any{"id": req.FollowURI, "type": "Follow", "actor": whoURI, "object": g.URI}
			if _, err := h.outbox.ModerateRemoteGroup(ctx, tx, outbox.RemoteModeration{Moderator: v.Actor, Group: g,
				Type: typ, Object: follow, ObjectURI: req.FollowURI}); err != nil {
				return err
			}
			return logRemote(ctx, tx, v, g, action, &who.ID, nil, whoURI, "")
		})
	}
}

// DecideRemoteReport answers POST /moderate/:id/reports/:rid/resolve and
// /dismiss: the report here is closed and logged.
func (h *Handler) DecideRemoteReport(resolve bool) echo.HandlerFunc {
	state, action := models.ReportResolved, models.ModResolveReport
	if !resolve {
		state, action = models.ReportDismissed, models.ModDismissReport
	}
	return func(c echo.Context) error {
		return h.sendRemoteModeration(c, "report_"+state, func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Actor) error {
			id, err := strconv.ParseInt(c.Param("rid"), 10, 64)
			if err != nil {
				return errNothingDone
			}
			r, err := models.DecideReport(ctx, tx, id, &g.ID, v.Actor.ID, state)
			if errors.Is(err, models.ErrNotFound) {
				return errNothingDone
			}
			if err != nil {
				return err
			}
			entry := models.ModerationAction{GroupID: &g.ID, ModeratorID: &v.Actor.ID, Action: action,
				TargetActorID: &r.TargetID, TargetText: "report #" + strconv.FormatInt(r.ID, 10)}
			return models.LogModeration(ctx, tx, entry)
		})
	}
}
