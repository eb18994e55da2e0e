package inbox

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// MaxGroupsPerPost caps how many groups one post may be shared into: more
// is how spam fans out.
const MaxGroupsPerPost = 5

// MaxOthersNamedInShare caps how many actors a post may name (in to, cc or
// a Mention tag) besides its author, the local groups it goes to and the
// people its thread named already, and still be shared by a group: a post
// naming more is spam fanning out, whether the others are groups or not,
// known here or not. Such a post is taken into no group here; it is kept
// only when it concerns someone here otherwise (a follower of its author,
// a person it mentions). An edit that makes a group's post name more is
// refused.
const MaxOthersNamedInShare = 5

// incomingPost is a post read and sanitized before the transaction, with
// the ancestors of its thread that were missing here (oldest first).
type incomingPost struct {
	*federation.IncomingPost
	ancestors []*federation.IncomingPost
	event     *models.Event // a meetup's calendar side (event.go)
}

// Bounds on fetching a reply's missing ancestors: enough to show a thread,
// too few for a hostile server to keep us busy.
const (
	maxAncestorDepth = 8
)

// preparePost reads the post an activity carries (fetching it from its
// origin when only its id is given, or when it comes from another origin).
func (p *Processor) preparePost(ctx context.Context, a *activity, objectKey string) (*incomingPost, error) {
	obj := a.Embedded(objectKey)
	id := a.Ref(objectKey)
	if obj == nil || obj.ID() == "" || !federation.SameOrigin(obj.ID(), a.signer.URI) {
		if id == "" {
			return nil, refuse(http.StatusBadRequest, "%s has no object", a.Type())
		}
		claimed := ""
		if obj != nil {
			claimed = obj.Type()
		}
		fetched, err := p.fetchClaimed(ctx, id, claimed)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "object %s cannot be fetched from its origin: %v", id, err)
		}
		obj = fetched
	}
	if !federation.IsPostType(obj.Type()) {
		return nil, nil // not a post: nothing for us
	}
	in, event, err := readPost(obj)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	p.clean(in)
	return &incomingPost{IncomingPost: in, event: event, ancestors: p.missingAncestors(ctx, in.Post.InReplyToURI)}, nil
}

// clean sanitizes what a remote post says.
func (p *Processor) clean(in *federation.IncomingPost) {
	in.Post.Content = p.sanitize(in.Post.Content)
	in.Post.Summary = p.sanitizeText(in.Post.Summary)
	in.Post.Name = p.sanitizeText(in.Post.Name)
}

// missingAncestors fetches the posts above a reply that are not stored
// here, up to maxAncestorDepth, with their authors; failures just end the climb.
func (p *Processor) missingAncestors(ctx context.Context, uri string) []*federation.IncomingPost {
	var chain []*federation.IncomingPost
	for depth := 0; uri != "" && depth < maxAncestorDepth && !p.urls.IsLocal(uri); depth++ {
		if _, err := models.PostByURI(ctx, p.db, uri); err == nil {
			break // known: the thread joins up here
		}
		if blocked, err := p.fromSuspendedDomain(ctx, p.db, uri); err != nil || blocked {
			break // nothing is fetched from a suspended domain
		}
		obj, err := p.resolver.FetchObject(ctx, uri)
		if err != nil || !federation.IsPostType(obj.Type()) {
			break
		}
		in, err := p.readFetched(ctx, obj)
		if err != nil {
			break
		}
		chain = append([]*federation.IncomingPost{in}, chain...)
		uri = in.Post.InReplyToURI
	}
	return chain
}

// readFetched reads a post fetched from its origin, with its author
// (fetched if need be; none from a suspended domain), sanitized.
func (p *Processor) readFetched(ctx context.Context, obj federation.Object) (*federation.IncomingPost, error) {
	in, err := federation.PostFromObject(obj)
	if err != nil {
		return nil, err
	}
	blocked, err := p.fromSuspendedDomain(ctx, p.db, in.Author)
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, errSuspendedAuthor
	}
	author, err := p.resolver.Actor(ctx, in.Author)
	if err != nil {
		return nil, err
	}
	in.Post.AuthorID = author.ID
	p.clean(in)
	return in, nil
}

