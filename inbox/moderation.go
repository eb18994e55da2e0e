package inbox

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Moderation of local groups by remote moderators. Each activity counts
// only from an actor in the group's moderators; from anyone else it is
// refused with 403 and changes nothing. What the group applies, it
// announces to its followers (outbox/moderation.go).

// moderatedGroup loads the local group a moderation activity names and
// checks that the signer moderates it. A nil group with no error means
// the activity is not about a local group.
func (p *Processor) moderatedGroup(ctx context.Context, tx pgx.Tx, a *activity, groupURI string) (*models.Actor, error) {
	ref, ok := p.urls.ParseLocalActor(groupURI)
	if !ok || !ref.Group {
		return nil, nil
	}
	g, err := models.LocalActorByRef(ctx, tx, false, true, ref.Username)
	if errors.Is(err, models.ErrNotFound) {
		return nil, refuse(http.StatusNotFound, "no local group %s", groupURI)
	}
	if err != nil {
		return nil, err
	}
	mod, err := models.IsModerator(ctx, tx, g.ID, a.signer.ID)
	if err != nil {
		return nil, err
	}
	if !mod {
		return nil, refuse(http.StatusForbidden, "%s is not a moderator of %s", a.signer.URI, groupURI)
	}
	return g, nil
}

// singleRefs refuses a moderation activity whose object or target names
// several things: Ref reads the first of an array, so acting on it would
// apply a part of what was sent.
func singleRefs(o federation.Object, keys ...string) error {
	for _, k := range keys {
		if list, ok := o[k].([]any); ok && len(list) > 1 {
			return refuse(http.StatusBadRequest, "the %s of a moderation activity names one thing, not %d", k, len(list))
		}
	}
	return nil
}

// postGroup loads a post and the URI of the group it lives in ("" when none).
func (p *Processor) postGroup(ctx context.Context, tx pgx.Tx, uri string) (*models.Post, string, error) {
	post, err := models.PostByURI(ctx, tx, uri)
	if err != nil {
		return nil, "", err
	}
	if post.GroupID == nil {
		return post, "", nil
	}
	g, err := models.ActorByID(ctx, tx, *post.GroupID)
	if err != nil {
		return nil, "", err
	}
	return post, p.urls.Actor(g), nil
}

func (p *Processor) groupAction(a *activity, g *models.Actor) outbox.GroupAction {
	// The group announces the moderator's activity rebuilt from what it
	// uses, never the bytes received (issue 11).
	reason := p.remoteReason(a.Object)
	return outbox.GroupAction{Group: g, Moderator: a.signer, Reason: reason, Activity: federation.RetoldModeration(a.Object, reason)}
}

// remoteReason is a remote moderator's reason (the activity's summary) as
// plain text of at most models.MaxModerationReason runes: a sender's
// overlong text is cut, not refused, so that the action still counts.
func (p *Processor) remoteReason(o federation.Object) string {
	s := strings.TrimSpace(p.sanitizeText(o.String("summary")))
	if r := []rune(s); len(r) > models.MaxModerationReason {
		s = string(r[:models.MaxModerationReason])
	}
	return s
}

// knownActor finds an actor named in an activity without fetching it: the
// people moderators act on are members, known here already.
func (p *Processor) knownActor(ctx context.Context, tx pgx.Tx, uri string) (*models.Actor, error) {
	if ref, ok := p.urls.ParseLocalActor(uri); ok {
		return models.LocalActorByRef(ctx, tx, ref.Instance, ref.Group, ref.Username)
	}
	return models.RemoteActorByURI(ctx, tx, uri)
}

// ban applies Block{object: user, target: group} from a group's moderator.
// A ban by a remote group sent straight to us, not announced by the group,
// is no concern of ours.
func (p *Processor) ban(ctx context.Context, tx pgx.Tx, a *activity) error {
	if err := singleRefs(a.Object, "object", "target"); err != nil {
		return err
	}
	g, err := p.moderatedGroup(ctx, tx, a, a.Ref("target"))
	if err != nil || g == nil {
		return err
	}
	who, err := p.knownActor(ctx, tx, a.Ref("object"))
	if errors.Is(err, models.ErrNotFound) {
		return refuse(http.StatusUnprocessableEntity, "%s is not known here", a.Ref("object"))
	}
	if err != nil {
		return err
	}
	if who.ID == g.ID {
		return refuse(http.StatusUnprocessableEntity, "a group cannot ban itself")
	}
	if mod, err := models.IsModerator(ctx, tx, g.ID, who.ID); err != nil || mod {
		if err != nil {
			return err
		}
		return refuse(http.StatusUnprocessableEntity, "%s is a moderator of the group: remove them first", who.URI)
	}
	var endsAt *time.Time
	if s := banEnd(a.Object); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return refuse(http.StatusBadRequest, "endTime %q is not a date-time", s)
		}
		if !t.After(time.Now()) {
			return refuse(http.StatusUnprocessableEntity, "endTime %q is past: that ban would be over already", s)
		}
		endsAt = &t
	}
	// removeData (Lemmy's "remove content"): their posts in the group go too.
	return p.outbox.Ban(ctx, tx, p.groupAction(a, g), who, outbox.BanTerms{EndsAt: endsAt, RemoveData: a.Object.Bool("removeData")})
}

