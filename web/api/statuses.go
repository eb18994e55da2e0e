package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/ratelimit"
)

// statusForm is what POST and PUT /api/v1/statuses take (form or JSON).
type statusForm struct {
	Status      string `form:"status" json:"status"`
	InReplyToID string `form:"in_reply_to_id" json:"in_reply_to_id"`
	SpoilerText string `form:"spoiler_text" json:"spoiler_text"`
	Sensitive   *bool  `form:"sensitive" json:"sensitive"` // nil: the account's preference, for photos
	Visibility  string `form:"visibility" json:"visibility"`
	Language    string `form:"language" json:"language"`
	// MediaIDs are uploads to show, in order; nil (not sent) keeps an
	// edited post's photos.
	MediaIDs *[]string `form:"media_ids[]" json:"media_ids"`
	// Village: post into a group as written by the group (it must allow it).
	Anonymous bool `form:"anonymous" json:"anonymous"`
	// A poll (polls.go): an object in JSON, poll[...] fields in a form.
	Poll           *pollForm `form:"-" json:"poll"`
	PollOptions    []string  `form:"poll[options][]" json:"-"`
	PollExpiresIn  string    `form:"poll[expires_in]" json:"-"`
	PollMultiple   string    `form:"poll[multiple]" json:"-"`
	PollHideTotals string    `form:"poll[hide_totals]" json:"-"`

	mediaIDs   []int64 // MediaIDs read by validate
	keepsMedia bool    // an edit that keeps the post's photos (its text may be blank)
}

// validate checks the form, reading media_ids; prefs fill in what the app
// did not say (visibility, and sensitivity of a post with photos).
func (f *statusForm) validate(prefs models.Preferences) error {
	f.Status = strings.TrimSpace(f.Status)
	if f.MediaIDs != nil {
		for _, s := range *f.MediaIDs {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+models.ErrMediaNotAttachable.Error())
			}
			f.mediaIDs = append(f.mediaIDs, id)
		}
	}
	if len(f.mediaIDs) > models.MaxMediaAttachments {
		return echo.NewHTTPError(http.StatusUnprocessableEntity,
			fmt.Sprintf("Validation failed: Cannot attach more than %d files", models.MaxMediaAttachments))
	}
	if f.Sensitive == nil {
		sensitive := prefs.Sensitive && len(f.mediaIDs) > 0
		f.Sensitive = &sensitive
	}
	if f.Language == "" {
		f.Language = prefs.Language
	}
	switch {
	case f.Status == "" && len(f.mediaIDs) == 0 && !f.keepsMedia:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
	case models.PostLength(f.Status) > models.MaxPostLength:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Text character limit of 5000 exceeded")
	case utf8.RuneCountInString(f.SpoilerText) > 1000:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Content warning is too long")
	}
	if f.Language != "" {
		lang, ok := models.Language(f.Language)
		if !ok {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Language is not an ISO 639-1 code")
		}
		f.Language = lang
	}
	switch f.Visibility {
	case "":
		f.Visibility = prefs.Visibility
	case models.VisibilityPublicPost, models.VisibilityUnlisted, models.VisibilityPrivate, models.VisibilityDirect:
	default:
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Visibility is invalid")
	}
	if f.Anonymous && f.Visibility == models.VisibilityDirect {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: a direct message cannot be anonymous")
	}
	return nil
}

