package app

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// What a meetup's page shows besides the meetup: "Add to calendar", the
// organizer's and moderators' buttons, and the comments with the reply
// form, as a post's page shows its thread.

// calendarLink is what the _add_to_calendar partial needs.
type calendarLink struct {
	ID     int64
	Public bool // not a members-only group's: it has a public .ics
}

// meetupComments are the replies under a meetup, and how to add one: the
// reply form for a signed-in person, "join from your own server" for a
// visitor.
type meetupComments struct {
	Replies []any // memberPost for a signed-in viewer, postView for a visitor
	Hidden  int   // replies not shown here (the post's page has them all)
	Reply   *composeForm
	Locked  bool // a moderator locked the thread: no reply form
	Join    *joinForm
}

// meetupExtras fills the calendar link, whether the viewer may change the
// meetup, and its comments (v nil: a visitor).
func (h *Handler) meetupExtras(c echo.Context, e *models.Event, v *models.Account, d *eventPageData) error {
	ctx := c.Request().Context()
	membersOnly, err := access.MembersOnlyGroupOf(ctx, h.db, e.Post)
	if err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	d.Calendar = calendarLink{ID: e.PostID, Public: membersOnly == 0 && e.Post.Visibility == models.VisibilityPublicPost}
	if v != nil && e.Post.Local {
		if d.CanChange, err = models.MayChangeEvent(ctx, h.db, e.Post, v.Actor.ID); err != nil {
			return fmt.Errorf("web: meetup page: %w", err)
		}
	}
	if v == nil {
		d.Comments, err = h.visitorComments(ctx, e.Post)
	} else {
		d.Comments, err = h.memberComments(c, e.Post, v)
	}
	if err != nil {
		return fmt.Errorf("web: meetup page: %w", err)
	}
	return nil
}

// memberComments are the replies a member sees under a meetup (as her
// page of the post shows them: what she may see, without people she
// blocks or mutes, her filters applied) and the reply form, which brings
// her back to the meetup.
func (h *Handler) memberComments(c echo.Context, post *models.Post, v *models.Account) (meetupComments, error) {
	ctx := c.Request().Context()
	var out meetupComments
	_, replyIDs, err := models.Thread(ctx, h.db, post.ID)
	if err != nil {
		return out, err
	}
	loaded, err := models.Posts(ctx, h.db, replyIDs, v.Actor.ID)
	if err != nil {
		return out, err
	}
	seen := access.For(h.db, h.urls, v)
	if err := seen.LoadPublic(ctx, replyIDs); err != nil {
		return out, err
	}
	var candidates []*models.Post
	for _, id := range replyIDs {
		p := loaded[id]
		if p == nil {
			continue
		}
		ok, err := seen.Can(ctx, p)
		if err != nil {
			return out, err
		}
		if ok {
			candidates = append(candidates, p)
		}
	}
	if candidates, err = h.withoutHiddenPosts(ctx, v.Actor.ID, candidates); err != nil {
		return out, err
	}
	views, err := h.newPostViews(ctx, append([]*models.Post{post}, candidates...))
	if err != nil {
		return out, err
	}
	if post.GroupID != nil {
		views.inGroup = *post.GroupID
	}
	filters, err := h.filtersIn(ctx, v.Actor.ID, models.FilterThread)
	if err != nil {
		return out, err
	}
	here, csrf := meetupPath(post.ID), csrfToken(c)
	visible := map[int64]*models.Post{}
	for _, p := range candidates {
		visible[p.ID] = p
	}
	for _, place := range threadPlaces(post.ID, replyIDs, visible) {
		if len(out.Replies) >= threadReplyLimit {
			out.Hidden++
			continue
		}
		mp := h.memberView(views, place.post, v, csrf, here, false)
		if !foldFiltered(filters, place.post, &mp) {
			continue
		}
		mp.Depth = place.depth
		out.Replies = append(out.Replies, mp)
	}
	if out.Locked, err = models.ThreadLocked(ctx, h.db, post.ID); err != nil {
		return out, err
	}
	author := views.view(post, false).Author.Name
	out.Reply = &composeForm{ID: "reply", CSRF: csrf, Action: "/posts", Label: i18n.Format("compose.label.reply", author),
		Submit: i18n.Text("compose.submit.reply"), InReplyTo: post.ID, Next: here, Uploads: h.media != nil}
	if err := h.composeSpeaking(ctx, out.Reply, nil, post); err != nil {
		return out, err
	}
	return out, nil
}

// visitorComments are the public replies under a meetup, and the form
// that answers from one's own server.
func (h *Handler) visitorComments(ctx context.Context, post *models.Post) (meetupComments, error) {
	out := meetupComments{Join: &joinForm{URI: post.URI}}
	_, replyIDs, err := models.Thread(ctx, h.db, post.ID)
	if err != nil {
		return out, err
	}
	visible, err := models.VisiblePosts(ctx, h.db, replyIDs)
	if err != nil {
		return out, err
	}
	all := []*models.Post{post}
	for _, p := range visible {
		all = append(all, p)
	}
	views, err := h.newPostViews(ctx, all)
	if err != nil {
		return out, err
	}
	if post.GroupID != nil {
		views.inGroup = *post.GroupID
	}
	for _, place := range threadPlaces(post.ID, replyIDs, visible) {
		if len(out.Replies) >= threadReplyLimit {
			out.Hidden++
			continue
		}
		pv := views.view(place.post, false)
		pv.Depth = place.depth
		out.Replies = append(out.Replies, pv)
	}
	return out, nil
}

// threadPlace is a reply shown under a post, with its indentation.
type threadPlace struct {
	post  *models.Post
	depth int
}

// threadPlaces puts the shown replies in thread order (replyIDs' order)
// with their depth below the post; a reply under one not shown is left
// out, as on the post's page.
func threadPlaces(rootID int64, replyIDs []int64, shown map[int64]*models.Post) []threadPlace {
	depth := map[int64]int{rootID: 0}
	var out []threadPlace
	for _, id := range replyIDs {
		p := shown[id]
		if p == nil || p.InReplyToID == nil {
			continue
		}
		parent, ok := depth[*p.InReplyToID]
		if !ok {
			continue
		}
		depth[id] = parent + 1
		out = append(out, threadPlace{post: p, depth: min(parent, 4)})
	}
	return out
}