// lock applies Lock{object: post} from a group's moderator.
func (p *Processor) lock(ctx context.Context, tx pgx.Tx, a *activity) error {
	if err := singleRefs(a.Object, "object"); err != nil {
		return err
	}
	return p.setLock(ctx, tx, a, a.Ref("object"), true)
}

func (p *Processor) setLock(ctx context.Context, tx pgx.Tx, a *activity, postURI string, locked bool) error {
	post, groupURI, err := p.postGroup(ctx, tx, postURI)
	if err != nil || groupURI == "" {
		return ignoreNotFound(err)
	}
	g, err := p.moderatedGroup(ctx, tx, a, groupURI)
	if err != nil || g == nil {
		return err
	}
	return p.outbox.LockThread(ctx, tx, p.groupAction(a, g), post, locked)
}

// undoModeration applies Undo{Block} (an unban), Undo{Lock} and
// Undo{Delete} (a restore) from a group's moderator.
func (p *Processor) undoModeration(ctx context.Context, tx pgx.Tx, a *activity) error {
	inner := a.Embedded("object")
	if err := singleRefs(inner, "object", "target"); err != nil {
		return err
	}
	switch inner.Type() {
	case "Delete":
		post, groupURI, err := p.postGroup(ctx, tx, inner.Ref("object"))
		if err != nil || groupURI == "" {
			return ignoreNotFound(err)
		}
		g, err := p.moderatedGroup(ctx, tx, a, groupURI)
		if err != nil || g == nil {
			return err
		}
		return p.outbox.RestorePost(ctx, tx, p.groupAction(a, g), post)
	case "Lock":
		return p.setLock(ctx, tx, a, inner.Ref("object"), false)
	case "Block":
		g, err := p.moderatedGroup(ctx, tx, a, inner.Ref("target"))
		if err != nil || g == nil {
			return err
		}
		who, err := p.knownActor(ctx, tx, inner.Ref("object"))
		if err != nil {
			return ignoreNotFound(err)
		}
		return p.outbox.Unban(ctx, tx, p.groupAction(a, g), who)
	}
	return nil
}

// moderatorRemoval applies a Delete of a post in a local group by one of
// the group's moderators who is not its author. removed is false when the
// Delete is not that (the author's own Delete, or a stranger's).
func (p *Processor) moderatorRemoval(ctx context.Context, tx pgx.Tx, a *activity, uri string) (removed bool, err error) {
	post, groupURI, err := p.postGroup(ctx, tx, uri)
	if err != nil || groupURI == "" || post.AuthorID == a.signer.ID {
		return false, ignoreNotFound(err)
	}
	g, err := p.moderatedGroup(ctx, tx, a, groupURI)
	var refusal *Error
	if errors.As(err, &refusal) {
		return false, nil // not a moderator: the author rules apply, and refuse it
	}
	if err != nil || g == nil {
		return false, err
	}
	return true, p.outbox.RemovePost(ctx, tx, p.groupAction(a, g), post)
}

