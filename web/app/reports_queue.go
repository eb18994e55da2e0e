package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// The moderation queues: a group's reports (/groups/:name/reports) for
// its moderators and the instance's admins, and the instance's reports
// (/admin/reports) for its admins and moderators. Anyone else gets 404:
// the queue's existence says nothing to them. Resolve and dismiss are
// forms (with the CSRF token), each logged in the audit log.

const reportsShown = 50 // open reports one queue page lists

// reportQueue is the queue a request is about.
type reportQueue struct {
	Group *models.Group // nil: the instance's queue
	Path  string
	Title string
}

func (q *reportQueue) groupID() *int64 {
	if q.Group == nil {
		return nil
	}
	return &q.Group.Actor.ID
}

// reportPostView is a reported post as the queue shows it, with a link to it.
type reportPostView struct {
	Post postView
	Link string
}

// reportView is one report in a queue.
type reportView struct {
	ID         int64
	Reporter   *actorLink // a local reporter
	From       string     // a remote report's server
	Target     actorLink
	Remote     bool // the reported person lives on another server
	Posts      []reportPostView
	Missing    int // reported posts that are gone now
	Comment    []string
	Category   string
	Forwarded  bool
	Created    time.Time
	CreatedISO string
	ResolveURL string
	DismissURL string
	// SuspendURI is the reported remote account's id, offered for
	// suspension on the instance's queue (its moderators may suspend).
	SuspendURI string
}

// reportsData is a queue page.
type reportsData struct {
	Queue   reportQueue
	Group   *groupRef // the group's pages, for a group's queue
	Notice  string
	Reports []reportView
	Total   int
	More    int
}

var reportNotices = map[string]string{
	models.ReportResolved:  "reports.done.resolved",
	models.ReportDismissed: "reports.done.dismissed",
	"gone":                 "reports.done.gone",
}

// openReportQueue finds the queue of the request for a viewer who may work
// it. With a nil queue the request was answered (the log-in form) or err
// says why not (404).
func (h *Handler) openReportQueue(c echo.Context) (*models.Account, *reportQueue, error) {
	ctx := c.Request().Context()
	name := c.Param("name")
	q := &reportQueue{Path: "/admin/reports", Title: i18n.Text("reports.instance")}
	if name != "" {
		q.Path = "/groups/" + name + "/reports"
	}
	v, err := h.requireViewer(c, q.Path)
	if v == nil {
		return nil, nil, err
	}
	notFound := echo.NewHTTPError(http.StatusNotFound, "page not found")
	if name == "" {
		if !v.ModeratesInstance() {
			return nil, nil, notFound
		}
		return v, q, nil
	}
	g, err := models.GroupByName(ctx, h.db, name)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	if !v.IsAdmin {
		mod, err := models.IsModerator(ctx, h.db, g.Actor.ID, v.Actor.ID)
		if err != nil {
			return nil, nil, err
		}
		if !mod {
			return nil, nil, notFound
		}
	}
	q.Group, q.Title = g, i18n.Format("reports.group", g.Title)
	return v, q, nil
}

// ReportsPage lists a queue's open reports, oldest first.
func (h *Handler) ReportsPage(c echo.Context) error {
	v, q, err := h.openReportQueue(c)
	if q == nil {
		return err
	}
	ctx := c.Request().Context()
	list, total, err := models.Reports(ctx, h.db, models.ReportFilter{GroupID: q.groupID(), State: models.ReportOpen, Limit: reportsShown})
	if err != nil {
		return err
	}
	d := reportsData{Queue: *q, Total: total, More: max(0, total-len(list))}
	if q.Group != nil {
		ref := groupRefOf(q.Group)
		d.Group = &ref
	}
	if k, ok := reportNotices[c.QueryParam("done")]; ok {
		d.Notice = i18n.Text(k)
	}
	if d.Reports, err = h.reportViews(ctx, v, q, list); err != nil {
		return err
	}
	return h.page(c, http.StatusOK, "reports", q.Title, d)
}

