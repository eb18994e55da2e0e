package inbox

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// staysPrivate reports whether an incoming post is a direct message that
// no group here may take in: addressed neither to Public nor to a
// followers collection (federation reads it as direct), and not naming a
// group as its audience. FEP-1b12 servers, and our own members-only
// groups, address a post into a group to the group alone but always give
// its audience; a Mastodon direct message that mentions a group does not.
func (p *Processor) staysPrivate(in *incomingPost) bool {
	if in.Post.Visibility != models.VisibilityDirect {
		return false
	}
	r, ok := p.urls.ParseLocalActor(in.Audience)
	return !ok || !r.Group
}

// fileDirect puts a stored direct post into the conversations of the
// people here it is for (those it mentions or addresses), with the others
// in it who are known here, and marks it unread for them.
func (p *Processor) fileDirect(ctx context.Context, tx pgx.Tx, in *incomingPost) error {
	if in.Post.Visibility != models.VisibilityDirect {
		return nil
	}
	seen := map[string]bool{}
	var ids []int64
	for _, ref := range append(append(append([]string{}, in.Mentioned...), in.To...), in.Cc...) {
		if ref == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		a, err := p.participant(ctx, tx, ref)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if a.Type != models.ActorGroup {
			ids = append(ids, a.ID)
		}
	}
	return models.RecordDirectPost(ctx, tx, &in.Post, ids)
}

// participant is a person a direct post names, here or known from elsewhere.
func (p *Processor) participant(ctx context.Context, tx pgx.Tx, uri string) (*models.Actor, error) {
	if r, ok := p.urls.ParseLocalActor(uri); ok {
		if r.Group || r.Instance || r.Reports {
			return nil, models.ErrNotFound
		}
		return models.LocalActorByRef(ctx, tx, false, false, r.Username)
	}
	return models.RemoteActorByURI(ctx, tx, uri)
}

// mentionAddressees adds a Mention of each person here a direct post is
// addressed to but does not tag, as Mastodon's silent mentions: who may
// read a direct post is who it mentions.
func (p *Processor) mentionAddressees(in *incomingPost) {
	if in.Post.Visibility != models.VisibilityDirect {
		return
	}
	for _, ref := range append(append([]string{}, in.To...), in.Cc...) {
		r, ok := p.urls.ParseLocalActor(ref)
		if !ok || r.Group || r.Instance || r.Reports || models.HasTag(in.Post.Tags, ref) {
			continue
		}
		in.Post.Tags = append(in.Post.Tags, models.Tag{Type: "Mention", Href: ref, Name: "@" + r.Username + "@" + p.urls.Host()})
		in.Mentioned = append(in.Mentioned, ref)
	}
}
