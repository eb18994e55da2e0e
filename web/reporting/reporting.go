// Package reporting files the reports members send, from the web app or the
// client API: both check the same things and file through one Filer, in one
// transaction, for the moderators of the group the posts are in or else for
// the instance's.
package reporting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/access"
	"github.com/village-social/village/web/i18n"
)

// Filer files reports: what it needs of the rest of Village.
type Filer struct {
	db       *pgxpool.Pool
	outbox   *outbox.Outbox
	resolver *federation.Resolver // asks what other servers run; nil: not asked
	logger   *slog.Logger
	urls     federation.URLs
}

// New returns a Filer.
func New(db *pgxpool.Pool, urls federation.URLs, out *outbox.Outbox, resolver *federation.Resolver, logger *slog.Logger) *Filer {
	return &Filer{db: db, urls: urls, outbox: out, resolver: resolver, logger: logger}
}

// Request is a member's report before it is checked.
type Request struct {
	Target   *models.Actor
	Posts    []*models.Post
	Comment  string
	Category string
	Forward  bool // also tell the target's server, when it is remote
}

// Problem is why a report cannot be filed, in words for the person;
// Field names the form field it is about.
type Problem struct {
	Field   string
	Message string
}

func (p *Problem) Error() string { return p.Message }

// checkReport refuses what no report may be: about oneself or the server,
// with posts of someone else, an unknown category, too long a comment.
func checkReport(v *models.Account, r *Request) error {
	r.Comment = strings.TrimSpace(r.Comment)
	if r.Category == "" {
		r.Category = models.ReportOther
	}
	switch {
	case r.Target == nil:
		return &Problem{"account", i18n.Text("report.error.target")}
	case r.Target.ID == v.Actor.ID:
		return &Problem{"account", i18n.Text("report.error.self")}
	case r.Target.IsSystemActor():
		return &Problem{"account", i18n.Text("report.error.target")}
	case utf8.RuneCountInString(r.Comment) > models.MaxReportComment:
		return &Problem{"comment", i18n.Format("report.error.comment", models.MaxReportComment)}
	case !slices.Contains(models.ReportCategories, r.Category):
		return &Problem{"category", i18n.Text("report.error.category")}
	case len(r.Posts) > models.MaxReportPosts:
		return &Problem{"status_ids", i18n.Format("report.error.posts", models.MaxReportPosts)}
	}
	for _, p := range r.Posts {
		if p.AuthorID != r.Target.ID {
			return &Problem{"status_ids", i18n.Text("report.error.not_theirs")}
		}
	}
	return nil
}

// File checks and files a member's report: for the moderators of
// the local group its first post is in, else for the instance's. The
// reporter's hourly limit is counted in the same transaction
// (models.ErrTooManyReports).
func (h *Filer) File(ctx context.Context, v *models.Account, r Request) (*models.Report, error) {
	if err := checkReport(v, &r); err != nil {
		return nil, err
	}
	if h.outbox == nil {
		return nil, errors.New("reporting: reports need the outbox")
	}
	groupID, err := h.Group(ctx, r.Posts)
	if err != nil {
		return nil, err
	}
	report := &models.Report{ReporterID: &v.Actor.ID, TargetID: r.Target.ID, GroupID: groupID,
		Comment: r.Comment, Category: r.Category}
	for _, p := range r.Posts {
		report.PostIDs = append(report.PostIDs, p.ID)
	}
	h.learnReportServers(ctx, r, groupID)
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		_, err := h.outbox.FileReport(ctx, tx, outbox.ReportFiling{Report: report, Target: r.Target, Posts: r.Posts,
			PerHour: models.LocalReportsPerHour, Forward: r.Forward, Reporter: v.Actor})
		return err
	})
	if err != nil {
		return nil, err
	}
	h.logger.InfoContext(ctx, "report filed", "report", report.ID, "reporter", v.Actor.Username, "group", groupID != nil,
		"forwarded", report.Forwarded)
	return report, nil
}

// learnReportServers asks, before the report's transaction, what the
// servers it may go to run (NodeInfo, stored for outbox.FileReport): Lemmy
// files only its own shape of Flag. Whatever cannot be learned now leaves
// that server the usual Flag.
func (h *Filer) learnReportServers(ctx context.Context, r Request, groupID *int64) {
	if h.resolver == nil {
		return
	}
	var actors []*models.Actor
	if r.Forward {
		actors = append(actors, r.Target)
		for _, p := range r.Posts {
			if p.GroupID == nil {
				continue
			}
			if g, err := models.ActorByID(ctx, h.db, *p.GroupID); err == nil {
				actors = append(actors, g)
			}
		}
	}
	if groupID != nil {
		mods, err := models.Moderators(ctx, h.db, *groupID)
		if err != nil {
			h.logger.WarnContext(ctx, "report: moderators", "error", err)
		}
		actors = append(actors, mods...)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	asked := map[string]bool{}
	for _, a := range actors {
		if a.IsLocal() || asked[a.Domain] {
			continue
		}
		asked[a.Domain] = true
		if _, err := h.resolver.InstanceSoftware(ctx, a.Domain); err != nil {
			h.logger.WarnContext(ctx, "report: server software", "host", a.Domain, "error", err)
		}
	}
}

// Group is the local group whose moderators a report of these posts
// goes to, or nil (the instance's moderators).
func (h *Filer) Group(ctx context.Context, posts []*models.Post) (*int64, error) {
	for _, p := range posts {
		if p.GroupID == nil {
			continue
		}
		g, err := models.ActorByID(ctx, h.db, *p.GroupID)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reporting: report group: %w", err)
		}
		if g.IsLocal() && g.Type == models.ActorGroup {
			return &g.ID, nil
		}
	}
	return nil, nil
}

// ReportablePosts loads the posts of ids that the member may see, in the
// order given; any other id is a problem (whether it exists does not show).
func (h *Filer) ReportablePosts(ctx context.Context, v *models.Account, ids []int64) ([]*models.Post, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > models.MaxReportPosts {
		return nil, &Problem{"status_ids", i18n.Format("report.error.posts", models.MaxReportPosts)}
	}
	posts, visible, err := access.Seen(ctx, h.db, h.urls, v, ids)
	if err != nil {
		return nil, err
	}
	for _, ok := range visible {
		if !ok {
			return nil, &Problem{"status_ids", i18n.Text("report.error.post")}
		}
	}
	return posts, nil
}