// reportViews shows reports: who sent them (a remote one by its server
// only), whom and what they are about, the posts rendered as pages render
// posts (remote HTML sanitized again), the comment as plain text.
func (h *Handler) reportViews(ctx context.Context, v *models.Account, q *reportQueue, list []*models.Report) ([]reportView, error) {
	var actorIDs, postIDs []int64
	for _, r := range list {
		actorIDs = append(actorIDs, r.TargetID)
		if r.ReporterID != nil {
			actorIDs = append(actorIDs, *r.ReporterID)
		}
		postIDs = append(postIDs, r.PostIDs...)
	}
	actors, err := models.ActorsByID(ctx, h.db, actorIDs)
	if err != nil {
		return nil, fmt.Errorf("web: reports: %w", err)
	}
	posts, err := models.Posts(ctx, h.db, postIDs, v.Actor.ID)
	if err != nil {
		return nil, fmt.Errorf("web: reports: %w", err)
	}
	var live []*models.Post
	for _, p := range posts {
		if p.DeletedAt == nil {
			live = append(live, p)
		}
	}
	views, err := h.newPostViews(ctx, live)
	if err != nil {
		return nil, err
	}
	if q.Group != nil {
		views.inGroup = q.Group.Actor.ID
	}
	var out []reportView
	for _, r := range list {
		target := actors[r.TargetID]
		if target == nil {
			continue
		}
		id := strconv.FormatInt(r.ID, 10)
		rv := reportView{ID: r.ID, Target: h.linkActor(target), Remote: !target.IsLocal(),
			Comment: paragraphs(content.CutRunes(r.Comment, models.MaxReportComment)), Category: i18n.Text("report.category." + r.Category),
			Forwarded: r.Forwarded, Created: r.CreatedAt, CreatedISO: r.CreatedAt.UTC().Format(time.RFC3339),
			ResolveURL: q.Path + "/" + id + "/resolve", DismissURL: q.Path + "/" + id + "/dismiss"}
		if q.Group == nil && !target.IsLocal() && target.Type != models.ActorGroup {
			rv.SuspendURI = target.URI
		}
		if r.ReporterID != nil {
			if reporter := actors[*r.ReporterID]; reporter != nil && reporter.IsLocal() && !r.Remote() {
				l := h.linkActor(reporter)
				rv.Reporter = &l
			} else if reporter != nil {
				rv.From = reporter.Domain
			}
		}
		for _, pid := range r.PostIDs {
			p := posts[pid]
			if p == nil || p.DeletedAt != nil {
				rv.Missing++
				continue
			}
			rv.Posts = append(rv.Posts, reportPostView{Post: views.view(p, false), Link: memberPostPath(p.ID)})
		}
		out = append(out, rv)
	}
	return out, nil
}

// ResolveReport answers POST …/reports/:id/resolve.
func (h *Handler) ResolveReport(c echo.Context) error {
	return h.decideReport(c, models.ReportResolved, models.ModResolveReport)
}

// DismissReport answers POST …/reports/:id/dismiss.
func (h *Handler) DismissReport(c echo.Context) error {
	return h.decideReport(c, models.ReportDismissed, models.ModDismissReport)
}

// decideReport closes an open report of the queue and logs it, in one
// transaction; a report decided meanwhile says so.
func (h *Handler) decideReport(c echo.Context, state, action string) error {
	v, q, err := h.openReportQueue(c)
	if q == nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "report not found")
	}
	ctx := c.Request().Context()
	done := state
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		r, err := models.DecideReport(ctx, tx, id, q.groupID(), v.Actor.ID, state)
		if errors.Is(err, models.ErrNotFound) {
			done = "gone"
			return nil
		}
		if err != nil {
			return err
		}
		entry := models.ModerationAction{GroupID: q.groupID(), ModeratorID: &v.Actor.ID, Action: action,
			TargetActorID: &r.TargetID, TargetText: "report #" + strconv.FormatInt(r.ID, 10)}
		if len(r.PostIDs) > 0 {
			entry.TargetPostID = &r.PostIDs[0]
		}
		return models.LogModeration(ctx, tx, entry)
	})
	if err != nil {
		return fmt.Errorf("web: decide report: %w", err)
	}
	if done != "gone" {
		h.logger.InfoContext(ctx, "report "+state, "report", id, "moderator", v.Actor.Username, "group", q.Group != nil)
	}
	return c.Redirect(http.StatusSeeOther, q.Path+"?done="+done)
}

// reportNotice words a moderator's notification of a new report and
// links the queue it is in.
func (h *Handler) reportNotice(item *notificationView, n *models.Notification, who template.HTML, actors map[int64]*models.Actor) {
	item.Sentence = sentence("notify.report.instance", who)
	item.ActionURL, item.ActionLabel = "/admin/reports", i18n.Text("notify.report.review")
	if n.GroupID == nil {
		return
	}
	if g := actors[*n.GroupID]; g != nil && g.IsLocal() {
		item.Sentence = sentence("notify.report.group", who, linkHTML(h.linkActor(g)))
		item.ActionURL = "/groups/" + g.Username + "/reports"
	} else if g != nil {
		item.Sentence = sentence("notify.report.group", who, linkHTML(h.linkActor(g)))
		item.ActionURL = remoteModerationPath(g) // a group elsewhere that she moderates
	}
}
