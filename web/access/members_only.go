// Package access decides who may see what, for every face alike: the posts
// of members-only groups, and what a signed-in person may read. (Who may
// fetch a members-only post over ActivityPub, by signature, is the
// ActivityPub face's: it builds on MembersOnlyGroupOf.)
package access

import (
	"context"

	"github.com/village-social/village/models"
)

// MembersOnlyGroupOf returns the id of the local members-only group a post
// belongs to, or 0 when it belongs to none. The group's own public notes
// (its welcome, shown on its profile) are for everyone.
func MembersOnlyGroupOf(ctx context.Context, db models.DB, post *models.Post) (int64, error) {
	if post.GroupID == nil || (post.AuthorID == *post.GroupID && post.Visibility == models.VisibilityPublicPost) {
		return 0, nil
	}
	membersOnly, err := models.GroupIsMembersOnly(ctx, db, *post.GroupID)
	if err != nil || !membersOnly {
		return 0, err
	}
	return *post.GroupID, nil
}

// HiddenFromViewer reports whether a signed-in viewer may not see a post
// because it belongs to a members-only group they are not a member of.
func HiddenFromViewer(ctx context.Context, db models.DB, post *models.Post, viewerID int64) (bool, error) {
	groupID, err := MembersOnlyGroupOf(ctx, db, post)
	if err != nil || groupID == 0 || post.AuthorID == viewerID {
		return false, err
	}
	member, err := models.IsMember(ctx, db, groupID, viewerID)
	return !member, err
}

// SeesMembersOnlyGroup reports whether a is a members-only group and the
// viewer one of its members, who see all its posts.
func SeesMembersOnlyGroup(ctx context.Context, db models.DB, a *models.Actor, viewerID int64) (bool, error) {
	if a.Type != models.ActorGroup {
		return false, nil
	}
	membersOnly := a.ManuallyApprovesFollowers // a remote group that approves its members
	if a.IsLocal() {
		var err error
		if membersOnly, err = models.GroupIsMembersOnly(ctx, db, a.ID); err != nil {
			return false, err
		}
	}
	if !membersOnly {
		return false, nil
	}
	return models.IsMember(ctx, db, a.ID, viewerID)
}