// collectionChange applies Add/Remove to a local group's featured
// collection (a pin, by a moderator) or its moderators (by an owner).
func (p *Processor) collectionChange(ctx context.Context, tx pgx.Tx, a *activity) error {
	if err := singleRefs(a.Object, "object", "target"); err != nil {
		return err
	}
	target, added := a.Ref("target"), a.Type() == "Add"
	switch {
	case target != "" && target == a.signer.FeaturedURL && a.signer.Type != models.ActorGroup:
		return p.profilePin(ctx, tx, a, added) // a person elsewhere pins to her profile
	case strings.HasSuffix(target, "/featured"):
		g, err := p.moderatedGroup(ctx, tx, a, strings.TrimSuffix(target, "/featured"))
		if err != nil || g == nil {
			return err
		}
		return p.changePin(ctx, tx, a, g, added)
	case strings.HasSuffix(target, "/moderators"):
		g, err := p.moderatedGroup(ctx, tx, a, strings.TrimSuffix(target, "/moderators"))
		if err != nil || g == nil {
			return err
		}
		role, err := models.ModeratorRole(ctx, tx, g.ID, a.signer.ID)
		if err != nil {
			return err
		}
		if role != models.GroupOwner {
			return refuse(http.StatusForbidden, "only an owner of %s may change its moderators", p.urls.Actor(g))
		}
		who, err := p.knownActor(ctx, tx, a.Ref("object"))
		if errors.Is(err, models.ErrNotFound) {
			return refuse(http.StatusUnprocessableEntity, "%s is not known here", a.Ref("object"))
		}
		if err != nil {
			return err
		}
		return p.changeModerator(ctx, tx, a, g, who, added)
	}
	return nil
}

func (p *Processor) changePin(ctx context.Context, tx pgx.Tx, a *activity, g *models.Actor, added bool) error {
	post, err := models.PostByURI(ctx, tx, a.Ref("object"))
	if errors.Is(err, models.ErrNotFound) {
		return refuse(http.StatusUnprocessableEntity, "%s is not a post of this group", a.Ref("object"))
	}
	if err != nil {
		return err
	}
	if added {
		group, err := models.GroupByName(ctx, tx, g.Username)
		if err != nil {
			return err
		}
		err = models.PinGroupPost(ctx, tx, group, post.ID)
		if errors.Is(err, models.ErrPinNotInGroup) || errors.Is(err, models.ErrPinNotShareable) || errors.Is(err, models.ErrTooManyPins) {
			return refuse(http.StatusUnprocessableEntity, "%v", err)
		}
		if err != nil {
			return err
		}
	} else if was, err := models.Unpin(ctx, tx, g.ID, post.ID); err != nil || !was {
		return err
	}
	return p.outbox.FeaturedChanged(ctx, tx, p.groupAction(a, g), post, added)
}

func (p *Processor) changeModerator(ctx context.Context, tx pgx.Tx, a *activity, g, who *models.Actor, added bool) error {
	var changed bool
	var err error
	if added {
		changed, err = models.PutGroupModerator(ctx, tx, g.ID, who.ID, models.GroupModerator)
	} else {
		changed, err = models.RemoveGroupModerator(ctx, tx, g.ID, who.ID)
	}
	if err != nil || !changed {
		return err
	}
	return p.outbox.ModeratorsChanged(ctx, tx, p.groupAction(a, g), who, added)
}

// refuseModerated refuses a post into local groups from someone a group
// banned, and a reply in a locked thread.
func (p *Processor) refuseModerated(ctx context.Context, tx pgx.Tx, a *activity, groups []*models.Actor, in *incomingPost) error {
	for _, g := range groups {
		banned, err := models.IsBanned(ctx, tx, g.ID, a.signer.ID)
		if err != nil {
			return err
		}
		if banned {
			return refuse(http.StatusForbidden, "%s is banned from %s", a.signer.URI, p.urls.Actor(g))
		}
	}
	if in.Post.InReplyToURI == "" {
		return nil
	}
	parent, err := models.PostByURI(ctx, tx, in.Post.InReplyToURI)
	if err != nil {
		return ignoreNotFound(err)
	}
	locked, err := models.ThreadLocked(ctx, tx, parent.ID)
	if err != nil {
		return err
	}
	if locked {
		return refuse(http.StatusForbidden, "the thread of %s is locked", in.Post.InReplyToURI)
	}
	return nil
}

// refuseBannedFollow answers a banned actor's Follow of a local group with
// Reject; refused reports whether it did.
func (p *Processor) refuseBannedFollow(ctx context.Context, tx pgx.Tx, a *activity, group *models.Actor) (refused bool, err error) {
	if group.Type != models.ActorGroup {
		return false, nil
	}
	banned, err := models.IsBanned(ctx, tx, group.ID, a.signer.ID)
	if err != nil || !banned {
		return false, err
	}
	follow, err := models.PutFollow(ctx, tx, a.signer.ID, group.ID, a.ID(), models.FollowPending)
	if err != nil {
		return false, err
	}
	return true, p.outbox.RejectFollow(ctx, tx, follow)
}

// banEnd is when a ban ends: endTime, or expires, which Lemmy sent before
// 0.19 (and still sends beside endTime).
func banEnd(block federation.Object) string {
	if s := block.String("endTime"); s != "" {
		return s
	}
	return block.String("expires")
}
