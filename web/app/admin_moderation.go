package app

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// The instance moderators' page, /admin/moderation: suspending local
// people, blocking domains, and the instance's moderation log. Admins and
// instance moderators see it; the instance's settings stay the admins'.

const moderationLogShown = 50

// moderationData is the instance moderation page.
type moderationData struct {
	Users        []moderationUser
	DomainBlocks []domainBlockView
	Log          []moderationLogRow
	Domain       string // what was typed, shown again with an error
	Severity     string
	Reason       string
	Error        string
	Notice       string
	// Accounts of other servers suspended here, and the form's input.
	Remote       []remoteSuspensionView
	RemoteHandle string
	RemoteReason string
	RemoteError  string
}

type remoteSuspensionView struct {
	Person     actorLink
	Reason     string
	Created    time.Time
	CreatedISO string
	LiftURL    string
}

type moderationUser struct {
	Name, Handle, URL string
	Username          string // for the form's field ids
	Role              string // admin, moderator or user, as words
	Suspended         bool
	ActionURL         string // suspend or unsuspend
	Self              bool   // nobody suspends themselves here
}

type domainBlockView struct {
	Domain, Severity, Reason string
	Created                  time.Time
	CreatedISO               string
	UnblockURL               string
}

type moderationLogRow struct {
	Action, Target, Reason, By string
	Created                    time.Time
	CreatedISO                 string
}

var instanceModerationNotices = map[string]string{
	"suspended":          "moderation.done.suspended",
	"unsuspended":        "moderation.done.unsuspended",
	"blocked":            "moderation.done.blocked",
	"unblocked":          "moderation.done.unblocked",
	"suspended_remote":   "moderation.done.suspended_remote",
	"unsuspended_remote": "moderation.done.unsuspended_remote",
}

// requireInstanceModerator lets admins and instance moderators through:
// signed-out visitors get the log-in form, others a 403 page.
func (h *Handler) requireInstanceModerator(c echo.Context) (*models.Account, error) {
	return h.requireRole(c, "/admin/moderation", (*models.Account).ModeratesInstance, "moderation.forbidden")
}

// InstanceModerationPage shows people, domain blocks and the log.
func (h *Handler) InstanceModerationPage(c echo.Context) error {
	v, err := h.requireInstanceModerator(c)
	if v == nil {
		return err
	}
	d := moderationData{Severity: models.BlockSuspend}
	if k, ok := instanceModerationNotices[c.QueryParam("done")]; ok {
		d.Notice = i18n.Text(k)
	}
	return h.renderModeration(c, http.StatusOK, v, d)
}

func (h *Handler) renderModeration(c echo.Context, status int, v *models.Account, d moderationData) error {
	ctx := c.Request().Context()
	accounts, err := models.ListAccounts(ctx, h.db)
	if err != nil {
		return fmt.Errorf("web: moderation: %w", err)
	}
	for _, acc := range accounts {
		l := h.linkActor(acc.Actor)
		row := moderationUser{Name: l.Name, Handle: l.Handle, URL: l.URL, Username: acc.Actor.Username, Role: i18n.Text("role." + acc.Role()),
			Suspended: acc.SuspendedAt != nil, Self: acc.ID == v.ID}
		row.ActionURL = "/admin/users/" + acc.Actor.Username + "/suspend"
		if row.Suspended {
			row.ActionURL = "/admin/users/" + acc.Actor.Username + "/unsuspend"
		}
		d.Users = append(d.Users, row)
	}
	blocks, err := models.DomainBlocks(ctx, h.db)
	if err != nil {
		return fmt.Errorf("web: moderation: %w", err)
	}
	for _, b := range blocks {
		d.DomainBlocks = append(d.DomainBlocks, domainBlockView{Domain: b.Domain, Severity: i18n.Text("moderation.severity." + b.Severity),
			Reason: b.Reason, Created: b.CreatedAt, CreatedISO: b.CreatedAt.UTC().Format(time.RFC3339),
			UnblockURL: "/admin/domain_blocks/" + b.Domain + "/delete"})
	}
	suspensions, err := models.RemoteSuspensions(ctx, h.db)
	if err != nil {
		return fmt.Errorf("web: moderation: %w", err)
	}
	for _, s := range suspensions {
		d.Remote = append(d.Remote, remoteSuspensionView{Person: h.linkActor(s.Actor), Reason: s.Reason, Created: s.CreatedAt,
			CreatedISO: s.CreatedAt.UTC().Format(time.RFC3339), LiftURL: "/admin/remote_suspensions/" + strconv.FormatInt(s.Actor.ID, 10) + "/delete"})
	}
	entries, err := models.ModerationLog(ctx, h.db, nil, models.Page{Limit: moderationLogShown})
	if err != nil {
		return fmt.Errorf("web: moderation: %w", err)
	}
	for _, e := range entries {
		row := moderationLogRow{Action: i18n.Text("moderation.action." + e.Action), Target: e.TargetText, Reason: e.Reason,
			Created: e.CreatedAt, CreatedISO: e.CreatedAt.UTC().Format(time.RFC3339), By: i18n.Text("moderation.by_operator")}
		if e.ModeratorID != nil {
			if m, err := models.ActorByID(ctx, h.db, *e.ModeratorID); err == nil {
				row.By = h.linkActor(m).Name
			}
		}
		d.Log = append(d.Log, row)
	}
	return h.page(c, status, "admin_moderation", i18n.Text("moderation.title"), d)
}

// SuspendUser suspends a local person (POST /admin/users/:name/suspend).
func (h *Handler) SuspendUser(c echo.Context) error {
	return h.changeSuspension(c, true)
}

