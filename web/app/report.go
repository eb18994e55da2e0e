package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/reporting"
)

// The report form of the web app: GET /report?post=ID (a post and its
// author) or ?actor=URI (a person), POST /report files it for the
// moderators who can act (the group's, when the post is in a local
// group; the instance's otherwise), and /report/sent thanks the member.

// reportFormData is the report form, with what was typed and what was wrong.
type reportFormData struct {
	Target     actorLink
	Remote     bool   // the target lives on another server: offer to tell it
	Server     string // that server
	Post       *postView
	PostID     int64
	ActorURI   string
	Comment    string
	Category   string
	Categories []reportCategory
	Forward    bool
	Goes       string // who will read it
	Errors     map[string]string
	Error      string // what stops the whole form (the hourly limit)
	Back       string
}

// reportCategory is one choice of the category select.
type reportCategory struct {
	Value    string
	Label    string
	Selected bool
}

// reportFormTarget reads what the form is about from its query or fields:
// a post the member may see (and its author), or an actor by URI.
func (h *Handler) reportFormTarget(c echo.Context, v *models.Account) (*models.Actor, *models.Post, error) {
	ctx := c.Request().Context()
	if s := strings.TrimSpace(c.FormValue("post")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, nil, echo.NewHTTPError(http.StatusNotFound, "post not found")
		}
		p, err := h.visiblePost(ctx, v, id)
		if err != nil {
			return nil, nil, err
		}
		return p.Author, p, nil
	}
	a, err := h.actorByURIHere(ctx, strings.TrimSpace(c.FormValue("actor")))
	if err != nil {
		return nil, nil, err
	}
	return a, nil, nil
}

// actorByURIHere finds a person known here by their id: 404 when unknown.
func (h *Handler) actorByURIHere(ctx context.Context, uri string) (*models.Actor, error) {
	var a *models.Actor
	var err error
	if l, ok := h.urls.ParseLocalActor(uri); ok && !l.Instance {
		a, err = models.LocalActorByRef(ctx, h.db, false, l.Group, l.Username)
	} else if uri != "" && !h.urls.IsLocal(uri) {
		a, err = models.RemoteActorByURI(ctx, h.db, uri)
	} else {
		err = models.ErrNotFound
	}
	if errors.Is(err, models.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "account not found")
	}
	return a, err
}

// reportForm fills the form's fixed parts: who, which post, where it goes.
func (h *Handler) reportForm(ctx context.Context, target *models.Actor, post *models.Post) (reportFormData, error) {
	d := reportFormData{Target: h.linkActor(target), Remote: !target.IsLocal(), Server: target.Domain,
		ActorURI: h.urls.Actor(target), Forward: true, Category: models.ReportOther, Errors: map[string]string{},
		Back: h.linkActor(target).URL}
	var posts []*models.Post
	if post != nil {
		d.PostID, d.Back = post.ID, memberPostPath(post.ID)
		posts = append(posts, post)
		views, err := h.newPostViews(ctx, posts)
		if err != nil {
			return d, err
		}
		pv := views.view(post, true)
		d.Post = &pv
	}
	if post != nil && post.GroupID != nil && !d.Remote {
		// A post in a remote group: its server can be told too.
		g, err := models.ActorByID(ctx, h.db, *post.GroupID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return d, err
		}
		if g != nil && !g.IsLocal() && g.Type == models.ActorGroup {
			d.Remote, d.Server = true, g.Domain
		}
	}
	group, err := h.reports.Group(ctx, posts)
	if err != nil {
		return d, err
	}
	d.Goes = i18n.Text("report.goes.instance")
	if group != nil {
		g, err := models.ActorByID(ctx, h.db, *group)
		if err != nil {
			return d, err
		}
		d.Goes = i18n.Format("report.goes.group", h.linkActor(g).Name)
	}
	return d, nil
}

func (d *reportFormData) fillCategories() {
	d.Categories = nil
	for _, c := range models.ReportCategories {
		d.Categories = append(d.Categories, reportCategory{Value: c, Label: i18n.Text("report.category." + c), Selected: c == d.Category})
	}
}

// ReportPage shows the report form (GET /report).
func (h *Handler) ReportPage(c echo.Context) error {
	v, err := h.signInFirst(c, requestPath(c))
	if v == nil {
		return err
	}
	target, post, err := h.reportFormTarget(c, v)
	if err != nil {
		return err
	}
	d, err := h.reportForm(c.Request().Context(), target, post)
	if err != nil {
		return err
	}
	d.fillCategories()
	return h.memberPage(c, http.StatusOK, "report", i18n.Text("report.title"), "", d)
}

// SendReport files the form's report (POST /report): 422 with the form
// again when something is wrong, 429 past the hourly limit.
func (h *Handler) SendReport(c echo.Context) error {
	v, err := h.signInFirst(c, "/home")
	if v == nil {
		return err
	}
	ctx, r := c.Request().Context(), c.Request()
	target, post, err := h.reportFormTarget(c, v)
	if err != nil {
		return err
	}
	d, err := h.reportForm(ctx, target, post)
	if err != nil {
		return err
	}
	d.Comment, d.Category = r.PostFormValue("comment"), strings.TrimSpace(r.PostFormValue("category"))
	d.Forward = r.PostFormValue("forward") == "on"
	req := reporting.Request{Target: target, Comment: d.Comment, Category: d.Category, Forward: d.Forward}
	if post != nil {
		req.Posts = []*models.Post{post}
	}
	report, err := h.reports.File(ctx, v, req)
	var problem *reporting.Problem
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &problem):
		if problem.Field == "comment" || problem.Field == "category" {
			d.Errors[problem.Field] = problem.Message
		} else {
			d.Error = problem.Message
		}
	case errors.Is(err, models.ErrTooManyReports):
		status, d.Error = http.StatusTooManyRequests, i18n.Text("report.error.limit")
	case err != nil:
		return err
	default:
		next := "/report/sent"
		if report.GroupID != nil {
			if g, err := models.ActorByID(ctx, h.db, *report.GroupID); err == nil {
				next += "?group=" + url.QueryEscape(g.Username)
			}
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	d.fillCategories()
	return h.memberPage(c, status, "report", i18n.Text("report.title"), "", d)
}

// reportSentData is the thank-you page after a report.
type reportSentData struct {
	Who string
}

// ReportSentPage thanks the member and says who will read the report.
func (h *Handler) ReportSentPage(c echo.Context) error {
	v, err := h.signInFirst(c, "/home")
	if v == nil {
		return err
	}
	d := reportSentData{Who: i18n.Text("report.goes.instance")}
	if name := c.QueryParam("group"); name != "" {
		if g, err := models.GroupByName(c.Request().Context(), h.db, name); err == nil {
			d.Who = i18n.Format("report.goes.group", g.Title)
		} else if !errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("web: report sent: %w", err)
		}
	}
	return h.memberPage(c, http.StatusOK, "report_sent", i18n.Text("report.sent.title"), "", d)
}
