package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/i18n"
)

// A group's moderation on its manage page: remove a post, lock a thread,
// ban and unban members, name and remove moderators (owners and admins).
// Each action federates (outbox/moderation.go) and is written to the
// group's audit log in the same transaction (manage_log.go shows it).

const (
	maxBanDays          = 3650
	moderatedPostsShown = 20 // newest posts and replies offered for removal
	removedPostsShown   = 10 // removed posts offered for restoring
)

// modPostView is a post of the group with its moderation forms.
type modPostView struct {
	Post   postView
	PostID string
	Locked bool
}

// banView is a ban in force.
type banView struct {
	Person  actorLink
	ActorID string
	Reason  string
	Ends    string // "" when it lasts until lifted
}

// moderatorView is one of the group's moderators.
type moderatorView struct {
	Person  actorLink
	ActorID string
	Owner   bool
}

// groupModerationData is the moderation part of the manage page.
type groupModerationData struct {
	Posts               []modPostView
	Bans                []banView
	Moderators          []moderatorView
	Removed             []modPostView // removed posts, as they were, to restore
	CanChangeModerators bool
	LogURL              string
	MaxBanDays          int
}

// groupModerationNotices are the ?done= notices of the moderation forms.
var groupModerationNotices = map[string]string{
	"removed":      "groupmod.done.removed",
	"restored":     "groupmod.done.restored",
	"locked":       "groupmod.done.locked",
	"unlocked":     "groupmod.done.unlocked",
	"banned":       "groupmod.done.banned",
	"unbanned":     "groupmod.done.unbanned",
	"mod_added":    "groupmod.done.mod_added",
	"mod_removed":  "groupmod.done.mod_removed",
	"nothing_done": "groupmod.done.nothing",
}

// groupModeration fills the manage page's moderation part for viewer.
func (h *Handler) groupModeration(ctx context.Context, viewer *models.Account, g *models.Group) (groupModerationData, error) {
	d := groupModerationData{LogURL: "/groups/" + g.Actor.Username + "/log", MaxBanDays: maxBanDays}
	posts, err := models.RecentGroupPosts(ctx, h.db, g.Actor.ID, moderatedPostsShown)
	if err != nil {
		return d, err
	}
	views, err := h.newPostViews(ctx, posts)
	if err != nil {
		return d, err
	}
	views.inGroup = g.Actor.ID
	for _, p := range posts {
		d.Posts = append(d.Posts, modPostView{Post: views.view(p, false), PostID: strconv.FormatInt(p.ID, 10), Locked: p.LockedAt != nil})
	}
	removed, err := models.RemovedPosts(ctx, h.db, g.Actor.ID, removedPostsShown)
	if err != nil {
		return d, err
	}
	var removedPosts []*models.Post
	for _, r := range removed {
		removedPosts = append(removedPosts, r.Post)
	}
	removedViews, err := h.newPostViews(ctx, removedPosts)
	if err != nil {
		return d, err
	}
	removedViews.inGroup = g.Actor.ID
	for _, p := range removedPosts {
		d.Removed = append(d.Removed, modPostView{Post: removedViews.view(p, false), PostID: strconv.FormatInt(p.ID, 10)})
	}
	bans, err := models.GroupBans(ctx, h.db, g.Actor.ID)
	if err != nil {
		return d, err
	}
	for _, b := range bans {
		v := banView{Person: h.linkActor(b.Actor), ActorID: strconv.FormatInt(b.ActorID, 10), Reason: b.Reason}
		if b.EndsAt != nil {
			v.Ends = b.EndsAt.UTC().Format("2 Jan 2006 15:04 MST")
		}
		d.Bans = append(d.Bans, v)
	}
	mods, err := models.Moderators(ctx, h.db, g.Actor.ID)
	if err != nil {
		return d, err
	}
	for _, m := range mods {
		role, err := models.ModeratorRole(ctx, h.db, g.Actor.ID, m.ID)
		if err != nil {
			return d, err
		}
		d.Moderators = append(d.Moderators, moderatorView{Person: h.linkActor(m), ActorID: strconv.FormatInt(m.ID, 10), Owner: role == models.GroupOwner})
	}
	d.CanChangeModerators, err = h.ownsGroup(ctx, viewer, g)
	return d, err
}

