package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/i18n"
)

// Speaking safely in the web app: a group's topics that need a content
// warning and its anonymous posts, as its moderators set them
// (/groups/NAME/settings/speaking), shown to members where they write.

// topicView is a sensitive topic as a page lists it.
type topicView struct {
	Name     string
	Keywords string // "IVF, fertility, trying to conceive"
}

// speakingView is what a group asks of posts, for its page and forms.
type speakingView struct {
	Topics         []topicView
	AllowAnonymous bool
}

func speakingViewOf(s models.Speaking) speakingView {
	v := speakingView{AllowAnonymous: s.AllowAnonymous}
	for _, t := range s.Topics {
		v.Topics = append(v.Topics, topicView{Name: t.Name, Keywords: strings.Join(t.Keywords, ", ")})
	}
	return v
}

// speakingOfGroup loads a local group's speaking settings for a page;
// remote groups ask nothing here.
func (h *Handler) speakingOfGroup(ctx context.Context, group *models.Actor) (speakingView, error) {
	if group == nil || !group.IsLocal() || group.Type != models.ActorGroup {
		return speakingView{}, nil
	}
	s, err := models.SpeakingOf(ctx, h.db, group.ID)
	if err != nil {
		return speakingView{}, err
	}
	return speakingViewOf(s), nil
}

// Compose gives a form what the group asks: its topics above the content
// warning, and the anonymous box when it takes anonymous posts.
func (s speakingView) Compose(f composeForm) composeForm {
	f.Topics, f.AllowAnonymous = s.Topics, s.AllowAnonymous
	return f
}

// speakingSettingsData is the moderators' form.
type speakingSettingsData struct {
	Group          groupRef
	Topics         string
	AllowAnonymous bool
	Error          string
	Saved          bool
	Anonymous      []anonymousRow // the group's latest anonymous posts and who wrote them
}

// anonymousRow is an anonymous post as its group's moderators see it.
type anonymousRow struct {
	URL     string
	Excerpt string
	Writer  actorLink
}

// anonymousRows lists a group's latest anonymous posts with their writers.
func (h *Handler) anonymousRows(ctx context.Context, groupID int64) ([]anonymousRow, error) {
	list, err := models.AnonymousPosts(ctx, h.db, groupID, 20)
	if err != nil {
		return nil, err
	}
	var out []anonymousRow
	for _, a := range list {
		w, err := models.ActorByID(ctx, h.db, a.WriterID)
		if err != nil {
			return nil, err
		}
		plain := strings.TrimSpace(strings.TrimPrefix(content.PlainText(a.Content), content.PlainText(outbox.AnonymousMarker)))
		out = append(out, anonymousRow{URL: memberPostPath(a.PostID), Excerpt: excerpt(plain, 120), Writer: h.linkActor(w)})
	}
	return out, nil
}

// SpeakingSettingsPage shows a group's speaking settings to its moderators.
func (h *Handler) SpeakingSettingsPage(c echo.Context) error {
	_, g, err := h.moderation(c, "settings/speaking")
	if g == nil {
		return err
	}
	s, err := models.SpeakingOf(c.Request().Context(), h.db, g.Actor.ID)
	if err != nil {
		return err
	}
	d := speakingSettingsData{Group: groupRefOf(g), Topics: models.TopicsText(s.Topics), AllowAnonymous: s.AllowAnonymous,
		Saved: c.QueryParam("saved") == "1"}
	if d.Anonymous, err = h.anonymousRows(c.Request().Context(), g.Actor.ID); err != nil {
		return err
	}
	return h.page(c, http.StatusOK, "manage_speaking", i18n.Format("speaking.settings.title", g.Title), d)
}

