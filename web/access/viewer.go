package access

import (
	"context"
	"errors"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Viewer decides which posts a signed-in person may see on member pages
// and in reports: what public pages show, their own posts, posts that
// mention them, followers-only posts of people they follow, and posts into
// groups they belong to. It remembers what it looked up, for the posts of
// one page.
type Viewer struct {
	db      models.DB
	urls    federation.URLs
	viewer  *models.Actor
	groups  map[int64]bool // group id: the viewer is a member (or moderator)
	follows map[int64]bool // author id: the viewer follows them
	public  map[int64]bool // post id: a public page shows it
}

// For is what v may see, looked up in db.
func For(db models.DB, urls federation.URLs, v *models.Account) *Viewer {
	return ForActor(db, urls, v.Actor)
}

// ForActor is what the local actor a may see.
func ForActor(db models.DB, urls federation.URLs, a *models.Actor) *Viewer {
	return &Viewer{db: db, urls: urls, viewer: a, groups: map[int64]bool{}, follows: map[int64]bool{},
		public: map[int64]bool{}}
}

// NotForEveryone reports the posts whose audience a viewer must be checked
// against one by one: followers-only and direct ones.
func NotForEveryone(p *models.Post) bool {
	return p.Visibility == models.VisibilityPrivate || p.Visibility == models.VisibilityDirect
}

// LoadPublic learns which of the posts public pages show, in one query.
func (s *Viewer) LoadPublic(ctx context.Context, ids []int64) error {
	shown, err := models.VisiblePosts(ctx, s.db, ids)
	if err != nil {
		return err
	}
	for id := range shown {
		s.public[id] = true
	}
	return nil
}

// Can reports whether the viewer may see p (call LoadPublic with its id first).
func (s *Viewer) Can(ctx context.Context, p *models.Post) (bool, error) {
	if p == nil || p.DeletedAt != nil {
		return false, nil
	}
	if p.AuthorID == s.viewer.ID {
		return true, nil
	}
	if p.Visibility == models.VisibilityDirect {
		return InConversation(s.urls, p, s.viewer), nil
	}
	mentioned := HasMention(p.Tags, s.urls.Actor(s.viewer))
	if s.public[p.ID] || mentioned {
		return true, nil
	}
	if p.GroupID != nil {
		member, ok := s.groups[*p.GroupID]
		if !ok {
			var err error
			if member, err = models.IsMember(ctx, s.db, *p.GroupID, s.viewer.ID); err != nil {
				return false, err
			}
			s.groups[*p.GroupID] = member
		}
		if member {
			return true, nil
		}
	}
	if p.Visibility != models.VisibilityPrivate || p.GroupID != nil {
		return false, nil // a group's followers-only post is for its members only
	}
	following, ok := s.follows[p.AuthorID]
	if !ok {
		f, err := models.FollowBetween(ctx, s.db, s.viewer.ID, p.AuthorID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return false, err
		}
		following = err == nil && f.State == models.FollowAccepted
		s.follows[p.AuthorID] = following
	}
	return following, nil
}

// HasMention reports whether a post's tags mention the actor href.
func HasMention(tags []models.Tag, href string) bool {
	for _, t := range tags {
		if t.Type == "Mention" && t.Href == href {
			return true
		}
	}
	return false
}

// Public reports whether a public page shows the post id (LoadPublic
// learned it).
func (s *Viewer) Public(id int64) bool { return s.public[id] }

// InConversation reports whether a viewer takes part in a direct post:
// she wrote it or it mentions her. Nobody else may see it, anywhere.
func InConversation(u federation.URLs, p *models.Post, viewer *models.Actor) bool {
	return p.AuthorID == viewer.ID || HasMention(p.Tags, u.Actor(viewer))
}

// Seen loads the posts with these ids, in the order given (each once), and
// tells which of them v may see; an unknown or deleted id is one she may not.
func Seen(ctx context.Context, db models.DB, urls federation.URLs, v *models.Account, ids []int64) (posts []*models.Post, visible []bool, err error) {
	found, err := models.Posts(ctx, db, ids, v.Actor.ID)
	if err != nil {
		return nil, nil, err
	}
	seen := For(db, urls, v)
	if err := seen.LoadPublic(ctx, ids); err != nil {
		return nil, nil, err
	}
	done := map[int64]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		ok, err := seen.Can(ctx, found[id])
		if err != nil {
			return nil, nil, err
		}
		posts, visible = append(posts, found[id]), append(visible, ok)
	}
	return posts, visible, nil
}