// UnsuspendUser lifts a suspension (POST /admin/users/:name/unsuspend).
func (h *Handler) UnsuspendUser(c echo.Context) error {
	return h.changeSuspension(c, false)
}

func (h *Handler) changeSuspension(c echo.Context, suspend bool) error {
	v, err := h.requireInstanceModerator(c)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	acc, err := models.AccountByUsername(ctx, h.db, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "user")
	}
	if acc.ID == v.ID {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "you cannot suspend yourself")
	}
	if suspend && acc.IsAdmin && !v.IsAdmin {
		return h.forbiddenPage(c, "moderation.forbidden_admin")
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if utf8.RuneCountInString(reason) > models.MaxModerationReason {
		return h.renderModeration(c, http.StatusUnprocessableEntity, v,
			moderationData{Error: i18n.Format("moderation.error.reason", models.MaxModerationReason)})
	}
	done := "unsuspended"
	if suspend {
		done = "suspended"
		_, err = h.outbox.Suspend(ctx, acc, &v.Actor.ID, reason, h.clock())
	} else {
		_, err = h.outbox.Unsuspend(ctx, acc, &v.Actor.ID, reason)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/moderation?done="+done+"#people")
}

// BlockDomain blocks a domain (POST /admin/domain_blocks).
func (h *Handler) BlockDomain(c echo.Context) error {
	v, err := h.requireInstanceModerator(c)
	if v == nil {
		return err
	}
	r := c.Request()
	d := moderationData{Domain: strings.TrimSpace(r.PostFormValue("domain")), Severity: r.PostFormValue("severity"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if utf8.RuneCountInString(d.Reason) > models.MaxModerationReason {
		d.Error = i18n.Format("moderation.error.reason", models.MaxModerationReason)
		return h.renderModeration(c, http.StatusUnprocessableEntity, v, d)
	}
	_, err = models.PutDomainBlock(r.Context(), h.db, models.DomainBlock{Domain: d.Domain, Severity: d.Severity, Reason: d.Reason}, &v.Actor.ID)
	switch {
	case errors.Is(err, models.ErrInvalidDomain):
		d.Error = i18n.Text("moderation.error.domain")
	case errors.Is(err, models.ErrInvalidSeverity):
		d.Error = i18n.Text("moderation.error.severity")
	case err != nil:
		return err
	}
	if d.Error != "" {
		return h.renderModeration(c, http.StatusUnprocessableEntity, v, d)
	}
	h.domainBlocks.Forget()
	return c.Redirect(http.StatusSeeOther, "/admin/moderation?done=blocked#domains")
}

// UnblockDomain lifts a domain block (POST /admin/domain_blocks/:domain/delete).
func (h *Handler) UnblockDomain(c echo.Context) error {
	v, err := h.requireInstanceModerator(c)
	if v == nil {
		return err
	}
	err = models.DeleteDomainBlock(c.Request().Context(), h.db, c.Param("domain"), &v.Actor.ID)
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrInvalidDomain) {
		return echo.NewHTTPError(http.StatusNotFound, "that domain is not blocked")
	}
	if err != nil {
		return err
	}
	h.domainBlocks.Forget()
	return c.Redirect(http.StatusSeeOther, "/admin/moderation?done=unblocked#domains")
}

// SuspendRemoteAccount suspends an account of another server
// (POST /admin/remote_suspensions: handle, an @name@server or an actor's
// address, and reason).
func (h *Handler) SuspendRemoteAccount(c echo.Context) error {
	v, err := h.requireInstanceModerator(c)
	if v == nil {
		return err
	}
	r := c.Request()
	d := moderationData{Severity: models.BlockSuspend, RemoteHandle: strings.TrimSpace(r.PostFormValue("handle")),
		RemoteReason: strings.TrimSpace(r.PostFormValue("reason"))}
	refuse := func(msg string) error {
		d.RemoteError = msg
		return h.renderModeration(c, http.StatusUnprocessableEntity, v, d)
	}
	if utf8.RuneCountInString(d.RemoteReason) > models.MaxModerationReason {
		return refuse(i18n.Format("moderation.error.reason", models.MaxModerationReason))
	}
	if len(d.RemoteHandle) > maxHandleLength {
		d.RemoteHandle = content.CutRunes(d.RemoteHandle, maxHandleLength)
		return refuse(i18n.Text("moderation.error.remote"))
	}
	target, err := h.findActorForm(r.Context(), d.RemoteHandle)
	if err != nil {
		var refusal formRefusal
		if !errors.As(err, &refusal) {
			return err
		}
		return refuse(i18n.Text("moderation.error.remote"))
	}
	if target.IsLocal() {
		return refuse(i18n.Text("moderation.error.remote_local"))
	}
	if _, err := h.outbox.SuspendRemote(r.Context(), target, &v.Actor.ID, d.RemoteReason); err != nil {
		return err
	}
	h.domainBlocks.Forget()
	return c.Redirect(http.StatusSeeOther, "/admin/moderation?done=suspended_remote#remote")
}

// UnsuspendRemoteAccount lifts a remote account's suspension
// (POST /admin/remote_suspensions/:id/delete, the actor's row id).
func (h *Handler) UnsuspendRemoteAccount(c echo.Context) error {
	v, err := h.requireInstanceModerator(c)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "that account is not suspended")
	}
	target, err := models.ActorByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "that account is not suspended")
	}
	if err != nil {
		return err
	}
	done, err := h.outbox.UnsuspendRemote(ctx, target, &v.Actor.ID, "")
	if err != nil {
		return err
	}
	if !done {
		return echo.NewHTTPError(http.StatusNotFound, "that account is not suspended")
	}
	h.domainBlocks.Forget()
	return c.Redirect(http.StatusSeeOther, "/admin/moderation?done=unsuspended_remote#remote")
}
