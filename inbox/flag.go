package inbox

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// maxFlagObjects bounds the objects of a Flag looked at: a report names a
// person and a few posts.
const maxFlagObjects = 1 + models.MaxReportPosts

// flag files a remote report (Flag{actor, object: [account, posts...],
// content}) in a moderation queue: the group's when it is addressed to a
// local group or arrived at its inbox, else the instance's. Only what is
// ours counts: local accounts and posts, and remote members and posts of
// our groups; a Flag that names nothing of ours is refused and stored
// nowhere. A replay never gets here (the inbox records activity ids).
func (p *Processor) flag(ctx context.Context, tx pgx.Tx, a *activity) error {
	group, err := p.flagGroup(ctx, tx, a)
	if err != nil {
		return err
	}
	refs := a.Refs("object")
	if len(refs) > maxFlagObjects {
		refs = refs[:maxFlagObjects]
	}
	var accounts []*models.Actor
	var posts []*models.Post
	for _, ref := range refs {
		actor, post, err := p.flagObject(ctx, tx, ref, group)
		if err != nil {
			return err
		}
		if actor != nil {
			accounts = append(accounts, actor)
		}
		if post != nil {
			posts = append(posts, post)
		}
	}
	var target *models.Actor
	switch {
	case len(accounts) > 0:
		target = accounts[0]
	case len(posts) > 0:
		if target, err = models.ActorByID(ctx, tx, posts[0].AuthorID); err != nil {
			return err
		}
	default:
		return refuse(http.StatusBadRequest, "the Flag names nothing on this server")
	}
	var mine []*models.Post
	var ids []int64
	for _, post := range posts {
		if post.AuthorID == target.ID {
			mine = append(mine, post)
			ids = append(ids, post.ID)
		}
	}
	var groupID *int64
	// A report about the group itself is for the instance; one about its
	// posts (anonymous ones are the group's) is for its moderators.
	if group != nil && (target.ID != group.Actor.ID || len(ids) > 0) {
		groupID = &group.Actor.ID
	}
	comment := a.String("content")
	if comment == "" {
		comment = a.String("summary")
	}
	report := &models.Report{ReporterID: &a.signer.ID, TargetID: target.ID, GroupID: groupID, PostIDs: ids,
		Comment: cutComment(p.sanitizeText(comment)), FlagURI: a.ID()}
	_, err = p.outbox.FileReport(ctx, tx, outbox.ReportFiling{Report: report, Target: target, Posts: mine,
		PerHour: models.RemoteReportsPerHour, Reporter: a.signer})
	if errors.Is(err, models.ErrTooManyReports) {
		return refuse(http.StatusTooManyRequests, "%v", err)
	}
	if err == nil {
		p.logger.InfoContext(ctx, "inbox: report filed", "flag", a.ID(), "reporter", a.signer.URI, "target", target.ID, "group", groupID != nil)
	}
	return err
}

// flagGroup is the local group a Flag is for: one it is addressed to
// (to, cc, audience, target), or the one whose inbox it arrived at.
func (p *Processor) flagGroup(ctx context.Context, tx pgx.Tx, a *activity) (*models.Group, error) {
	var names []string
	for _, key := range []string{"to", "cc", "audience", "target"} {
		for _, ref := range a.Refs(key) {
			if l, ok := p.urls.ParseLocalActor(ref); ok && l.Group {
				names = append(names, l.Username)
			}
		}
	}
	if name := arrivedAtGroup(ctx); name != "" {
		names = append(names, name)
	}
	for _, name := range names {
		g, err := models.GroupByName(ctx, tx, name)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		return g, err
	}
	return nil, nil
}

// flagObject reads one object of a Flag: an account or a post of ours, or
// nothing when it is not ours (or unknown here).
func (p *Processor) flagObject(ctx context.Context, tx pgx.Tx, ref string, group *models.Group) (*models.Actor, *models.Post, error) {
	if l, ok := p.urls.ParseLocalActor(ref); ok {
		if l.Instance {
			return nil, nil, nil
		}
		a, err := models.LocalActorByRef(ctx, tx, false, l.Group, l.Username)
		if errors.Is(err, models.ErrNotFound) {
			return nil, nil, nil
		}
		return a, nil, err
	}
	post, err := models.PostByURI(ctx, tx, ref)
	switch {
	case err == nil:
		ours, err := p.postOfOurs(ctx, tx, post, group)
		if err != nil || !ours {
			return nil, nil, err
		}
		return nil, post, nil
	case !errors.Is(err, models.ErrNotFound):
		return nil, nil, err
	}
	if group == nil || p.urls.IsLocal(ref) {
		return nil, nil, nil
	}
	actor, err := models.RemoteActorByURI(ctx, tx, ref)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// A remote person is ours to judge only as a member of the group.
	member, err := models.IsMember(ctx, tx, group.Actor.ID, actor.ID)
	if err != nil || !member {
		return nil, nil, err
	}
	return actor, nil, nil
}

// postOfOurs reports whether a post is ours to judge: written here, or
// posted into the group (into any local group, for an instance report).
func (p *Processor) postOfOurs(ctx context.Context, tx pgx.Tx, post *models.Post, group *models.Group) (bool, error) {
	if post.DeletedAt != nil {
		return false, nil
	}
	if post.Local {
		return true, nil
	}
	if post.GroupID == nil {
		return false, nil
	}
	if group != nil {
		return *post.GroupID == group.Actor.ID, nil
	}
	g, err := models.ActorByID(ctx, tx, *post.GroupID)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	return err == nil && g.IsLocal() && g.Type == models.ActorGroup, err
}

// cutComment trims a report's comment to what a report may hold.
func cutComment(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > models.MaxReportComment {
		s = string(r[:models.MaxReportComment])
	}
	return s
}
