package app

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// notificationExcerptRunes is how much of a post a notification quotes.
const notificationExcerptRunes = 140

// notificationsData is the notifications page.
type notificationsData struct {
	Waiting []waitingView // requests that wait for the person's answer
	Items   []notificationView
	Older   string
}

// waitingView links to requests waiting for the person: her own follow
// requests, or a group's join requests. They show whether or not a
// notification came (none comes from a stranger on a silenced server).
type waitingView struct {
	Text string
	URL  string
}

// notificationView is one notification as a sentence ("Sam liked your
// post"), with the post it is about and what to do about it.
type notificationView struct {
	Sentence     template.HTML // built from escaped names and our strings
	PostText     string
	PostURL      string
	ActionURL    string
	ActionLabel  string
	Created      time.Time
	CreatedISO   string
	Notification string // its type, for styling
}

// NotificationsPage lists the person's notifications, newest first, paged
// by ?max_id=.
func (h *Handler) NotificationsPage(c echo.Context) error {
	v, err := h.signInFirst(c, requestPath(c))
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	maxID, _ := strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	list, err := models.Notifications(ctx, h.db, v.Actor.ID, nil, models.Page{MaxID: maxID, Limit: notificationsPerPage})
	if err != nil {
		return err
	}
	var actorIDs, postIDs []int64
	for _, n := range list {
		actorIDs = append(actorIDs, n.FromID)
		if n.GroupID != nil {
			actorIDs = append(actorIDs, *n.GroupID)
		}
		if n.PostID != nil {
			postIDs = append(postIDs, *n.PostID)
		}
	}
	actors, err := models.ActorsByID(ctx, h.db, actorIDs)
	if err != nil {
		return err
	}
	posts, err := models.Posts(ctx, h.db, postIDs, v.Actor.ID)
	if err != nil {
		return err
	}
	var parentIDs []int64 // of mentions: a reply to the person's own post says so
	for _, p := range posts {
		if p.InReplyToID != nil {
			parentIDs = append(parentIDs, *p.InReplyToID)
		}
	}
	parents, err := models.Posts(ctx, h.db, parentIDs, v.Actor.ID)
	if err != nil {
		return err
	}
	d := notificationsData{}
	if d.Waiting, err = h.waiting(ctx, v.Actor); err != nil {
		return err
	}
	if len(list) == notificationsPerPage {
		d.Older = "/notifications?max_id=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	filters, err := h.filtersIn(ctx, v.Actor.ID, models.FilterNotifications)
	if err != nil {
		return err
	}
	for _, n := range list {
		from := actors[n.FromID]
		if from == nil {
			continue
		}
		var post *models.Post
		if n.PostID != nil {
			if p := posts[*n.PostID]; p != nil && p.DeletedAt == nil {
				post = p
			}
		}
		item := notificationView{Created: n.CreatedAt, CreatedISO: n.CreatedAt.UTC().Format(time.RFC3339), Notification: n.Type}
		who := linkHTML(h.linkActor(from))
		switch n.Type {
		case models.NotifyFavourite:
			item.Sentence = sentence("notify.favourite", who)
		case models.NotifyReblog:
			item.Sentence = sentence("notify.reblog", who)
		case models.NotifyMention:
			item.Sentence = sentence("notify.mention", who)
			if post != nil && post.InReplyToID != nil {
				if parent := parents[*post.InReplyToID]; parent != nil && models.WriterOf(parent) == v.Actor.ID {
					item.Sentence = sentence("notify.reply", who)
				}
			}
		case models.NotifyFollow:
			item.Sentence = sentence("notify.follow", who)
		case models.NotifyFollowRequest:
			item.Sentence = sentence("notify.follow_request", who)
			item.ActionURL, item.ActionLabel = "/follow_requests", i18n.Text("notify.follow_request.review")
			if n.GroupID != nil {
				if g := actors[*n.GroupID]; g != nil {
					item.Sentence = sentence("notify.join_request", who, linkHTML(h.linkActor(g)))
					if g.IsLocal() {
						item.ActionURL, item.ActionLabel = "/groups/"+g.Username+"/manage", i18n.Text("notify.join_request.review")
					} else {
						item.ActionURL, item.ActionLabel = remoteModerationPath(g), i18n.Text("notify.join_request.review")
					}
				}
			}
		case models.NotifyAdminReport:
			h.reportNotice(&item, n, who, actors)
		case models.NotifyEventUpdate, models.NotifyEventReminder:
			item.Sentence = sentence("notification." + n.Type)
			if n.PostID != nil {
				item.ActionURL, item.ActionLabel = "/events/"+strconv.FormatInt(*n.PostID, 10), i18n.Text("meetups.open")
			}
		case models.NotifyHelpUpdate, models.NotifyHelpThanks, models.NotifyHelpReminder, models.NotifyHelpReleased:
			item.Sentence = sentence("notification." + n.Type)
			if n.HelpCalendarID != nil {
				item.ActionURL, item.ActionLabel = "/help/"+strconv.FormatInt(*n.HelpCalendarID, 10), i18n.Text("help.open_calendar")
			}
		case models.NotifyPoll:
			item.Sentence = sentence("notify.poll", who)
			if n.FromID == v.Actor.ID {
				item.Sentence = sentence("notify.poll_own")
			}
		default:
			item.Sentence = sentence("notify.other", who)
		}
		hide, warn := false, []models.FilterMatch(nil)
		if post != nil {
			hide, warn = filters.Judge(postText(post))
		}
		if hide {
			continue
		}
		if post != nil {
			item.PostURL = "/posts/" + strconv.FormatInt(post.ID, 10)
			if len(warn) > 0 { // the viewer's filter stands for the post
				item.PostText = i18n.Format("filters.filtered", warn[0].Filter.Title)
			} else if post.Summary != "" { // the content warning stands for the post
				item.PostText = i18n.Format("post.cw", content.CutRunes(post.Summary, maxLabelRunes))
			} else {
				item.PostText = excerpt(content.PlainText(h.sanitizer.Sanitize(post.Content)), notificationExcerptRunes)
			}
		}
		d.Items = append(d.Items, item)
	}
	return h.memberPage(c, http.StatusOK, "member_notifications", i18n.Text("notify.title"), "", d)
}

// linkHTML links an actor's page under their name, escaped.
func linkHTML(l actorLink) template.HTML {
	return template.HTML(`<a href="` + template.HTMLEscapeString(l.URL) + `">` + template.HTMLEscapeString(l.Name) + `</a>`)
}

// sentence fills the %s of the string key with HTML (names and links
// escaped by linkHTML); the string itself is escaped.
func sentence(key string, args ...template.HTML) template.HTML {
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a
	}
	return template.HTML(fmt.Sprintf(template.HTMLEscapeString(i18n.Text(key)), values...))
}

