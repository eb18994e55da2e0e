package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ErrNotMember refuses a post into a local group from someone who has not joined it.
var ErrNotMember = errors.New("outbox: only members may post into this group")

// Publication is a local post about to be published: its content already
// rendered to HTML, and the actors it mentions already resolved.
type Publication struct {
	Author   *models.Actor
	Post     *models.Post // Content, Summary, Sensitive, Visibility, Language, Tags
	Mentions []*models.Actor
	Parent   *models.Post  // the post it answers, if any
	ParentBy *models.Actor // that post's author
	// MediaIDs are the author's uploads the post shows, in order: each
	// unattached (models.ClaimMedia), at most models.MaxMediaAttachments.
	MediaIDs []int64
	// Poll, when set, makes the post a Question (poll.go); its PostID is set here.
	Poll *models.Poll
}

// audience is who a post goes to: its addressing and the inboxes that
// reach them, and the group it belongs to.
type audience struct {
	addr        federation.NoteAddress
	inboxes     []string
	group       *models.Actor
	membersOnly bool // the group keeps its posts with its members
}

// Publish stores a local post and sends Create{Note} to its audience, in
// one transaction; a post into a local group is passed on by the group.
func (o *Outbox) Publish(ctx context.Context, pub Publication) (*models.Post, error) {
	post := pub.Post
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		aud, err := o.audienceOf(ctx, tx, pub)
		if err != nil {
			return err
		}
		if aud.group != nil && aud.group.IsLocal() {
			member, err := models.IsMember(ctx, tx, aud.group.ID, pub.Author.ID)
			if err != nil {
				return err
			}
			if !member {
				return ErrNotMember
			}
		}
		if err := o.checkTopics(ctx, tx, aud.group, post); err != nil {
			return err
		}
		if err := refuseLockedThread(ctx, tx, pub.Parent); err != nil {
			return err
		}
		if post.ID, err = models.NextPostID(ctx, tx); err != nil {
			return err
		}
		if err := o.takeMedia(ctx, tx, pub.Author.ID, post, pub.MediaIDs); err != nil {
			return err
		}
		post.URI = o.urls.Actor(pub.Author) + "/statuses/" + strconv.FormatInt(post.ID, 10)
		post.URL = post.URI
		post.AuthorID, post.Local, post.Type = pub.Author.ID, true, "Note"
		if pub.Poll != nil {
			post.Type = "Question"
		}
		if pub.Parent != nil {
			post.InReplyToURI, post.InReplyToID = pub.Parent.URI, &pub.Parent.ID
		}
		if aud.group != nil {
			post.GroupID = &aud.group.ID
		}
		// Replies name the group and the parent's author, so that Mastodon
		// answers route back to the group and the author is told.
		for _, m := range []*models.Actor{aud.group, pub.ParentBy} {
			if m != nil && m.ID != pub.Author.ID && !hasMention(post.Tags, o.urls.Actor(m)) {
				post.Tags = append(post.Tags, models.Tag{Type: "Mention", Href: o.urls.Actor(m), Name: o.handle(m)})
			}
		}
		if _, err := models.InsertPost(ctx, tx, post); err != nil {
			return err
		}
		if pub.Poll != nil {
			pub.Poll.PostID = post.ID
			if err := models.InsertPoll(ctx, tx, pub.Poll); err != nil {
				return err
			}
		}
		if len(pub.MediaIDs) > 0 {
			if err := models.LinkMedia(ctx, tx, post.ID, pub.MediaIDs); err != nil {
				return err
			}
		}
		if post.Visibility == models.VisibilityDirect {
			if err := models.RecordDirectPost(ctx, tx, post, participantIDs(pub)); err != nil {
				return err
			}
		}
		for _, m := range append(append([]*models.Actor{}, pub.Mentions...), pub.ParentBy) {
			if m != nil && m.IsLocal() {
				if told, err := o.mayHear(ctx, tx, aud, m); err != nil || !told {
					if err != nil {
						return err
					}
					continue
				}
				if err := models.Notify(ctx, tx, m.ID, models.NotifyMention, pub.Author.ID, &post.ID, nil); err != nil {
					return err
				}
			}
		}
		if err := models.NotifyFollowersOfPost(ctx, tx, post); err != nil {
			return err
		}
		if pub.Parent != nil && pub.Parent.RealAuthorID != nil { // an anonymous post's writer hears of replies
			if err := models.Notify(ctx, tx, *pub.Parent.RealAuthorID, models.NotifyMention, pub.Author.ID, &post.ID, nil); err != nil {
				return err
			}
		}
		return o.sendAbout(ctx, tx, pub.Author, post, aud, "Create")
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: publish: %w", err)
	}
	return post, nil
}

// Edit replaces a local post's content and sends Update{Note}; its
// photos stay as they are.
func (o *Outbox) Edit(ctx context.Context, author *models.Actor, post *models.Post) error {
	return o.change(ctx, author, post, "Update", func(tx pgx.Tx) error { return models.UpdatePost(ctx, tx, post) })
}