// create stores a post sent by its author: into the local groups it is
// addressed to (from members only; the group passes it on), or because
// someone here follows the author, is mentioned, or is answered.
func (p *Processor) create(ctx context.Context, tx pgx.Tx, a *activity, in *incomingPost) error {
	if calendar, err := p.helpCopy(ctx, tx, a); calendar || err != nil {
		return err // another Village's help calendar is kept as a copy, never as a post (help_copy.go)
	}
	if in == nil {
		return nil
	}
	if vote, err := p.pollVote(ctx, tx, a, in); vote || err != nil {
		return err // a vote in a poll (poll.go) is counted, never stored as a post
	}
	if in.Author != a.signer.URI {
		return refuse(http.StatusForbidden, "%s may not create a post attributed to %s", a.signer.URI, in.Author)
	}
	post := &in.Post
	post.AuthorID = a.signer.ID
	if err := p.unrelay(ctx, tx, in); err != nil {
		return err
	}
	groups, err := p.addressedGroups(ctx, tx, in)
	if err != nil {
		return err
	}
	if len(groups) > MaxGroupsPerPost {
		return refuse(http.StatusBadRequest, "a post may go to at most %d groups, this one names %d", MaxGroupsPerPost, len(groups))
	}
	if p.staysPrivate(in) {
		groups = nil // a direct message that names a group is for people, not for the group to pass on
	}
	if len(groups) > 0 {
		others, err := p.othersNamed(ctx, tx, in, groups)
		if err != nil {
			return err
		}
		if others > MaxOthersNamedInShare {
			p.logger.InfoContext(ctx, "inbox: a post naming too many others is shared by no group", "post", in.Post.URI,
				"others", others, "limit", MaxOthersNamedInShare)
			groups = nil
		}
	}
	p.mentionAddressees(in)
	if err := p.refuseModerated(ctx, tx, a, groups, in); err != nil {
		return err
	}
	for _, g := range groups {
		member, err := models.IsMember(ctx, tx, g.ID, a.signer.ID)
		if err != nil {
			return err
		}
		if !member {
			return refuse(http.StatusForbidden, "%s is not a member of %s", a.signer.URI, p.urls.Actor(g))
		}
	}
	if err := p.keepWithMembers(ctx, tx, post, groups); err != nil {
		return err
	}
	if err := p.requireWarnings(ctx, tx, groups, post); err != nil {
		return err
	}
	if len(groups) > 0 {
		post.GroupID = &groups[0].ID
	} else if relevant, err := p.relevant(ctx, tx, in); err != nil || !relevant {
		return err
	}
	for _, anc := range in.ancestors {
		if _, err := models.InsertPost(ctx, tx, &anc.Post); err != nil {
			return err
		}
	}
	fresh, err := models.InsertPost(ctx, tx, post)
	if err != nil || !fresh {
		return err // known already (or deleted): nothing changes
	}
	if err := p.keepEvent(ctx, tx, post, in.event); err != nil {
		return err
	}
	if err := storePoll(ctx, tx, post, in); err != nil {
		return err
	}
	if err := p.fileDirect(ctx, tx, in); err != nil {
		return err
	}
	mentioned, err := p.membersAmong(ctx, tx, post, in.Mentioned)
	if err != nil {
		return err
	}
	if err := p.notifyMentions(ctx, tx, post, mentioned); err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	retold, err := p.retell(a, post)
	if err != nil {
		return err
	}
	if err := p.retellEvent(ctx, tx, retold, post, a.signer); err != nil {
		return err
	}
	if err := retoldWithPoll(ctx, tx, post, retold); err != nil {
		return err
	}
	for _, g := range groups {
		if err := p.outbox.Redistribute(ctx, tx, outbox.Share{Group: g, Post: post, AuthorURI: a.signer.URI,
			Activity: retold, Kind: "Create"}); err != nil {
			return err
		}
	}
	return nil
}

// retell is a member's activity about post as a group passes it on:
// rebuilt from the stored, sanitized post, never the bytes received.
func (p *Processor) retell(a *activity, post *models.Post) (map[string]any, error) {
	retold, err := federation.Retold(p.urls, a.Object, a.signer, post)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	return retold, nil
}

// addressedGroups are the local groups a post is for: named in to, cc,
// audience or a Mention, or owning the thread it answers.
func (p *Processor) addressedGroups(ctx context.Context, tx pgx.Tx, in *incomingPost) ([]*models.Actor, error) {
	seen := map[int64]bool{}
	var out []*models.Actor
	add := func(g *models.Actor) {
		if g != nil && !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, g)
		}
	}
	refs := append(append(append([]string{in.Audience}, in.To...), in.Cc...), in.Mentioned...)
	for _, ref := range refs {
		r, ok := p.urls.ParseLocalActor(ref)
		if !ok || !r.Group {
			continue
		}
		g, err := models.LocalActorByRef(ctx, tx, false, true, r.Username)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		add(g)
	}
	if in.Post.InReplyToURI != "" {
		parent, err := models.PostByURI(ctx, tx, in.Post.InReplyToURI)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if parent != nil && parent.GroupID != nil {
			g, err := models.ActorByID(ctx, tx, *parent.GroupID)
			if err != nil {
				return nil, err
			}
			if g.IsLocal() {
				add(g)
			}
		}
	}
	return out, nil
}