// SaveSpeakingSettings stores them; a malformed topic comes back with
// the text as typed and what to fix.
func (h *Handler) SaveSpeakingSettings(c echo.Context) error {
	v, g, err := h.moderation(c, "settings/speaking")
	if g == nil {
		return err
	}
	r := c.Request()
	d := speakingSettingsData{Group: groupRefOf(g), Topics: r.PostFormValue("topics"),
		AllowAnonymous: r.PostFormValue("allow_anonymous") != ""}
	topics, err := models.ParseTopics(d.Topics)
	if errors.Is(err, models.ErrInvalidGroup) {
		d.Error = strings.TrimPrefix(err.Error(), models.ErrInvalidGroup.Error()+": ")
		return h.page(c, http.StatusUnprocessableEntity, "manage_speaking", i18n.Format("speaking.settings.title", g.Title), d)
	}
	if err != nil {
		return err
	}
	if err := models.SetSpeaking(r.Context(), h.db, g.Actor.ID, models.Speaking{Topics: topics, AllowAnonymous: d.AllowAnonymous}); err != nil {
		return fmt.Errorf("web: speaking settings: %w", err)
	}
	h.logger.InfoContext(c.Request().Context(), "speaking settings saved", "group", g.Actor.Username, "moderator", v.Actor.Username,
		"topics", len(topics), "anonymous", d.AllowAnonymous)
	return c.Redirect(http.StatusSeeOther, d.Group.Settings+"/speaking?saved=1")
}

// publishFromForm publishes a web form's post, anonymously when asked,
// and turns the refusals of speaking safely into the form's errors; a nil
// post with a nil error means f now carries an error to show.
func (h *Handler) publishFromForm(ctx context.Context, pub outbox.Publication, f *composeForm) (*models.Post, error) {
	var post *models.Post
	var err error
	if f.Anonymous {
		post, err = h.outbox.PublishAnonymous(ctx, pub)
	} else {
		post, err = h.outbox.Publish(ctx, pub)
	}
	var warn *outbox.WarningRequiredError
	switch {
	case errors.As(err, &warn):
		f.Errors["summary"] = i18n.Format("speaking.error.cw_required", warn.Topic.Name)
	case errors.Is(err, outbox.ErrAnonymousNotAllowed), errors.Is(err, outbox.ErrAnonymousNoGroup):
		f.Errors["text"] = i18n.Text("speaking.error.anonymous")
	default:
		return post, err
	}
	return nil, nil
}

// anonymousPostNote is what the thread page says about an anonymous post:
// to the group's moderators who wrote it, to its writer that it is theirs.
func (h *Handler) anonymousPostNote(ctx context.Context, v *models.Account, p *models.Post) (string, error) {
	if p.RealAuthorID == nil {
		return "", nil
	}
	if *p.RealAuthorID == v.Actor.ID {
		return i18n.Text("speaking.anonymous.yours"), nil
	}
	mod := v.IsAdmin
	if !mod {
		var err error
		if mod, err = models.IsModerator(ctx, h.db, p.AuthorID, v.Actor.ID); err != nil {
			return "", err
		}
	}
	if !mod {
		return "", nil
	}
	writer, err := models.ActorByID(ctx, h.db, *p.RealAuthorID)
	if errors.Is(err, models.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return i18n.Format("speaking.anonymous.moderator", h.linkActor(writer).Handle), nil
}

// writtenAnonymouslyBy reports whether the viewer wrote p anonymously.
func writtenAnonymouslyBy(p *models.Post, v *models.Account) bool {
	return p.RealAuthorID != nil && *p.RealAuthorID == v.Actor.ID
}

// composeSpeaking gives a form the speaking settings of the group it
// writes into (the form's group, or the thread's); a box ticked for a
// group that takes no anonymous posts is an error.
func (h *Handler) composeSpeaking(ctx context.Context, f *composeForm, group *models.Actor, parent *models.Post) error {
	if group == nil && parent != nil && parent.GroupID != nil {
		g, err := models.ActorByID(ctx, h.db, *parent.GroupID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		group = g
	}
	s, err := h.speakingOfGroup(ctx, group)
	if err != nil {
		return err
	}
	*f = s.Compose(*f)
	if f.Anonymous && !f.AllowAnonymous {
		f.Errors["text"] = i18n.Text("speaking.error.anonymous")
	}
	return nil
}

// FilteredBy is "" for a post on a public page: no viewer, no filters.
func (postView) FilteredBy() string { return "" }

// FilteredBy is the title of the viewer's warn filter the post matches.
func (p memberPost) FilteredBy() string { return p.member.Filtered }
