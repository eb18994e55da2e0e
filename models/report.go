package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Report states.
const (
	ReportOpen      = "open"
	ReportResolved  = "resolved"
	ReportDismissed = "dismissed"
)

// Report categories, as Mastodon names them.
const (
	ReportSpam      = "spam"
	ReportLegal     = "legal"
	ReportViolation = "violation"
	ReportOther     = "other"
)

// ReportCategories are the categories a report may have, the default last.
var ReportCategories = []string{ReportSpam, ReportLegal, ReportViolation, ReportOther}

// NotifyAdminReport tells a moderator of a new report (Mastodon's type).
const NotifyAdminReport = "admin.report"

// Limits on reports.
const (
	MaxReportComment = 1000 // runes, as Mastodon allows
	MaxReportPosts   = 20   // posts one report may name
	// LocalReportsPerHour is how many reports one local person may file in
	// an hour: enough to report a bad afternoon, too few to flood moderators.
	LocalReportsPerHour = 10
	// RemoteReportsPerHour is the same for a remote reporter, usually a
	// whole server's instance actor speaking for all its people.
	RemoteReportsPerHour = 100
)

// ErrTooManyReports means the reporter filed their hourly share already.
var ErrTooManyReports = errors.New("too many reports in the last hour: please wait a little before sending another")

// Report is a complaint about an actor and some of their posts.
type Report struct {
	ID           int64
	ReporterID   *int64 // nil once the reporter's actor is gone
	TargetID     int64
	GroupID      *int64 // nil: for the instance's moderators
	PostIDs      []int64
	Comment      string
	Category     string
	FlagURI      string // the remote Flag's id; "" for a local report
	Forwarded    bool
	State        string
	ActionedByID *int64
	ActionedAt   *time.Time
	CreatedAt    time.Time
}

// Remote reports whether the report came in as a Flag from another server.
func (r *Report) Remote() bool { return r.FlagURI != "" }

// CreateReport stores a report and its posts, unless the reporter already
// filed perHour reports in the last hour (ErrTooManyReports). A Flag whose
// id is stored already is reported false and changes nothing. Call it in a
// transaction: the count and the insert hold a per-reporter lock until it
// ends, so that parallel reports cannot slip past the limit.
func CreateReport(ctx context.Context, db DB, r *Report, perHour int) (bool, error) {
	if r.Category == "" {
		r.Category = ReportOther
	}
	if r.ReporterID != nil {
		if _, err := db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('village.reports/' || $1::bigint, 0))`, *r.ReporterID); err != nil {
			return false, fmt.Errorf("models: create report: lock: %w", err)
		}
		var recent int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM reports WHERE reporter_id = $1 AND created_at > now() - interval '1 hour'`,
			*r.ReporterID).Scan(&recent); err != nil {
			return false, fmt.Errorf("models: create report: %w", err)
		}
		if recent >= perHour {
			return false, ErrTooManyReports
		}
	}
	err := db.QueryRow(ctx, `INSERT INTO reports (reporter_id, target_id, group_id, comment, category, flag_uri, forwarded)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7)
		ON CONFLICT (flag_uri) DO NOTHING RETURNING id, state, created_at`,
		r.ReporterID, r.TargetID, r.GroupID, r.Comment, r.Category, r.FlagURI, r.Forwarded).Scan(&r.ID, &r.State, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("models: create report: %w", err)
	}
	if len(r.PostIDs) > 0 {
		if _, err := db.Exec(ctx, `INSERT INTO report_posts (report_id, post_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
			r.ID, r.PostIDs); err != nil {
			return false, fmt.Errorf("models: create report: posts: %w", err)
		}
	}
	return true, nil
}

const reportColumns = `r.id, r.reporter_id, r.target_id, r.group_id,
	coalesce((SELECT array_agg(rp.post_id ORDER BY rp.post_id) FROM report_posts rp WHERE rp.report_id = r.id), '{}'),
	r.comment, r.category, coalesce(r.flag_uri, ''), r.forwarded, r.state, r.actioned_by_id, r.actioned_at, r.created_at`

func scanReport(row pgx.Row) (*Report, error) {
	var r Report
	err := row.Scan(&r.ID, &r.ReporterID, &r.TargetID, &r.GroupID, &r.PostIDs, &r.Comment, &r.Category, &r.FlagURI,
		&r.Forwarded, &r.State, &r.ActionedByID, &r.ActionedAt, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &r, err
}

// ReportByID loads a report.
func ReportByID(ctx context.Context, db DB, id int64) (*Report, error) {
	r, err := scanReport(db.QueryRow(ctx, `SELECT `+reportColumns+` FROM reports r WHERE r.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: report by id: %w", err)
	}
	return r, err
}

