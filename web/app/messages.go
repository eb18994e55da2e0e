package app

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// Messages: private conversations, threads of direct posts between the
// people they mention. Writing one is the compose form with
// visibility=direct (CreatePost); these pages list and show them.

// messagesLimit is how many conversations the Messages page lists.
const messagesLimit = 40

// conversationItem is one line of the Messages page.
type conversationItem struct {
	URL        string
	With       string // the others in it, by name
	Excerpt    string // the latest message, as plain text
	Unread     bool
	Updated    time.Time
	UpdatedISO string
}

// conversationData is a conversation's page: its messages and the reply form.
type conversationData struct {
	With  string
	Posts []memberPost
	Reply composeForm
}

// namesSomeone reports whether a private message mentions a person it can
// go to (a group takes no private messages).
func namesSomeone(mentions []*models.Actor) bool {
	return slices.ContainsFunc(mentions, func(a *models.Actor) bool { return a.Type != models.ActorGroup })
}

// MessagesPage lists the person's conversations, the latest message first
// (GET /messages).
func (h *Handler) MessagesPage(c echo.Context) error {
	v, err := h.signInFirst(c, "/messages")
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := models.Conversations(ctx, h.db, v.Actor.ID, models.Page{Limit: messagesLimit})
	if err != nil {
		return err
	}
	items := make([]conversationItem, 0, len(list))
	for _, conv := range list {
		with, err := h.participantNames(c, conv)
		if err != nil {
			return err
		}
		item := conversationItem{URL: "/messages/" + strconv.FormatInt(conv.ID, 10), With: with, Unread: conv.Unread,
			Updated: conv.UpdatedAt, UpdatedISO: conv.UpdatedAt.UTC().Format(time.RFC3339)}
		if last, err := models.PostByID(ctx, h.db, conv.LastPostID); err == nil && last.DeletedAt == nil {
			item.Excerpt = content.CutRunes(content.PlainText(last.Content), snippetRunes)
		} else if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		items = append(items, item)
	}
	return h.memberPage(c, http.StatusOK, "messages", i18n.Text("messages.title"), "", items)
}

// ConversationPage shows one of the person's conversations, its direct
// posts in thread order, with a form to answer privately; seeing it marks
// it read (GET /messages/:id). Anyone else's is 404.
func (h *Handler) ConversationPage(c echo.Context) error {
	v, err := h.signInFirst(c, requestPath(c))
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "conversation not found")
	}
	conv, err := models.ConversationByID(ctx, h.db, v.Actor.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "conversation not found")
	}
	if err != nil {
		return err
	}
	_, replies, err := models.Thread(ctx, h.db, conv.RootID)
	if err != nil {
		return err
	}
	here := "/messages/" + strconv.FormatInt(conv.ID, 10)
	posts, err := h.memberPosts(c, v, append([]int64{conv.RootID}, replies...), here)
	if err != nil {
		return err
	}
	d := conversationData{}
	if d.With, err = h.participantNames(c, conv); err != nil {
		return err
	}
	var last int64
	for _, p := range posts {
		if p.member.Private { // the thread's public posts belong to their own pages
			d.Posts = append(d.Posts, p)
			last = p.ID
		}
	}
	if last != 0 {
		if d.Reply, err = h.privateReplyForm(c, v, last, here); err != nil {
			return err
		}
	}
	if err := models.ReadConversation(ctx, h.db, v.Actor.ID, conv.ID); err != nil {
		return err
	}
	return h.memberPage(c, http.StatusOK, "conversation", i18n.Format("messages.with", d.With), "", d)
}

// NewMessagePage is the form of a private message (GET /messages/new): to
// the handle in ?to= (a group's page links each moderator), or answering
// the post in ?reply_to= privately, its author and the people it mentions
// already named.
func (h *Handler) NewMessagePage(c echo.Context) error {
	v, err := h.signInFirst(c, requestPath(c))
	if v == nil {
		return err
	}
	f := composeForm{ID: "message", CSRF: csrfToken(c), Action: "/posts", Label: i18n.Text("messages.label"),
		Submit: i18n.Text("messages.send"), Next: "/messages", Private: true, Errors: map[string]string{}}
	if to := strings.TrimSpace(c.QueryParam("to")); to != "" {
		if _, _, err := parseHandle(to); err == nil {
			f.Text = "@" + strings.TrimPrefix(to, "@") + " "
		}
	}
	var parent *models.Post
	if s := c.QueryParam("reply_to"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "post not found")
		}
		if f, err = h.privateReplyForm(c, v, id, "/messages"); err != nil {
			return err
		}
		if parent, err = h.visiblePost(c.Request().Context(), v, id); err != nil {
			return err
		}
	}
	return h.composeAgainWith(c, http.StatusOK, f, parent)
}

// privateReplyForm is the form that answers a post privately: its author
// and the people it mentions are named, the viewer aside.
func (h *Handler) privateReplyForm(c echo.Context, v *models.Account, parentID int64, next string) (composeForm, error) {
	f := composeForm{ID: "message", CSRF: csrfToken(c), Action: "/posts", Label: i18n.Text("messages.label"),
		Submit: i18n.Text("messages.send"), Next: next, Private: true, InReplyTo: parentID, Errors: map[string]string{}}
	parent, err := h.visiblePost(c.Request().Context(), v, parentID)
	if err != nil {
		return f, err
	}
	names := []string{}
	if parent.AuthorID != v.Actor.ID && parent.Author != nil {
		names = append(names, h.linkActor(parent.Author).Handle)
	}
	me := h.urls.Actor(v.Actor)
	for _, t := range parent.Tags {
		if t.Type == "Mention" && t.Href != me && t.Name != "" && !slices.Contains(names, t.Name) {
			names = append(names, t.Name)
		}
	}
	if len(names) > 0 {
		f.Text = strings.Join(names, " ") + " "
	}
	return f, nil
}

// participantNames names the others in a conversation.
func (h *Handler) participantNames(c echo.Context, conv *models.Conversation) (string, error) {
	actors, err := models.ActorsByID(c.Request().Context(), h.db, conv.ParticipantIDs)
	if err != nil {
		return "", err
	}
	var names []string
	for _, id := range conv.ParticipantIDs {
		if a, ok := actors[id]; ok {
			names = append(names, h.linkActor(a).Name)
		}
	}
	if len(names) == 0 {
		return i18n.Text("messages.yourself"), nil
	}
	return strings.Join(names, ", "), nil
}
