package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// People here who moderate a group on another server: the group tells
// them of requests to join it (Announce{Follow}) and of reports about it
// (a Flag from its server). Either counts only when the group's own
// moderators collection, read from its origin, lists someone here.

// remoteGroupNews is what the group sent, read before the transaction.
type remoteGroupNews struct {
	group      *models.Actor
	moderators []*models.Actor // local people the group lists as moderators
	requester  *models.Actor   // a join request's
	target     *models.Actor   // a report's: the person it is about
}

// localModeratorsOf reads a remote group's moderators collection and keeps
// the local people in it.
func (p *Processor) localModeratorsOf(ctx context.Context, group *models.Actor) ([]*models.Actor, error) {
	uris, err := p.resolver.GroupModerators(ctx, group.URI)
	if err != nil {
		return nil, err
	}
	var out []*models.Actor
	for _, uri := range uris {
		ref, ok := p.urls.ParseLocalActor(uri)
		if !ok || ref.Group || ref.Instance {
			continue
		}
		a, err := models.LocalActorByRef(ctx, p.db, false, false, ref.Username)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// prepareJoinRequest reads Announce{Follow{object: group}} from a remote
// group: a request to join it, for its moderators here.
func (p *Processor) prepareJoinRequest(ctx context.Context, a *activity, follow federation.Object) (*announced, error) {
	if a.signer.Type != models.ActorGroup || p.urls.IsLocal(a.signer.URI) || follow.Ref("object") != a.signer.URI || follow.ID() == "" {
		return &announced{}, nil
	}
	mods, err := p.localModeratorsOf(ctx, a.signer)
	if err != nil || len(mods) == 0 {
		p.logger.InfoContext(ctx, "inbox: join request from a group nobody here moderates; ignored", "group", a.signer.URI, "error", err)
		return &announced{}, nil
	}
	requester, err := p.resolver.Actor(ctx, follow.Ref("actor"))
	if err != nil {
		p.logger.InfoContext(ctx, "inbox: join request's requester not resolvable", "actor", follow.Ref("actor"), "error", err)
		return &announced{}, nil
	}
	return &announced{kind: "JoinRequest", news: &remoteGroupNews{group: a.signer, moderators: mods, requester: requester},
		moderation: follow}, nil
}

// prepareJoinEnd reads Announce{Accept|Reject|Undo{Follow{object: group}}}
// from a remote group: a request to join it was decided (maybe by another
// of its moderators) or withdrawn, and its moderators here need not
// answer it any more. Only the group's own word settles its requests.
func (p *Processor) prepareJoinEnd(a *activity, end federation.Object) (*announced, error) {
	follow := end.Embedded("object")
	followID := end.Ref("object")
	if a.signer.Type != models.ActorGroup || p.urls.IsLocal(a.signer.URI) || followID == "" ||
		(follow != nil && follow.Ref("object") != a.signer.URI) {
		return &announced{}, nil
	}
	return &announced{kind: "JoinEnd", joinEnd: followID, moderation: end}, nil
}

// storeJoinRequest keeps a remote group's join request for its moderators
// here and tells them.
func (p *Processor) storeJoinRequest(ctx context.Context, tx pgx.Tx, an *announced) error {
	n := an.news
	if err := p.rememberModerators(ctx, tx, n); err != nil {
		return err
	}
	err := models.PutRemoteJoinRequest(ctx, tx, models.RemoteJoinRequest{GroupID: n.group.ID, RequesterID: n.requester.ID,
		FollowURI: an.moderation.ID(), Answers: p.sanitizeText(an.moderation.String("content"))})
	if err != nil {
		return err
	}
	for _, m := range n.moderators {
		if err := models.Notify(ctx, tx, m.ID, models.NotifyFollowRequest, n.requester.ID, nil, &n.group.ID); err != nil {
			return err
		}
	}
	return nil
}

func (p *Processor) rememberModerators(ctx context.Context, tx pgx.Tx, n *remoteGroupNews) error {
	ids := make([]int64, 0, len(n.moderators))
	for _, m := range n.moderators {
		ids = append(ids, m.ID)
	}
	return models.ReplaceRemoteModerators(ctx, tx, n.group.ID, ids)
}

// prepareRemoteGroupFlag reads a Flag about a remote group that its own
// server sent (Village forwards a report to the group's moderators
// elsewhere, addressed to the group). It counts only from the group's
// origin and when the group lists a moderator here; anything else is left
// to the ordinary Flag rules, which refuse what names nothing of ours.
func (p *Processor) prepareRemoteGroupFlag(ctx context.Context, a *activity) (*remoteGroupNews, error) {
	var groupURI string
	for _, key := range []string{"to", "cc", "audience", "target"} {
		for _, ref := range a.Refs(key) {
			if ref == federation.Public || p.urls.IsLocal(ref) {
				if l, ok := p.urls.ParseLocalActor(ref); ok && l.Group {
					return nil, nil // about a group of ours: the ordinary rules
				}
				continue
			}
			if groupURI == "" && federation.SameOrigin(ref, a.signer.URI) {
				groupURI = ref
			}
		}
	}
	if groupURI == "" {
		return nil, nil
	}
	group, err := p.resolver.Actor(ctx, groupURI)
	if err != nil || group.Type != models.ActorGroup {
		return nil, nil
	}
	mods, err := p.localModeratorsOf(ctx, group)
	if err != nil || len(mods) == 0 {
		p.logger.InfoContext(ctx, "inbox: Flag about a group nobody here moderates", "group", groupURI, "error", err)
		return nil, nil
	}
	refs := a.Refs("object")
	if len(refs) == 0 {
		return nil, nil
	}
	// Village and Mastodon name the person first; Lemmy names only the
	// post, whose author the report is then about (found in the transaction).
	var target *models.Actor
	if _, err := models.PostByURI(ctx, p.db, refs[0]); errors.Is(err, models.ErrNotFound) {
		if target, err = p.resolver.Actor(ctx, refs[0]); err != nil {
			return nil, refuse(http.StatusBadRequest, "the Flag's first object %s is neither a person nor a post known here: %v", refs[0], err)
		}
	}
	return &remoteGroupNews{group: group, moderators: mods, target: target}, nil
}

// remoteGroupFlag files a report about a remote group for its moderators
// here: tied to the group, with the group's posts it names that are known
// here, and each moderator notified (admin.report).
func (p *Processor) remoteGroupFlag(ctx context.Context, tx pgx.Tx, a *activity, n *remoteGroupNews) error {
	if err := p.rememberModerators(ctx, tx, n); err != nil {
		return err
	}
	refs := a.Refs("object")
	if len(refs) > maxFlagObjects {
		refs = refs[:maxFlagObjects]
	}
	var posts []*models.Post
	for _, ref := range refs {
		post, err := models.PostByURI(ctx, tx, ref)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if post.GroupID != nil && *post.GroupID == n.group.ID && post.DeletedAt == nil {
			posts = append(posts, post)
		}
	}
	var targetID int64
	switch {
	case n.target != nil:
		targetID = n.target.ID
	case len(posts) > 0:
		targetID = posts[0].AuthorID
	default:
		return refuse(http.StatusBadRequest, "the Flag names no person and no post of %s known here", n.group.URI)
	}
	var ids []int64 // the reported person's posts only, as for other reports
	for _, post := range posts {
		if post.AuthorID == targetID {
			ids = append(ids, post.ID)
		}
	}
	comment := a.String("content")
	if comment == "" {
		comment = a.String("summary")
	}
	report := &models.Report{ReporterID: &a.signer.ID, TargetID: targetID, GroupID: &n.group.ID, PostIDs: ids,
		Comment: cutComment(p.sanitizeText(comment)), FlagURI: a.ID()}
	created, err := models.CreateReport(ctx, tx, report, models.RemoteReportsPerHour)
	if errors.Is(err, models.ErrTooManyReports) {
		return refuse(http.StatusTooManyRequests, "%v", err)
	}
	if err != nil || !created {
		return err
	}
	var post *int64
	if len(ids) > 0 {
		post = &ids[0]
	}
	for _, m := range n.moderators {
		if err := models.Notify(ctx, tx, m.ID, models.NotifyAdminReport, a.signer.ID, post, &n.group.ID); err != nil {
			return err
		}
	}
	p.logger.InfoContext(ctx, "inbox: report about a remote group filed for its moderators here", "flag", a.ID(), "group", n.group.URI)
	return nil
}