// ownsGroup reports whether viewer may name and remove the group's
// moderators: its owners and the instance's admins.
func (h *Handler) ownsGroup(ctx context.Context, viewer *models.Account, g *models.Group) (bool, error) {
	if viewer == nil {
		return false, nil
	}
	if viewer.IsAdmin {
		return true, nil
	}
	role, err := models.ModeratorRole(ctx, h.db, g.Actor.ID, viewer.Actor.ID)
	return role == models.GroupOwner, err
}

// moderate runs one moderation action of a form in a transaction and goes
// back to the manage page with done; an action that refuses answers with
// the manage page and the error's text (422).
func (h *Handler) moderate(c echo.Context, done string, act func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error) error {
	v, g, err := h.moderation(c, "manage")
	if g == nil {
		return err
	}
	return h.moderateAs(c, v, g, done, act)
}

// moderateAs is moderate for a viewer already known to moderate g.
func (h *Handler) moderateAs(c echo.Context, v *models.Account, g *models.Group, done string, act func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error) error {
	if h.outbox == nil {
		return errors.New("web: moderation needs the outbox")
	}
	// A reason is refused, not cut, when too long: the moderator sees what
	// was kept, and nothing is done.
	if utf8.RuneCountInString(strings.TrimSpace(c.Request().PostFormValue("reason"))) > models.MaxModerationReason {
		return h.renderManage(c, http.StatusUnprocessableEntity, g, manageData{Error: i18n.Format("groupmod.error.reason", models.MaxModerationReason)})
	}
	ctx := c.Request().Context()
	err := models.InTx(ctx, h.db, func(tx pgx.Tx) error { return act(ctx, tx, v, g) })
	var refusal formRefusal
	if errors.As(err, &refusal) {
		return h.renderManage(c, http.StatusUnprocessableEntity, g, manageData{Error: string(refusal)})
	}
	if errors.Is(err, errNothingDone) {
		done = "nothing_done"
	} else if err != nil {
		return fmt.Errorf("web: moderation: %w", err)
	} else {
		h.logger.InfoContext(ctx, "group moderation", "group", g.Actor.Username, "action", done, "moderator", v.Actor.Username)
	}
	return c.Redirect(http.StatusSeeOther, groupRefOf(g).Manage+"?done="+done+"#moderation")
}

// formRefusal is a moderation form's input refused, with the text to show.
type formRefusal string

func (r formRefusal) Error() string { return string(r) }

// errNothingDone: the action was done already (by another moderator).
var errNothingDone = errors.New("web: nothing to do")

func (h *Handler) actionOf(v *models.Account, g *models.Group, reason string) outbox.GroupAction {
	return outbox.GroupAction{Group: g.Actor, Moderator: v.Actor, Reason: strings.TrimSpace(reason)}
}

// groupPostParam loads the post the form names (its id here) when it lives
// in the group.
func groupPostParam(ctx context.Context, tx pgx.Tx, g *models.Group, form string) (*models.Post, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(form), 10, 64)
	if err != nil {
		return nil, formRefusal(i18n.Text("groupmod.error.post"))
	}
	p, err := models.PostByID(ctx, tx, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !inGroup(p, g)) {
		return nil, formRefusal(i18n.Text("groupmod.error.post"))
	}
	if err != nil {
		return nil, err
	}
	if p.DeletedAt != nil {
		return nil, errNothingDone
	}
	return p, nil
}

func inGroup(p *models.Post, g *models.Group) bool {
	return (p.GroupID != nil && *p.GroupID == g.Actor.ID) || p.AuthorID == g.Actor.ID
}

// RemoveGroupPost answers POST /groups/:name/remove (post, reason).
func (h *Handler) RemoveGroupPost(c echo.Context) error {
	r := c.Request()
	return h.moderate(c, "removed", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error {
		p, err := groupPostParam(ctx, tx, g, r.PostFormValue("post"))
		if err != nil {
			return err
		}
		return h.outbox.RemovePost(ctx, tx, h.actionOf(v, g, r.PostFormValue("reason")), p)
	})
}