// CreateStatus answers POST /api/v1/statuses.
func (h *Handler) CreateStatus(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	var f statusForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the status")
	}
	prefs, err := models.PreferencesOf(ctx, h.db, currentAccount(c).ID)
	if err != nil {
		return err
	}
	if err := f.validate(prefs); err != nil {
		return err
	}
	poll, err := f.pollOf(time.Now())
	if err != nil {
		return err
	}
	if err := h.limits.Post(ctx, currentAccount(c).ID); err != nil {
		var limited *ratelimit.Error
		if !errors.As(err, &limited) {
			return err
		}
		return apiLimited(c, limited)
	}
	html, tags, mentions := h.composer.Render(ctx, f.Status)
	pub := outbox.Publication{Author: me, Mentions: mentions, MediaIDs: f.mediaIDs, Poll: poll, Post: &models.Post{
		Content: html, Source: f.Status, Summary: strings.TrimSpace(f.SpoilerText), Sensitive: *f.Sensitive || f.SpoilerText != "",
		Visibility: f.Visibility, Language: f.Language, Tags: tags}}
	if f.InReplyToID != "" {
		parent, err := h.postParam(c, f.InReplyToID)
		if err != nil {
			return err
		}
		pub.Parent = parent
		if pub.ParentBy, err = models.ActorByID(ctx, h.db, parent.AuthorID); err != nil {
			return err
		}
	}
	if t := requestToken(c); t.App != nil && !f.Anonymous {
		pub.Post.AppID = &t.App.ID // an anonymous post names no app: it could point at its writer
	}
	var post *models.Post
	if f.Anonymous {
		post, err = h.outbox.PublishAnonymous(ctx, pub)
	} else {
		post, err = h.outbox.Publish(ctx, pub)
	}
	if errors.Is(err, outbox.ErrNotMember) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Only members can post into this group: join it first")
	}
	if refusal := speakingRefusal(err); refusal != nil {
		return refusal
	}
	if errors.Is(err, outbox.ErrThreadLocked) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This thread is locked: it takes no new replies")
	}
	if refusal := attachRefusal(err); refusal != nil {
		return refusal
	}
	if err != nil {
		return err
	}
	return h.writeStatus(c, post.ID, me.ID)
}

// attachRefusal is the 422 for media a post may not take (not one's own,
// on another post, gone, too many); nil for any other outcome.
func attachRefusal(err error) error {
	switch {
	case errors.Is(err, models.ErrMediaNotAttachable):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+models.ErrMediaNotAttachable.Error())
	case errors.Is(err, models.ErrTooManyMedia):
		return echo.NewHTTPError(http.StatusUnprocessableEntity,
			fmt.Sprintf("Validation failed: Cannot attach more than %d files", models.MaxMediaAttachments))
	}
	return nil
}

func (h *Handler) writeStatus(c echo.Context, postID, viewerID int64) error {
	list, err := h.statuses(c.Request().Context(), []models.Entry{{ID: postID, PostID: postID}}, viewerID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return c.JSON(http.StatusOK, list[0])
}

// postParam loads a live post by its API id, as a 404 when there is none
// or the viewer may not see it (a members-only group's post, to a
// non-member; a direct post, to anyone it does not mention).
func (h *Handler) postParam(c echo.Context, s string) (*models.Post, error) {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	p, err := models.PostByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && p.DeletedAt != nil) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return nil, err
	}
	if viewerID(c) == 0 {
		// A visitor reads what public pages show, and nothing else.
		shown, err := models.VisiblePosts(ctx, h.db, []int64{p.ID})
		if err != nil {
			return nil, err
		}
		if shown[p.ID] == nil {
			return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
		}
		return p, nil
	}
	// A direct post is for those in it, a followers-only one for the
	// author's followers (or, in a group, its members): to anyone else it
	// does not exist.
	if access.NotForEveryone(p) {
		if ok, err := access.For(h.db, h.urls, currentAccount(c)).Can(ctx, p); err != nil || !ok {
			if err == nil {
				err = echo.NewHTTPError(http.StatusNotFound, "Record not found")
			}
			return nil, err
		}
	}
	if hidden, err := access.HiddenFromViewer(ctx, h.db, p, viewerID(c)); err != nil || hidden {
		if err == nil {
			err = echo.NewHTTPError(http.StatusNotFound, "Record not found")
		}
		return nil, err
	}
	return p, nil
}

// GetStatus answers GET /api/v1/statuses/:id.
func (h *Handler) GetStatus(c echo.Context) error {
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	return h.writeStatus(c, p.ID, viewerID(c))
}

// ownPost loads a post of the token's account, for edits and deletes.
func (h *Handler) ownPost(c echo.Context) (*models.Post, error) {
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return nil, err
	}
	me := currentAccount(c).Actor.ID
	if p.AuthorID != me && (p.RealAuthorID == nil || *p.RealAuthorID != me) {
		return nil, echo.NewHTTPError(http.StatusForbidden, "This action is not allowed")
	}
	return p, nil
}