// EditWithMedia is Edit that also sets the post's photos to mediaIDs, in
// order: the author's unattached uploads or photos the post has already.
// Photos left out go back to unattached, and expire.
func (o *Outbox) EditWithMedia(ctx context.Context, author *models.Actor, post *models.Post, mediaIDs []int64) error {
	return o.change(ctx, author, post, "Update", func(tx pgx.Tx) error {
		if err := o.takeMedia(ctx, tx, author.ID, post, mediaIDs); err != nil {
			return err
		}
		if err := models.UpdatePost(ctx, tx, post); err != nil {
			return err
		}
		return models.LinkMedia(ctx, tx, post.ID, mediaIDs)
	})
}

// takeMedia locks the uploads a post of owner will show and sets the
// post's attachments to them, in order (remote attachments are never on a
// local post). models.LinkMedia records the choice once the post is stored.
func (o *Outbox) takeMedia(ctx context.Context, tx pgx.Tx, owner int64, post *models.Post, ids []int64) error {
	media, err := models.ClaimMedia(ctx, tx, owner, post.ID, ids)
	if err != nil {
		return err
	}
	post.Attachments = make([]models.Attachment, 0, len(media))
	for _, m := range media {
		post.Attachments = append(post.Attachments, o.urls.LocalAttachment(m))
	}
	return nil
}

// Delete makes a local post a tombstone and sends Delete.
func (o *Outbox) Delete(ctx context.Context, author *models.Actor, post *models.Post) error {
	return o.change(ctx, author, post, "Delete", func(tx pgx.Tx) error {
		_, err := models.TombstonePost(ctx, tx, post.ID)
		return err
	})
}

func (o *Outbox) change(ctx context.Context, author *models.Actor, post *models.Post, kind string, apply func(pgx.Tx) error) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		pub := Publication{Author: author, Post: post}
		if err := o.mentionsOf(ctx, tx, &pub); err != nil {
			return err
		}
		aud, err := o.audienceOf(ctx, tx, pub)
		if err != nil {
			return err
		}
		if kind == "Delete" {
			// Tell everyone before the content goes.
			if err := o.sendAbout(ctx, tx, author, post, aud, kind); err != nil {
				return err
			}
			return apply(tx)
		}
		if kind == "Update" {
			if err := o.checkTopics(ctx, tx, aud.group, post); err != nil {
				return err
			}
		}
		if err := apply(tx); err != nil {
			return err
		}
		fresh, err := models.PostByID(ctx, tx, post.ID)
		if err != nil {
			return err
		}
		return o.sendAbout(ctx, tx, author, fresh, aud, kind)
	})
	if err != nil {
		return fmt.Errorf("outbox: %s: %w", kind, err)
	}
	return nil
}

// sendAbout sends Create, Update or Delete of a post to its audience, and
// has a local group pass it on.
func (o *Outbox) sendAbout(ctx context.Context, tx pgx.Tx, author *models.Actor, post *models.Post, aud audience, kind string) error {
	authorURI := o.urls.Actor(author)
	var object any = post.URI
	if kind != "Delete" {
		note, err := federation.NoteDocument(o.urls, post, author, aud.addr)
		if post.Type == "Event" {
			note, err = o.eventDocument(ctx, tx, post, author, aud.addr) // a meetup: event.go
		}
		if err != nil {
			return err
		}
		if err := o.questionOf(ctx, tx, post, note); err != nil {
			return err
		}
		object = note
	}
	id := post.URI + "/activity"
	if kind != "Create" {
		id = o.urls.NewActivityID()
	}
	activity, err := federation.Wrap(kind, id, authorURI, aud.addr, object)
	if err != nil {
		return err
	}
	public := post.Visibility == models.VisibilityPublicPost
	inboxes := aud.inboxes
	if kind != "Create" && aud.group != nil && aud.group.IsLocal() {
		// The group's Mastodon-family members hold the post through its
		// boost; only its author's Update or Delete changes it there.
		boosted, err := o.boostedTo(ctx, tx, aud.group, post)
		if err != nil {
			return err
		}
		inboxes = unique(append(append([]string{}, inboxes...), boosted...))
		if post.Type == "Event" {
			// People who answered a meetup without following its group: event_reach.go.
			answerers, err := o.answererInboxes(ctx, tx, aud.group, post)
			if err != nil {
				return err
			}
			inboxes = unique(append(inboxes, answerers...))
		}
	}
	if _, err := o.Send(ctx, tx, Message{Actor: author, ID: id, Document: activity, ObjectURI: post.URI,
		Public: public && kind == "Create", Inboxes: inboxes}); err != nil {
		return err
	}
	if aud.group != nil && aud.group.IsLocal() {
		return o.Redistribute(ctx, tx, Share{Group: aud.group, Post: post, AuthorURI: authorURI, Activity: activity, Kind: kind})
	}
	return nil
}