// RestoreGroupPost answers POST /groups/:name/restore (post): a removed
// post comes back.
func (h *Handler) RestoreGroupPost(c echo.Context) error {
	r := c.Request()
	return h.moderate(c, "restored", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error {
		id, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("post")), 10, 64)
		if err != nil {
			return formRefusal(i18n.Text("groupmod.error.post"))
		}
		p, err := models.PostByID(ctx, tx, id)
		if errors.Is(err, models.ErrNotFound) || (err == nil && !inGroup(p, g)) {
			return formRefusal(i18n.Text("groupmod.error.post"))
		}
		if err != nil {
			return err
		}
		if p.DeletedAt == nil {
			return errNothingDone
		}
		return h.outbox.RestorePost(ctx, tx, h.actionOf(v, g, ""), p)
	})
}

// LockThread answers POST /groups/:name/lock and /unlock (post).
func (h *Handler) LockThread(locked bool) echo.HandlerFunc {
	done := "locked"
	if !locked {
		done = "unlocked"
	}
	return func(c echo.Context) error {
		r := c.Request()
		return h.moderate(c, done, func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error {
			p, err := groupPostParam(ctx, tx, g, r.PostFormValue("post"))
			if err != nil {
				return err
			}
			if (p.LockedAt != nil) == locked {
				return errNothingDone
			}
			return h.outbox.LockThread(ctx, tx, h.actionOf(v, g, r.PostFormValue("reason")), p, locked)
		})
	}
}

// findActorForm finds the actor a form names by handle (@name@server, or a
// name here) or by actor URL, fetching a remote one. It runs before the
// transaction: it may reach other servers.
func (h *Handler) findActorForm(ctx context.Context, handle string) (*models.Actor, error) {
	handle = strings.TrimSpace(handle)
	if strings.HasPrefix(handle, "https://") || strings.HasPrefix(handle, "http://") {
		if h.resolver == nil {
			return nil, formRefusal(i18n.Text("groupmod.error.who"))
		}
		a, err := h.resolver.Actor(ctx, handle)
		if err != nil || a.IsSystemActor() {
			return nil, formRefusal(i18n.Text("groupmod.error.who"))
		}
		return a, nil
	}
	// Members are known here already: no need to ask their server.
	if name, host, err := parseHandle("@" + strings.TrimPrefix(handle, "@")); err == nil && !strings.EqualFold(host, h.urls.Host()) {
		if a, err := models.RemoteActorByHandle(ctx, h.db, name, host); err == nil {
			return a, nil
		}
	}
	a, problem := h.findToFollow(ctx, handle)
	if a == nil {
		return nil, formRefusal(problem)
	}
	return a, nil
}

// withActor finds the actor the form's field names before the action (it
// may ask another server, which a transaction should not wait for); a
// handle that names nobody is answered like any refused form.
func (h *Handler) withActor(c echo.Context, done, field string, act func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group, who *models.Actor) error) error {
	// Only the group's moderators get to make this server look someone up
	// (maybe on another server): check them first.
	v, g, err := h.moderation(c, "manage")
	if g == nil {
		return err
	}
	who, err := h.findActorForm(c.Request().Context(), c.Request().PostFormValue(field))
	return h.moderateAs(c, v, g, done, func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error {
		if err != nil {
			return err
		}
		return act(ctx, tx, v, g, who)
	})
}

// BanMember answers POST /groups/:name/bans (handle, reason, days: empty
// for a ban until lifted, remove_posts: also take down what they wrote in
// the group).
func (h *Handler) BanMember(c echo.Context) error {
	r := c.Request()
	return h.withActor(c, "banned", "handle", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group, who *models.Actor) error {
		var endsAt *time.Time
		if s := strings.TrimSpace(r.PostFormValue("days")); s != "" {
			days, err := strconv.Atoi(s)
			if err != nil || days < 1 || days > maxBanDays {
				return formRefusal(fmt.Sprintf(i18n.Text("groupmod.error.days"), maxBanDays))
			}
			t := time.Now().Add(time.Duration(days) * 24 * time.Hour)
			endsAt = &t
		}
		if who.ID == g.Actor.ID || who.ID == v.Actor.ID {
			return formRefusal(i18n.Text("groupmod.error.ban_self"))
		}
		mod, err := models.IsModerator(ctx, tx, g.Actor.ID, who.ID)
		if err != nil {
			return err
		}
		if mod {
			return formRefusal(i18n.Text("groupmod.error.ban_moderator"))
		}
		return h.outbox.Ban(ctx, tx, h.actionOf(v, g, r.PostFormValue("reason")), who,
			outbox.BanTerms{EndsAt: endsAt, RemoveData: r.PostFormValue("remove_posts") != ""})
	})
}

