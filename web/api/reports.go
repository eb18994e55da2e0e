package api

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/reporting"
)

// apiReport is Mastodon's Report entity.
type apiReport struct {
	ID            string      `json:"id"`
	ActionTaken   bool        `json:"action_taken"`
	ActionTakenAt *string     `json:"action_taken_at"`
	Category      string      `json:"category"`
	Comment       string      `json:"comment"`
	Forwarded     bool        `json:"forwarded"`
	CreatedAt     string      `json:"created_at"`
	StatusIDs     []string    `json:"status_ids"`
	RuleIDs       []string    `json:"rule_ids"`
	TargetAccount *apiAccount `json:"target_account"`
}

// reportParams is what POST /api/v1/reports takes, as a form or JSON.
type reportParams struct {
	AccountID string
	StatusIDs []string
	Comment   string
	Forward   any // a boolean, or "true" as forms send it
	Category  string
}

// reportJSON is the JSON form of the parameters: apps send ids as
// strings (Mastodon's) or as numbers.
type reportJSON struct {
	AccountID any    `json:"account_id"`
	StatusIDs []any  `json:"status_ids"`
	Comment   string `json:"comment"`
	Forward   any    `json:"forward"`
	Category  string `json:"category"`
}

// idText writes a JSON id (a string or a number) as text.
func idText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// readReportParams reads the parameters from JSON or a form (status_ids[]).
func readReportParams(c echo.Context) (reportParams, error) {
	var p reportParams
	req := c.Request()
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt == "application/json" {
		var j reportJSON
		if err := json.NewDecoder(req.Body).Decode(&j); err != nil {
			return p, echo.NewHTTPError(http.StatusBadRequest, "the report is not valid JSON")
		}
		p = reportParams{AccountID: idText(j.AccountID), Comment: j.Comment, Forward: j.Forward, Category: j.Category}
		for _, id := range j.StatusIDs {
			p.StatusIDs = append(p.StatusIDs, idText(id))
		}
		return p, nil
	}
	if err := req.ParseForm(); err != nil {
		return p, echo.NewHTTPError(http.StatusBadRequest, "could not read the report")
	}
	f := req.Form
	p.AccountID, p.Comment, p.Category = f.Get("account_id"), f.Get("comment"), f.Get("category")
	p.StatusIDs = append(f["status_ids[]"], f["status_ids"]...)
	p.Forward = f.Get("forward")
	return p, nil
}

// truthy reads a boolean parameter as Mastodon does.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "on", "yes":
			return true
		}
	}
	return false
}

// CreateReport answers POST /api/v1/reports: 200 with the Report, 422
// saying what is wrong, 429 past the hourly limit.
func (h *Handler) CreateReport(c echo.Context) error {
	ctx := c.Request().Context()
	v := currentAccount(c)
	p, err := readReportParams(c)
	if err != nil {
		return err
	}
	invalid := func(msg string) error {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+msg)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(p.AccountID), 10, 64)
	if err != nil || id <= 0 {
		return invalid(i18n.Text("report.error.target"))
	}
	target, err := models.ActorByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return invalid(i18n.Text("report.error.target"))
	}
	if err != nil {
		return err
	}
	var ids []int64
	for _, s := range p.StatusIDs {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n <= 0 {
			return invalid(i18n.Text("report.error.post"))
		}
		ids = append(ids, n)
	}
	req := reporting.Request{Target: target, Comment: p.Comment, Category: strings.TrimSpace(p.Category), Forward: truthy(p.Forward)}
	report, err := h.reportOrProblem(c, v, ids, req)
	var problem *reporting.Problem
	switch {
	case errors.As(err, &problem):
		return invalid(problem.Message)
	case errors.Is(err, models.ErrTooManyReports):
		return echo.NewHTTPError(http.StatusTooManyRequests, err.Error())
	case err != nil:
		return err
	}
	acc, err := h.account(ctx, target)
	if err != nil {
		return err
	}
	out := apiReport{ID: strconv.FormatInt(report.ID, 10), Category: report.Category, Comment: report.Comment,
		Forwarded: report.Forwarded, CreatedAt: report.CreatedAt.UTC().Format(apiTime), StatusIDs: []string{},
		RuleIDs: []string{}, TargetAccount: acc}
	for _, pid := range report.PostIDs {
		out.StatusIDs = append(out.StatusIDs, strconv.FormatInt(pid, 10))
	}
	return c.JSON(http.StatusOK, out)
}

// reportOrProblem loads the reported posts the member may see and files the report.
func (h *Handler) reportOrProblem(c echo.Context, v *models.Account, postIDs []int64, r reporting.Request) (*models.Report, error) {
	posts, err := h.reports.ReportablePosts(c.Request().Context(), v, postIDs)
	if err != nil {
		return nil, err
	}
	r.Posts = posts
	return h.reports.File(c.Request().Context(), v, r)
}