// EditStatus answers PUT /api/v1/statuses/:id: the new text goes out as Update.
func (h *Handler) EditStatus(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	p, err := h.ownPost(c)
	if err != nil {
		return err
	}
	var f statusForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the status")
	}
	f.Visibility = p.Visibility
	if f.Sensitive == nil { // an edit keeps the post's mark, unless only its warning made it
		sensitive := p.Sensitive && p.Summary == ""
		f.Sensitive = &sensitive
	}
	f.keepsMedia = f.MediaIDs == nil && len(p.Attachments) > 0
	if err := f.validate(models.Preferences{Visibility: p.Visibility, Language: p.Language}); err != nil {
		return err
	}
	html, tags, _ := h.composer.Render(ctx, f.Status)
	// Mentions stay those of the original, so the audience does not change.
	for _, t := range p.Tags {
		if t.Type == "Mention" && !models.HasTag(tags, t.Href) {
			tags = append(tags, t)
		}
	}
	p.Content, p.Source, p.Tags = html, f.Status, tags
	p.Summary, p.Sensitive = strings.TrimSpace(f.SpoilerText), *f.Sensitive || f.SpoilerText != ""
	if f.Language != "" {
		p.Language = f.Language
	}
	edit := func() error { return h.outbox.Edit(ctx, me, p) }
	switch {
	case p.RealAuthorID != nil:
		edit = func() error { return h.outbox.EditAnonymous(ctx, p) } // the group, its author, sends the Update
	case f.MediaIDs != nil:
		edit = func() error { return h.outbox.EditWithMedia(ctx, me, p, f.mediaIDs) }
	}
	if err := edit(); err != nil {
		if refusal := speakingRefusal(err); refusal != nil {
			return refusal
		}
		if refusal := attachRefusal(err); refusal != nil {
			return refusal
		}
		return err
	}
	return h.writeStatus(c, p.ID, me.ID)
}

// DeleteStatus answers DELETE /api/v1/statuses/:id with the status as it was.
func (h *Handler) DeleteStatus(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	p, err := h.ownPost(c)
	if err != nil {
		return err
	}
	list, err := h.statuses(ctx, []models.Entry{{ID: p.ID, PostID: p.ID}}, me.ID)
	if err != nil {
		return err
	}
	if p.RealAuthorID != nil {
		err = h.outbox.DeleteAnonymous(ctx, p)
	} else {
		err = h.outbox.Delete(ctx, me, p)
	}
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return c.JSON(http.StatusOK, map[string]any{})
	}
	return c.JSON(http.StatusOK, list[0])
}

// StatusContext answers GET /api/v1/statuses/:id/context.
func (h *Handler) StatusContext(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	ancestors, descendants, err := models.Thread(ctx, h.db, p.ID)
	if err != nil {
		return err
	}
	viewer := viewerID(c)
	up, err := h.statuses(ctx, entriesOf(ancestors), viewer)
	if err != nil {
		return err
	}
	down, err := h.statuses(ctx, entriesOf(descendants), viewer)
	if err != nil {
		return err
	}
	if up, err = h.withoutHidden(ctx, viewer, up); err != nil {
		return err
	}
	if down, err = h.withoutHidden(ctx, viewer, down); err != nil {
		return err
	}
	if up, err = h.applyFilters(ctx, viewer, models.FilterThread, up); err != nil {
		return err
	}
	if down, err = h.applyFilters(ctx, viewer, models.FilterThread, down); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ancestors": up, "descendants": down})
}

func entriesOf(ids []int64) []models.Entry {
	out := make([]models.Entry, 0, len(ids))
	for _, id := range ids {
		out = append(out, models.Entry{ID: id, PostID: id})
	}
	return out
}

// Favourite answers POST /api/v1/statuses/:id/favourite.
func (h *Handler) Favourite(c echo.Context) error {
	return h.onStatus(c, h.outbox.Like)
}

// Unfavourite answers POST /api/v1/statuses/:id/unfavourite.
func (h *Handler) Unfavourite(c echo.Context) error {
	return h.onStatus(c, h.outbox.Unlike)
}

// onStatus does something to a status the token's account may see (a 404
// otherwise) and answers with the status as it is then.
func (h *Handler) onStatus(c echo.Context, do func(ctx context.Context, me *models.Actor, p *models.Post) error) error {
	me := currentAccount(c).Actor
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := do(c.Request().Context(), me, p); err != nil {
		return err
	}
	return h.writeStatus(c, p.ID, me.ID)
}