// actorIDParam loads the actor whose row id the form's field holds; an id
// that is no number or names nobody is refused like an unknown handle.
func actorIDParam(ctx context.Context, tx pgx.Tx, form string) (*models.Actor, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(form), 10, 64)
	if err != nil || id <= 0 {
		return nil, formRefusal(i18n.Text("groupmod.error.who"))
	}
	a, err := models.ActorByID(ctx, tx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, formRefusal(i18n.Text("groupmod.error.who"))
	}
	return a, err
}

// UnbanMember answers POST /groups/:name/unban (actor).
func (h *Handler) UnbanMember(c echo.Context) error {
	r := c.Request()
	return h.moderate(c, "unbanned", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error {
		who, err := actorIDParam(ctx, tx, r.PostFormValue("actor"))
		if err != nil {
			return err
		}
		return h.outbox.Unban(ctx, tx, h.actionOf(v, g, ""), who)
	})
}

// AddModerator answers POST /groups/:name/moderators (handle): owners and
// admins name a moderator, here or on another server.
func (h *Handler) AddModerator(c echo.Context) error {
	return h.withActor(c, "mod_added", "handle", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group, who *models.Actor) error {
		if err := h.requireOwner(ctx, v, g); err != nil {
			return err
		}
		if who.Type != models.ActorPerson {
			return formRefusal(i18n.Text("groupmod.error.who"))
		}
		changed, err := models.PutGroupModerator(ctx, tx, g.Actor.ID, who.ID, models.GroupModerator)
		if err != nil {
			return err
		}
		if !changed {
			return errNothingDone
		}
		return h.outbox.ModeratorsChanged(ctx, tx, h.actionOf(v, g, ""), who, true)
	})
}

// RemoveModerator answers POST /groups/:name/moderators/remove (actor):
// owners and admins remove a moderator; owners stay.
func (h *Handler) RemoveModerator(c echo.Context) error {
	r := c.Request()
	return h.moderate(c, "mod_removed", func(ctx context.Context, tx pgx.Tx, v *models.Account, g *models.Group) error {
		if err := h.requireOwner(ctx, v, g); err != nil {
			return err
		}
		who, err := actorIDParam(ctx, tx, r.PostFormValue("actor"))
		if err != nil {
			return err
		}
		role, err := models.ModeratorRole(ctx, tx, g.Actor.ID, who.ID)
		if err != nil {
			return err
		}
		if role == "" {
			return errNothingDone
		}
		if role == models.GroupOwner {
			return formRefusal(i18n.Text("groupmod.error.owner"))
		}
		if _, err := models.RemoveGroupModerator(ctx, tx, g.Actor.ID, who.ID); err != nil {
			return err
		}
		return h.outbox.ModeratorsChanged(ctx, tx, h.actionOf(v, g, ""), who, false)
	})
}

func (h *Handler) requireOwner(ctx context.Context, v *models.Account, g *models.Group) error {
	owner, err := h.ownsGroup(ctx, v, g)
	if err != nil {
		return err
	}
	if !owner {
		return formRefusal(i18n.Text("groupmod.error.not_owner"))
	}
	return nil
}

// changePin pins or unpins a post of the group and, when that changed
// anything, tells the group's followers (Add/Remove to featured) and
// writes the audit log, in one transaction.
func (h *Handler) changePin(ctx context.Context, v *models.Account, g *models.Group, postID int64, pin bool) error {
	return models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		was, err := models.IsPinned(ctx, tx, g.Actor.ID, postID)
		if err != nil {
			return err
		}
		if pin {
			if err := models.PinGroupPost(ctx, tx, g, postID); err != nil || was {
				return err
			}
		} else {
			if !was {
				return nil
			}
			if _, err := models.Unpin(ctx, tx, g.Actor.ID, postID); err != nil {
				return err
			}
		}
		post, err := models.PostByID(ctx, tx, postID)
		if err != nil {
			return err
		}
		if h.outbox == nil {
			return models.LogModeration(ctx, tx, models.ModerationAction{GroupID: &g.Actor.ID, ModeratorID: &v.Actor.ID,
				Action: map[bool]string{true: models.ModPin, false: models.ModUnpin}[pin], TargetPostID: &post.ID, TargetText: post.URI})
		}
		return h.outbox.FeaturedChanged(ctx, tx, h.actionOf(v, g, ""), post, pin)
	})
}