// mentionsOf loads the actors a stored post mentions, and its parent.
func (o *Outbox) mentionsOf(ctx context.Context, tx pgx.Tx, pub *Publication) error {
	for _, t := range pub.Post.Tags {
		if t.Type != "Mention" {
			continue
		}
		a, err := o.actorByURI(ctx, tx, t.Href)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		pub.Mentions = append(pub.Mentions, a)
	}
	if pub.Post.InReplyToID != nil {
		parent, err := models.PostByID(ctx, tx, *pub.Post.InReplyToID)
		if err != nil {
			return err
		}
		pub.Parent = parent
		if pub.ParentBy, err = models.ActorByID(ctx, tx, parent.AuthorID); err != nil {
			return err
		}
	}
	return nil
}

func (o *Outbox) actorByURI(ctx context.Context, tx pgx.Tx, uri string) (*models.Actor, error) {
	if ref, ok := o.urls.ParseLocalActor(uri); ok {
		return models.LocalActorByRef(ctx, tx, ref.Instance, ref.Group, ref.Username)
	}
	return models.RemoteActorByURI(ctx, tx, uri)
}

// audienceOf addresses a post as INTEROP.md says groups expect: a top-level
// post into a group goes to [group, Public] cc [group's followers]; a reply
// in a group's thread to [Public] cc [group, parent's author]; a post into
// a members-only group to the group and its members only (members_only.go);
// other posts to their author's followers and the people they mention.
func (o *Outbox) audienceOf(ctx context.Context, tx pgx.Tx, pub Publication) (audience, error) {
	if pub.Post.Visibility == models.VisibilityDirect {
		return o.directAudience(pub), nil
	}
	var aud audience
	for _, m := range pub.Mentions {
		if m.Type == models.ActorGroup {
			aud.group = m
			break
		}
	}
	if aud.group == nil && pub.Parent != nil && pub.Parent.GroupID != nil {
		g, err := models.ActorByID(ctx, tx, *pub.Parent.GroupID)
		if err != nil {
			return aud, err
		}
		aud.group = g
	}
	if aud.group != nil {
		if membersOnly, err := o.membersOnlyAudience(ctx, tx, pub, &aud); err != nil || membersOnly {
			return aud, err
		}
	}
	authorFollowers := o.urls.Followers(pub.Author)
	var mentioned []string
	for _, m := range pub.Mentions {
		mentioned = append(mentioned, o.urls.Actor(m))
	}
	if pub.ParentBy != nil {
		mentioned = append(mentioned, o.urls.Actor(pub.ParentBy))
	}
	switch {
	case aud.group != nil && pub.Parent == nil:
		aud.addr = federation.NoteAddress{To: []string{o.urls.Actor(aud.group), federation.Public},
			Cc: []string{o.urls.Followers(aud.group)}, Audience: o.urls.Actor(aud.group)}
	case aud.group != nil:
		aud.addr = federation.NoteAddress{To: []string{federation.Public},
			Cc: unique(append([]string{o.urls.Actor(aud.group)}, mentioned...)), Audience: o.urls.Actor(aud.group)}
	default:
		switch pub.Post.Visibility {
		case models.VisibilityUnlisted:
			aud.addr = federation.NoteAddress{To: []string{authorFollowers}, Cc: append([]string{federation.Public}, mentioned...)}
		case models.VisibilityPrivate:
			aud.addr = federation.NoteAddress{To: []string{authorFollowers}, Cc: mentioned}
		default:
			aud.addr = federation.NoteAddress{To: []string{federation.Public}, Cc: append([]string{authorFollowers}, mentioned...)}
		}
	}
	followers, err := models.FollowerInboxes(ctx, tx, pub.Author.ID)
	if err != nil {
		return aud, err
	}
	aud.inboxes = append(aud.inboxes, followers...)
	for _, m := range append(append([]*models.Actor{}, pub.Mentions...), pub.ParentBy, aud.group) {
		if m != nil && !m.IsLocal() {
			aud.inboxes = append(aud.inboxes, o.urls.DeliveryInbox(m))
		}
	}
	aud.inboxes = unique(aud.inboxes)
	return aud, nil
}

func unique(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, x := range s {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func hasMention(tags []models.Tag, href string) bool {
	for _, t := range tags {
		if t.Type == "Mention" && t.Href == href {
			return true
		}
	}
	return false
}

// handle is an actor's @name@host.
func (o *Outbox) handle(a *models.Actor) string {
	if a.IsLocal() {
		return "@" + a.Username + "@" + o.urls.Host()
	}
	return "@" + a.Username + "@" + a.Domain
}

// refuseLockedThread refuses a reply below a post whose thread a moderator locked.
func refuseLockedThread(ctx context.Context, tx pgx.Tx, parent *models.Post) error {
	if parent == nil {
		return nil
	}
	locked, err := models.ThreadLocked(ctx, tx, parent.ID)
	if err != nil {
		return err
	}
	if locked {
		return ErrThreadLocked
	}
	return nil
}