// relevant tells whether a post not meant for a local group concerns anyone here.
func (p *Processor) relevant(ctx context.Context, tx pgx.Tx, in *incomingPost) (bool, error) {
	for _, m := range in.Mentioned {
		if r, ok := p.urls.ParseLocalActor(m); ok && !r.Group {
			return true, nil // a group named is no reason: it did not take the post
		}
	}
	if in.Post.InReplyToURI != "" && p.urls.IsLocal(in.Post.InReplyToURI) {
		return true, nil
	}
	if in.Post.InReplyToURI != "" {
		if _, err := models.PostByURI(ctx, tx, in.Post.InReplyToURI); err == nil {
			return true, nil
		}
	}
	return models.HasLocalFollower(ctx, tx, in.Post.AuthorID)
}

// update applies an author's edit of a post.
func (p *Processor) updatePost(ctx context.Context, tx pgx.Tx, a *activity, in *incomingPost) error {
	if calendar, err := p.helpCopy(ctx, tx, a); calendar || err != nil {
		return err // another Village's help calendar brings its copy up to date (help_copy.go)
	}
	stored, err := models.PostByURI(ctx, tx, in.Post.URI)
	if errors.Is(err, models.ErrNotFound) {
		return p.create(ctx, tx, a, in) // an edit of a post we never saw: take it as new
	}
	if err != nil {
		return err
	}
	if stored.AuthorID != a.signer.ID || in.Author != a.signer.URI {
		return refuse(http.StatusForbidden, "only its author may edit %s", stored.URI)
	}
	if stored.DeletedAt != nil {
		return nil
	}
	if pollOnly, err := refreshPoll(ctx, tx, stored, in); err != nil || pollOnly {
		if err != nil {
			return err
		}
		return p.shareInLocalGroup(ctx, tx, a, stored, "Update") // new counts, not an edit
	}
	if stored.GroupID != nil {
		if g, err := models.ActorByID(ctx, tx, *stored.GroupID); err != nil {
			return err
		} else if g.IsLocal() {
			others, err := p.othersNamed(ctx, tx, in, []*models.Actor{g})
			if err != nil {
				return err
			}
			if others > MaxOthersNamedInShare {
				return refuse(http.StatusUnprocessableEntity, "an edit of a post in %s may name at most %d others, this one names %d",
					p.urls.Actor(g), MaxOthersNamedInShare, others)
			}
		}
	}
	stored.Content, stored.Summary, stored.Sensitive = in.Post.Content, in.Post.Summary, in.Post.Sensitive
	stored.Name, stored.Language, stored.Attachments, stored.Tags = in.Post.Name, in.Post.Language, in.Post.Attachments, in.Post.Tags
	if err := p.requireWarningsOnEdit(ctx, tx, stored); err != nil {
		return err
	}
	if err := models.UpdatePost(ctx, tx, stored); err != nil {
		return err
	}
	if err := p.keepEvent(ctx, tx, stored, in.event); err != nil {
		return err
	}
	edited, err := models.PostByID(ctx, tx, stored.ID) // with its edit time
	if err != nil {
		return err
	}
	return p.shareInLocalGroup(ctx, tx, a, edited, "Update")
}

// deletePost applies an author's Delete of a post: it becomes a tombstone.
func (p *Processor) deletePost(ctx context.Context, tx pgx.Tx, a *activity, uri string) error {
	stored, err := models.PostByURI(ctx, tx, uri)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if stored.AuthorID != a.signer.ID {
		return refuse(http.StatusForbidden, "only its author may delete %s", uri)
	}
	if stored.DeletedAt != nil {
		return models.ForgetRemoved(ctx, tx, stored.ID) // removed by moderators, deleted by its author: gone for good
	}
	if err := p.shareInLocalGroup(ctx, tx, a, stored, "Delete"); err != nil {
		return err
	}
	_, err = models.TombstonePost(ctx, tx, stored.ID)
	return err
}

// like records a Like of a known post.
func (p *Processor) like(ctx context.Context, tx pgx.Tx, a *activity) error {
	post, err := models.PostByURI(ctx, tx, a.Ref("object"))
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil || post.DeletedAt != nil {
		return err
	}
	if post, err = p.originalOf(ctx, tx, post); err != nil {
		return err
	}
	fresh, err := models.PutLike(ctx, tx, a.signer.ID, post.ID, a.ID())
	if err != nil || !fresh {
		return err
	}
	if err := models.Notify(ctx, tx, models.WriterOf(post), models.NotifyFavourite, a.signer.ID, &post.ID, nil); err != nil {
		return err
	}
	return p.shareInLocalGroup(ctx, tx, a, post, "Like")
}

