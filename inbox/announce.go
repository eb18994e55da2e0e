package inbox

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
)

// announced is what an Announce carries, read before the transaction: a
// post (boosted, or created or edited inside a remote group), or the news
// that a post is gone.
type announced struct {
	kind   string        // Create (a boost counts as one), Update, Delete; "" to ignore
	post   *incomingPost // with its calendar side when it is a meetup
	author *models.Actor
	gone   string // URI of a post its origin says is deleted
	local  string // URI of a local post the announcer shares
	// moderation is a moderator's activity a remote group announced
	// (kind "Moderation"); subject is the actor a Block names.
	moderation federation.Object
	subject    *models.Actor
	// group is the announcing group's document read again from its
	// origin, when it announces an Update of itself (kind "Group").
	group *models.Actor
	news  *remoteGroupNews // a join request (kind "JoinRequest"; moderation is the Follow)
	// joinEnd is the Follow id of a join request the group says is settled
	// (kind "JoinEnd"; moderation is the Accept, Reject or Undo).
	joinEnd string
}

// prepareAnnounce reads a group's share (FEP-1b12 Announce{Create{Note}},
// Announce{Update}, Announce{Delete}) or a boost (Announce{Note id}). What
// comes from another origin than the announcer's is fetched from its own
// origin rather than believed.
func (p *Processor) prepareAnnounce(ctx context.Context, a *activity) (*announced, error) {
	inner := a.Embedded("object")
	kind, objectRef, claimed := "Create", a.Ref("object"), claimedType(a.Object, "object")
	if inner != nil && !federation.IsPostType(inner.Type()) {
		switch inner.Type() {
		case "Update":
			if inner.Ref("object") == a.signer.URI {
				return p.prepareGroupUpdate(ctx, a)
			}
			kind, objectRef, claimed = inner.Type(), inner.Ref("object"), claimedType(inner, "object")
		case "Create", "Delete":
			kind, objectRef, claimed = inner.Type(), inner.Ref("object"), claimedType(inner, "object")
		case "Undo":
			if undone := inner.Embedded("object"); undone != nil && undone.Type() == "Follow" {
				return p.prepareJoinEnd(a, inner) // a request to join withdrawn
			}
			return p.prepareGroupModeration(ctx, a, inner)
		case "Block", "Lock", "Add", "Remove":
			return p.prepareGroupModeration(ctx, a, inner)
		case "Follow": // a request to join the group, for its moderators here
			return p.prepareJoinRequest(ctx, a, inner)
		case "Accept", "Reject": // a request to join decided
			return p.prepareJoinEnd(a, inner)
		default:
			return &announced{}, nil // Like, EmojiReact, ... in remote groups: not counted here yet
		}
	}
	if objectRef == "" {
		return &announced{}, nil
	}
	innerActor := ""
	if inner != nil && !federation.IsPostType(inner.Type()) {
		innerActor = inner.Ref("actor")
	}
	if blocked, err := p.fromSuspendedDomain(ctx, p.db, innerActor, objectRef); err != nil || blocked {
		if blocked {
			p.logger.InfoContext(ctx, "inbox: announced activity from a suspended domain dropped", "announce", a.ID(), "object", objectRef)
		}
		return &announced{}, err
	}
	if p.urls.IsLocal(objectRef) {
		// A remote group shares a post written here: we have it already.
		switch kind {
		case "Create":
			return &announced{kind: "Create", local: objectRef}, nil
		case "Delete": // its moderators took it out of the group
			return p.prepareGroupModeration(ctx, a, inner)
		}
		return &announced{}, nil
	}
	if kind == "Delete" {
		claimed = "" // what the origin says of a deleted post is a Tombstone, or nothing
	}
	obj, err := p.fetchClaimed(ctx, objectRef, claimed)
	if kind == "Delete" {
		if errors.Is(err, fetch.ErrGone) || errors.Is(err, fetch.ErrNotFound) || (err == nil && obj.Type() == "Tombstone") {
			return &announced{kind: "Delete", gone: objectRef}, nil
		}
		// Its origin still serves it: only a moderator of the announcing group may remove it.
		return p.prepareGroupModeration(ctx, a, inner)
	}
	if err != nil || !federation.IsPostType(obj.Type()) {
		p.logger.InfoContext(ctx, "inbox: announced object not usable", "object", objectRef, "error", err)
		return &announced{}, nil
	}
	in, event, err := readPost(obj)
	if err != nil {
		p.logger.InfoContext(ctx, "inbox: announced object refused", "object", objectRef, "error", err)
		return &announced{}, nil
	}
	if blocked, err := p.fromSuspendedDomain(ctx, p.db, in.Author); err != nil || blocked {
		return &announced{}, err // written on a suspended domain, passed on by another
	}
	author, err := p.resolver.Actor(ctx, in.Author)
	if err != nil {
		p.logger.InfoContext(ctx, "inbox: author of announced post not resolvable", "author", in.Author, "error", err)
		return &announced{}, nil
	}
	if suspended, err := models.IsRemoteSuspended(ctx, p.db, author.ID); err != nil || suspended {
		if suspended {
			p.logger.InfoContext(ctx, "inbox: announced post of a suspended account dropped", "announce", a.ID(), "author", in.Author)
		}
		return &announced{}, err // passed on by another server, it is no more welcome
	}
	p.clean(in)
	in.Post.AuthorID = author.ID
	return &announced{kind: kind, post: &incomingPost{IncomingPost: in, event: event}, author: author}, nil
}