// ReportFilter chooses reports: of a group (GroupID) or of the instance
// (nil), in a state (any when empty).
type ReportFilter struct {
	GroupID *int64
	State   string
	Limit   int // 50 when 0
}

// Reports lists a queue's reports, oldest first (the order to work them
// in), with how many match in all.
func Reports(ctx context.Context, db DB, f ReportFilter) ([]*Report, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	where := `r.group_id IS NOT DISTINCT FROM $1 AND ($2 = '' OR r.state = $2)`
	var total int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM reports r WHERE `+where, f.GroupID, f.State).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("models: reports: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT `+reportColumns+` FROM reports r WHERE `+where+` ORDER BY r.id LIMIT $3`,
		f.GroupID, f.State, f.Limit)
	if err != nil {
		return nil, 0, fmt.Errorf("models: reports: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("models: reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("models: reports: %w", err)
	}
	return out, total, nil
}

// CountOpenReports counts a queue's open reports (groupID nil: the instance's).
func CountOpenReports(ctx context.Context, db DB, groupID *int64) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM reports WHERE group_id IS NOT DISTINCT FROM $1 AND state = 'open'`,
		groupID).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count reports: %w", err)
	}
	return n, nil
}

// DecideReport closes an open report of a queue (groupID nil: the
// instance's) as resolved or dismissed by a moderator. ErrNotFound means
// there is no such open report there (another moderator was quicker).
func DecideReport(ctx context.Context, db DB, id int64, groupID *int64, moderatorID int64, state string) (*Report, error) {
	if state != ReportResolved && state != ReportDismissed {
		return nil, fmt.Errorf("models: decide report: state %q", state)
	}
	var got int64
	err := db.QueryRow(ctx, `UPDATE reports SET state = $4, actioned_by_id = $3, actioned_at = now()
		WHERE id = $1 AND group_id IS NOT DISTINCT FROM $2 AND state = 'open' RETURNING id`,
		id, groupID, moderatorID, state).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: decide report: %w", err)
	}
	return ReportByID(ctx, db, got)
}

// InstanceModerators are the actors of the local accounts that handle the
// instance's reports: admins and moderators.
func InstanceModerators(ctx context.Context, db DB) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT actor_id FROM accounts WHERE (is_admin OR is_moderator) AND suspended_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("models: instance moderators: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("models: instance moderators: %w", err)
	}
	return ids, nil
}

// NotifyOfReport tells the local moderators of the report's queue.
func NotifyOfReport(ctx context.Context, db DB, r *Report) error {
	if r.ReporterID == nil {
		return nil
	}
	var post *int64
	if len(r.PostIDs) > 0 {
		post = &r.PostIDs[0]
	}
	var recipients []int64
	if r.GroupID != nil {
		mods, err := Moderators(ctx, db, *r.GroupID)
		if err != nil {
			return err
		}
		for _, m := range mods {
			recipients = append(recipients, m.ID)
		}
	} else {
		var err error
		if recipients, err = InstanceModerators(ctx, db); err != nil {
			return err
		}
	}
	for _, id := range recipients {
		if err := Notify(ctx, db, id, NotifyAdminReport, *r.ReporterID, post, r.GroupID); err != nil {
			return err
		}
	}
	return nil
}