// waiting lists what waits for the person's answer: follow requests to
// her, then join requests to each local group she moderates.
func (h *Handler) waiting(ctx context.Context, me *models.Actor) ([]waitingView, error) {
	counts, err := models.PendingCounts(ctx, h.db, me.ID)
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	var out []waitingView
	if n := counts[me.ID]; n > 0 {
		out = append(out, waitingView{Text: fmt.Sprintf(i18n.Text("notify.waiting.you"), n), URL: "/follow_requests"})
	}
	var groupIDs []int64
	for id := range counts {
		if id != me.ID {
			groupIDs = append(groupIDs, id)
		}
	}
	groups, err := models.ActorsByID(ctx, h.db, groupIDs)
	if err != nil {
		return nil, err
	}
	var local []*models.Actor
	for _, g := range groups {
		if g.IsLocal() && g.Type == models.ActorGroup {
			local = append(local, g)
		}
	}
	sort.Slice(local, func(i, j int) bool { return local[i].Username < local[j].Username })
	for _, g := range local {
		title := g.DisplayName
		if title == "" {
			title = g.Username
		}
		out = append(out, waitingView{Text: fmt.Sprintf(i18n.Text("notify.waiting.group"), title, counts[g.ID]),
			URL: "/groups/" + g.Username + "/manage#requests"})
	}
	return out, nil
}