// announce stores what an Announce carries and the announcer's boost, so
// that it shows in the timelines of those who follow the announcer.
func (p *Processor) announce(ctx context.Context, tx pgx.Tx, a *activity, an *announced) error {
	switch an.kind {
	case "Moderation":
		return p.applyGroupModeration(ctx, tx, a, an)
	case "Group":
		_, err := models.UpsertRemoteActor(ctx, tx, an.group)
		return err
	case "JoinRequest":
		return p.storeJoinRequest(ctx, tx, an)
	case "JoinEnd":
		_, err := models.EndRemoteJoinRequest(ctx, tx, a.signer.ID, an.joinEnd, an.moderation.Type() == "Accept")
		return err
	case "Delete":
		stored, err := models.PostByURI(ctx, tx, an.gone)
		if err != nil {
			return ignoreNotFound(err)
		}
		if !federation.SameOrigin(stored.URI, a.signer.URI) && (stored.GroupID == nil || *stored.GroupID != a.signer.ID) {
			// Only the post's own server or its group passes its deletion
			// on: an origin may hide a post from us (404) that it keeps.
			p.logger.InfoContext(ctx, "inbox: announced Delete of a post neither the announcer's nor in its group; ignored",
				"announce", a.ID(), "post", stored.URI)
			return nil
		}
		_, err = models.TombstonePost(ctx, tx, stored.ID)
		return err
	case "Create", "Update":
		if an.local != "" {
			stored, err := models.PutLocalBoost(ctx, tx, a.signer.ID, an.local, a.ID())
			if err != nil || stored == nil || a.signer.Type == models.ActorGroup {
				return ignoreNotFound(err) // a group's share of a member's post is no news to its author
			}
			return models.Notify(ctx, tx, models.WriterOf(stored), models.NotifyReblog, a.signer.ID, &stored.ID, nil)
		}
		post := &an.post.Post
		if a.signer.Type == models.ActorGroup {
			in, err := p.postInRemoteGroup(ctx, tx, an.post, a.signer)
			if err != nil {
				return err
			}
			if in {
				post.GroupID = &a.signer.ID
				keepWithRemoteMembers(post, a.signer)
			}
		}
		stored, err := models.PostByURI(ctx, tx, post.URI)
		switch {
		case errors.Is(err, models.ErrNotFound):
			if _, err := models.InsertPost(ctx, tx, post); err != nil {
				return err
			}
			if err := p.keepEvent(ctx, tx, post, an.post.event); err != nil {
				return err
			}
			if err := storePoll(ctx, tx, post, an.post); err != nil {
				return err
			}
			if err := p.notifyMentions(ctx, tx, post, an.post.Mentioned); err != nil {
				return err
			}
			stored = post
		case err != nil:
			return err
		case stored.DeletedAt != nil:
			return nil
		case an.kind == "Update":
			if pollOnly, err := refreshPoll(ctx, tx, stored, an.post); err != nil || pollOnly {
				return err // new counts of a poll (poll.go), not an edit
			}
			stored.Content, stored.Summary, stored.Sensitive, stored.Name = post.Content, post.Summary, post.Sensitive, post.Name
			stored.Attachments, stored.Tags = post.Attachments, post.Tags
			if err := models.UpdatePost(ctx, tx, stored); err != nil {
				return err
			}
			return p.keepEvent(ctx, tx, stored, an.post.event)
		}
		if an.kind == "Create" {
			_, err = models.PutBoost(ctx, tx, a.signer.ID, stored.ID, a.ID())
			return err
		}
	}
	return nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	return err
}

// postInRemoteGroup tells whether a post a remote group shares is the
// group's to moderate here: the group wrote it, the post names the group
// (audience, to, cc or a Mention), or it answers a post in the group. A
// group's word alone does not make another server's post its own: such a
// share is a boost, which the group's moderators cannot take away.
func (p *Processor) postInRemoteGroup(ctx context.Context, tx pgx.Tx, in *incomingPost, group *models.Actor) (bool, error) {
	if in.Author == group.URI || in.Audience == group.URI || slices.Contains(in.To, group.URI) ||
		slices.Contains(in.Cc, group.URI) || slices.Contains(in.Mentioned, group.URI) {
		return true, nil
	}
	if in.Post.InReplyToURI == "" {
		return false, nil
	}
	parent, err := models.PostByURI(ctx, tx, in.Post.InReplyToURI)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	return parent.GroupID != nil && *parent.GroupID == group.ID, nil
}
