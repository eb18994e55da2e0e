package inbox

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Village as a member of a remote group: the group announces what its
// moderators do (Delete, Block, Lock, Add, Remove and their Undo). Such an
// activity counts only when the group itself announces it and its actor is
// the group or is listed in the group's moderators collection, read from
// the group's origin; anything else is ignored. The same activity sent by
// a moderator straight to us is not announced, and changes nothing.

// prepareGroupModeration checks, before the transaction, a moderation
// activity a remote group announces.
func (p *Processor) prepareGroupModeration(ctx context.Context, a *activity, inner federation.Object) (*announced, error) {
	if a.signer.Type != models.ActorGroup || p.urls.IsLocal(a.signer.URI) || inner.Type() == "Add" || inner.Type() == "Remove" {
		// Add and Remove change the group's featured and moderators
		// collections, which are read from the group when needed.
		return &announced{}, nil
	}
	subject := inner
	if inner.Type() == "Undo" {
		subject = inner.Embedded("object")
		if subject == nil || (subject.Type() != "Block" && subject.Type() != "Lock" && subject.Type() != "Delete") {
			return &announced{}, nil
		}
	}
	if singleRefs(subject, "object", "target") != nil {
		return &announced{}, nil // names several things: acting on the first would apply a part
	}
	actor := inner.Ref("actor")
	ok, err := p.moderatesRemoteGroup(ctx, a.signer, actor)
	if err != nil || !ok {
		p.logger.InfoContext(ctx, "inbox: group announces a moderation activity by someone not its moderator; ignored",
			"group", a.signer.URI, "actor", actor, "type", inner.Type(), "error", err)
		return &announced{}, nil
	}
	an := &announced{kind: "Moderation", moderation: inner}
	if inner.Type() == "Undo" && subject.Type() == "Delete" && !p.urls.IsLocal(subject.Ref("object")) {
		// A restored post: what it says is read again from its origin.
		obj, err := p.fetchClaimed(ctx, subject.Ref("object"), "")
		if err != nil || !federation.IsPostType(obj.Type()) {
			p.logger.InfoContext(ctx, "inbox: restored post not fetchable", "object", subject.Ref("object"), "error", err)
			return &announced{}, nil
		}
		in, err := federation.PostFromObject(obj)
		if err != nil {
			return &announced{}, nil
		}
		p.clean(in)
		an.post = &incomingPost{IncomingPost: in}
	}
	if subject.Type() == "Block" {
		if subject.Ref("target") != a.signer.URI {
			return &announced{}, nil // a ban from another group: not this group's to announce
		}
		who, err := p.resolver.Actor(ctx, subject.Ref("object"))
		if err != nil {
			p.logger.InfoContext(ctx, "inbox: banned actor not resolvable", "actor", subject.Ref("object"), "error", err)
			return &announced{}, nil
		}
		an.subject = who
	}
	return an, nil
}

// moderatesRemoteGroup reports whether actor is the group or one of its
// moderators, as the group's origin lists them now.
func (p *Processor) moderatesRemoteGroup(ctx context.Context, group *models.Actor, actor string) (bool, error) {
	if actor == "" {
		return false, nil
	}
	if actor == group.URI {
		return true, nil
	}
	mods, err := p.resolver.GroupModerators(ctx, group.URI)
	return slices.Contains(mods, actor), err
}

// applyGroupModeration applies what a remote group's moderator did to the
// copies kept here: a removed post becomes a tombstone (one written here
// leaves the group but stays its author's) and a restored one comes back
// as its origin serves it, a locked thread takes no replies from here, a
// ban is recorded (with removeData, the member's posts there go as well). Posts of other groups are left alone.
func (p *Processor) applyGroupModeration(ctx context.Context, tx pgx.Tx, a *activity, an *announced) error {
	inner, undo := an.moderation, false
	if inner.Type() == "Undo" {
		inner, undo = inner.Embedded("object"), true
	}
	groupPost := func() (*models.Post, error) {
		post, err := models.PostByURI(ctx, tx, inner.Ref("object"))
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		if post.GroupID == nil || *post.GroupID != a.signer.ID {
			return nil, nil
		}
		return post, nil
	}
	switch inner.Type() {
	case "Delete":
		post, err := groupPost()
		if err != nil || post == nil {
			return err
		}
		if undo {
			if post.Local || an.post == nil || an.post.Post.URI != post.URI {
				return nil // a post written here went back to being only its author's
			}
			post.Content, post.Summary, post.Sensitive, post.Name = an.post.Post.Content, an.post.Post.Summary, an.post.Post.Sensitive, an.post.Post.Name
			post.Attachments, post.Tags = an.post.Post.Attachments, an.post.Post.Tags
			_, err := models.Revive(ctx, tx, post)
			return err
		}
		if post.Local {
			return models.LeaveGroup(ctx, tx, post.ID, a.signer.ID)
		}
		_, err = models.TombstonePost(ctx, tx, post.ID)
		return err
	case "Lock":
		post, err := groupPost()
		if err != nil || post == nil {
			return err
		}
		_, err = models.SetThreadLocked(ctx, tx, post.ID, !undo)
		return err
	case "Block":
		if an.subject == nil {
			return nil
		}
		if undo {
			_, err := models.DeleteBan(ctx, tx, a.signer.ID, an.subject.ID)
			return ignoreNotFound(err)
		}
		var endsAt *time.Time
		if t, err := time.Parse(time.RFC3339, banEnd(inner)); err == nil {
			endsAt = &t
		}
		if err := models.PutBan(ctx, tx, models.GroupBan{GroupID: a.signer.ID, ActorID: an.subject.ID,
			Reason: p.remoteReason(inner), EndsAt: endsAt, ActivityURI: inner.ID()}); err != nil {
			return err
		}
		if !inner.Bool("removeData") {
			return nil
		}
		// Lemmy's "remove content" sends no Delete per post: the copies
		// kept here go as a removal of each would take them.
		posts, err := models.MemberPostsInGroup(ctx, tx, a.signer.ID, an.subject.ID)
		if err != nil {
			return err
		}
		for _, post := range posts {
			if post.Local {
				err = models.LeaveGroup(ctx, tx, post.ID, a.signer.ID)
			} else {
				_, err = models.TombstonePost(ctx, tx, post.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// prepareGroupUpdate reads a remote group again from its origin when it
// announces an Update of itself (Lemmy: a moderator's Update{Group} inside
// the community's Announce): what the group's document says now is
// believed, not the copy inside the activity.
func (p *Processor) prepareGroupUpdate(ctx context.Context, a *activity) (*announced, error) {
	if a.signer.Type != models.ActorGroup || p.urls.IsLocal(a.signer.URI) {
		return &announced{}, nil
	}
	fetched, err := p.resolver.FetchActor(ctx, a.signer.URI)
	if err != nil {
		p.logger.InfoContext(ctx, "inbox: updated group not fetchable", "group", a.signer.URI, "error", err)
		return &announced{}, nil
	}
	if fetched.PublicKeyPEM != a.signer.PublicKeyPEM {
		return &announced{}, nil // a key change is believed only through the actor's own Update
	}
	return &announced{kind: "Group", group: fetched}, nil
}