// timeline answers a timeline endpoint with Link-header paging.
func (h *Handler) timeline(c echo.Context, list func(context.Context, models.Page) ([]models.Entry, error)) error {
	ctx := c.Request().Context()
	p := pageParams(c)
	if c.QueryParam("limit") == "" {
		p.Limit = 20
	}
	entries, err := list(ctx, p)
	if err != nil {
		return err
	}
	viewer := viewerID(c)
	out, err := h.statuses(ctx, entries, viewer)
	if err == nil {
		out, err = h.withoutHidden(ctx, viewer, out)
	}
	if err != nil {
		return err
	}
	if out, err = h.applyFilters(ctx, viewer, filterContextOfPath(c.Path()), out); err != nil {
		return err
	}
	var last int64
	if len(entries) > 0 {
		last = entries[len(entries)-1].ID
	}
	h.setNextLink(c, p, len(entries), last)
	return c.JSON(http.StatusOK, out)
}

// HomeTimeline answers GET /api/v1/timelines/home.
func (h *Handler) HomeTimeline(c echo.Context) error {
	me := currentAccount(c).Actor.ID
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		return models.HomeTimeline(ctx, h.db, me, p)
	})
}

// PublicTimeline answers GET /api/v1/timelines/public (local=true for this
// instance only); visitors read it unless an admin closed it to them.
func (h *Handler) PublicTimeline(c echo.Context) error {
	if currentAccount(c) == nil {
		if err := h.publicPreviewAllowed(c); err != nil {
			return err
		}
	}
	local := c.QueryParam("local") == "true"
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		return models.PublicTimeline(ctx, h.db, local, p)
	})
}

// publicPreviewAllowed refuses a visitor the public timelines unless the
// instance shows them to visitors, with Mastodon's answers.
func (h *Handler) publicPreviewAllowed(c echo.Context) error {
	settings, err := models.InstancePublicSettings(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	if !settings.TimelinePreview {
		if requestToken(c) == nil {
			return errInvalidToken()
		}
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This method requires an authenticated user")
	}
	return nil
}

// AccountStatuses answers GET /api/v1/accounts/:id/statuses: a person's
// posts, or what members posted into a group.
func (h *Handler) AccountStatuses(c echo.Context) error {
	a, err := h.actorParam(c)
	if err != nil {
		return err
	}
	if c.QueryParam("pinned") == "true" {
		return h.pinnedStatuses(c, a)
	}
	me := viewerID(c)
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		if inside, err := access.SeesMembersOnlyGroup(ctx, h.db, a, me); err != nil || inside {
			if err != nil {
				return nil, err
			}
			return models.MembersGroupTimeline(ctx, h.db, a.ID, p)
		}
		return models.ActorTimeline(ctx, h.db, a.ID, p)
	})
}

// Reblog answers POST /api/v1/statuses/:id/reblog with the boost.
func (h *Handler) Reblog(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.outbox.Boost(ctx, me, p); errors.Is(err, outbox.ErrNotBoostable) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "This post cannot be shared: it is not public")
	} else if err != nil {
		return err
	}
	entries, err := models.ActorTimeline(ctx, h.db, me.ID, models.Page{Limit: 40})
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.PostID == p.ID && e.BoosterID == me.ID {
			list, err := h.statuses(ctx, []models.Entry{e}, me.ID)
			if err != nil || len(list) == 0 {
				return err
			}
			return c.JSON(http.StatusOK, list[0])
		}
	}
	return h.writeStatus(c, p.ID, me.ID)
}

// Unreblog answers POST /api/v1/statuses/:id/unreblog.
func (h *Handler) Unreblog(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.outbox.Unboost(ctx, me, p); err != nil {
		return err
	}
	return h.writeStatus(c, p.ID, me.ID)
}

// apiLimited answers an API request refused by a limit: 429, Retry-After,
// and the reason in Mastodon's error shape.
func apiLimited(c echo.Context, err *ratelimit.Error) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(err.RetryAfter()))
	return echo.NewHTTPError(http.StatusTooManyRequests, err.Error())
}

// speakingRefusal is the client API's 422 for a post speaking safely
// refuses, with the reason; nil for any other outcome.
func speakingRefusal(err error) error {
	var warn *outbox.WarningRequiredError
	switch {
	case errors.As(err, &warn):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+warn.Error())
	case errors.Is(err, outbox.ErrAnonymousNotAllowed):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: this group does not take anonymous posts")
	case errors.Is(err, outbox.ErrAnonymousNoGroup):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: an anonymous post goes into a group of this instance (mention it, or answer in its thread)")
	}
	return nil
}