// undoLike removes a Like its author takes back.
func (p *Processor) undoLike(ctx context.Context, tx pgx.Tx, a *activity, inner federation.Object) error {
	postURI := ""
	if inner != nil {
		postURI = inner.Ref("object")
	}
	post, err := models.PostByURI(ctx, tx, postURI)
	if errors.Is(err, models.ErrNotFound) {
		_, err = models.DeleteLike(ctx, tx, a.Ref("object"), a.signer.ID, 0)
		return err
	}
	if err != nil {
		return err
	}
	if post, err = p.originalOf(ctx, tx, post); err != nil {
		return err
	}
	removed, err := models.DeleteLike(ctx, tx, "", a.signer.ID, post.ID)
	if err != nil || !removed {
		return err
	}
	return p.shareInLocalGroup(ctx, tx, a, post, "Undo")
}

// shareInLocalGroup passes a member's activity on when its post lives in a local group.
func (p *Processor) shareInLocalGroup(ctx context.Context, tx pgx.Tx, a *activity, post *models.Post, kind string) error {
	if post.GroupID == nil {
		return nil
	}
	g, err := models.ActorByID(ctx, tx, *post.GroupID)
	if err != nil || !g.IsLocal() {
		return err
	}
	retold, err := federation.Retold(p.urls, a.Object, a.signer, post)
	if err != nil {
		// Applied here, but nothing the group can pass on (an Undo of a
		// Like that has no id): the members' servers are not told.
		p.logger.DebugContext(ctx, "inbox: not shared with the group", "id", a.ID(), "error", err)
		return nil
	}
	if err := retoldWithPoll(ctx, tx, post, retold); err != nil {
		return err
	}
	share := outbox.Share{Group: g, Post: post, AuthorURI: a.signer.URI, Activity: retold, Kind: kind}
	if kind == "Update" && federation.Forwardable(a.Object) {
		share.Forward = a.raw
	}
	return p.outbox.Redistribute(ctx, tx, share)
}

// notifyMentions tells local people a post mentions, and the author of the
// local post it answers; followers who asked hear of it too.
func (p *Processor) notifyMentions(ctx context.Context, tx pgx.Tx, post *models.Post, mentioned []string) error {
	if err := models.NotifyFollowersOfPost(ctx, tx, post); err != nil {
		return err
	}
	var people []string
	for _, m := range mentioned {
		if ref, ok := p.urls.ParseLocalActor(m); ok && !ref.Group && !ref.Instance {
			people = append(people, ref.Username)
		}
	}
	// One statement for everyone named: a busy inbox is full of mentions.
	if err := models.NotifyNamed(ctx, tx, people, models.NotifyMention, post.AuthorID, &post.ID); err != nil {
		return err
	}
	if post.InReplyToID == nil {
		return nil
	}
	// The author of the local post it answers (told once, if also named).
	parent, err := models.PostByID(ctx, tx, *post.InReplyToID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil || !parent.Local {
		return err
	}
	return models.Notify(ctx, tx, models.WriterOf(parent), models.NotifyMention, post.AuthorID, &post.ID, nil)
}

// othersNamed counts the actors a post names (Mention tags, to, cc,
// audience) besides its author, the local groups it goes to and their
// followers, the public collection, followers collections, and, in a
// reply, the author of the post it answers and whom that post named. An
// actor counts whether or not it is known here and whatever it is.
func (p *Processor) othersNamed(ctx context.Context, tx pgx.Tx, in *incomingPost, groups []*models.Actor) (int, error) {
	skip := map[string]bool{"": true, in.Author: true}
	for _, g := range groups {
		skip[p.urls.Actor(g)], skip[p.urls.Followers(g)] = true, true
	}
	if in.Post.InReplyToURI != "" {
		parent, err := models.PostByURI(ctx, tx, in.Post.InReplyToURI)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return 0, err
		}
		if parent != nil {
			author, err := models.ActorByID(ctx, tx, parent.AuthorID)
			if err != nil {
				return 0, err
			}
			skip[p.urls.Actor(author)] = true
			for _, t := range parent.Tags {
				if t.Type == "Mention" {
					skip[t.Href] = true
				}
			}
		}
	}
	named := map[string]bool{}
	for _, m := range in.Mentioned {
		if !skip[m] {
			named[m] = true // a Mention names an actor, whatever its URL looks like
		}
	}
	for _, ref := range append(append([]string{in.Audience}, in.To...), in.Cc...) {
		if skip[ref] || federation.IsPublic([]string{ref}) || isCollection(ref) {
			continue
		}
		named[ref] = true
	}
	return len(named), nil
}

// isCollection tells an address that is a followers or following
// collection (Mastodon, GoToSocial, Misskey: ACTOR/followers; Friendica:
// /followers/NAME), which names nobody in particular.
func isCollection(ref string) bool {
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "followers" || seg == "following" {
			return true
		}
	}
	return false
}
