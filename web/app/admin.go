package app

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// The admins' page, /admin: the instance's settings (name, description,
// sign-up mode, contact), its users with the sign-ups waiting for approval,
// and invite links. Only accounts with IsAdmin see it.

const (
	adminUsersShown   = 100 // users the list shows (those waiting first)
	adminInvitesShown = 30  // newest invites shown
	maxInviteUses     = 1000
	maxInviteDays     = 365
)

// adminUser is a row of the users list.
type adminUser struct {
	Name       string
	Handle     string
	URL        string
	Email      string
	Admin      bool
	Role       string // the instance role, as a word (Safety: instance moderation)
	Suspended  bool
	Pending    bool
	Reason     string
	Created    time.Time
	CreatedISO string
	ApproveURL string
}

// adminInvite is a row of the invites list.
type adminInvite struct {
	Code       string
	Link       string
	Uses       int
	MaxUses    int // 0: unlimited
	Expires    string
	Usable     bool
	Revoked    bool
	RevokeURL  string
	CreatedISO string
	Created    time.Time
}

// adminData is the admin page.
type adminData struct {
	Name         string
	Description  string
	ContactEmail string
	Mode         string
	Modes        []adminMode
	Errors       map[string]string
	Notice       string
	InviteError  string
	Users        []adminUser
	TotalUsers   int
	MoreUsers    int
	PendingUsers int
	Invites      []adminInvite
	Host         string
	// Mastodon apps: the rules, the public timelines, and announcements
	// (admin_apps.go).
	Rules           string // one a line
	TimelinePreview bool
	Announcements   []adminAnnouncement
	Announcement    announcementForm
}

// adminMode is one choice of the sign-up mode.
type adminMode struct {
	Value   string
	Label   string
	Hint    string
	Checked bool
}

var adminNotices = map[string]string{
	"settings":  "admin.done.settings",
	"approved":  "admin.done.approved",
	"invite":    "admin.done.invite",
	"revoked":   "admin.done.revoked",
	"public":    "admin.done.public",
	"announced": "admin.done.announcement",
}

// requireAdmin lets only admins through: signed-out visitors get the log-in
// form, others a 403 page. A nil account means the request was answered.
func (h *Handler) requireAdmin(c echo.Context) (*models.Account, error) {
	return h.requireRole(c, "/admin", func(v *models.Account) bool { return v.IsAdmin }, "admin.forbidden")
}

// requireRole lets through a signed-in account that has the role: others
// get the log-in form (to come back to page) or a 403 page saying
// forbidden. A nil account means the request was answered.
func (h *Handler) requireRole(c echo.Context, page string, has func(*models.Account) bool, forbidden string) (*models.Account, error) {
	v, err := h.requireViewer(c, page)
	if v == nil {
		return nil, err
	}
	if !has(v) {
		return nil, h.forbiddenPage(c, forbidden)
	}
	return v, nil
}

// AdminPage shows the instance's settings, users and invites.
func (h *Handler) AdminPage(c echo.Context) error {
	if v, err := h.requireAdmin(c); v == nil {
		return err
	}
	d, err := h.adminForm(c)
	if err != nil {
		return err
	}
	if k, ok := adminNotices[c.QueryParam("done")]; ok {
		d.Notice = i18n.Text(k)
	}
	return h.renderAdmin(c, http.StatusOK, d)
}

// adminForm is the admin page with the stored settings in its form.
func (h *Handler) adminForm(c echo.Context) (adminData, error) {
	ctx := c.Request().Context()
	info, err := models.Instance(ctx, h.db)
	if err != nil {
		return adminData{}, fmt.Errorf("web: admin: %w", err)
	}
	mode, err := models.InstanceSignupMode(ctx, h.db)
	if err != nil {
		return adminData{}, fmt.Errorf("web: admin: %w", err)
	}
	public, err := models.InstancePublicSettings(ctx, h.db)
	if err != nil {
		return adminData{}, fmt.Errorf("web: admin: %w", err)
	}
	return adminData{Name: info.Name, Description: info.Description, ContactEmail: info.ContactEmail,
		Mode: string(mode), Errors: map[string]string{}, Rules: strings.Join(public.Rules, "\n"),
		TimelinePreview: public.TimelinePreview}, nil
}

// renderAdmin fills the admin page's lists and renders it.
func (h *Handler) renderAdmin(c echo.Context, status int, d adminData) error {
	ctx := c.Request().Context()
	d.Host = h.urls.Host()
	for _, m := range []models.SignupMode{models.SignupOpen, models.SignupApproval, models.SignupInvite} {
		d.Modes = append(d.Modes, adminMode{Value: string(m), Label: i18n.Text("admin.mode." + string(m)),
			Hint: i18n.Text("admin.mode." + string(m) + ".hint"), Checked: d.Mode == string(m)})
	}
	users, total, err := models.ListUsers(ctx, h.db, adminUsersShown)
	if err != nil {
		return fmt.Errorf("web: admin: %w", err)
	}
	d.TotalUsers, d.MoreUsers = total, max(0, total-len(users))
	for _, u := range users {
		l := h.linkActor(u.Account.Actor)
		row := adminUser{Name: l.Name, Handle: l.Handle, URL: l.URL, Email: u.Account.Email, Admin: u.Account.IsAdmin,
			Role: i18n.Text("role." + u.Account.Role()), Suspended: u.Account.SuspendedAt != nil,
			Pending: u.Pending, Reason: content.CutRunes(u.Reason, models.MaxSignupReasonLength), Created: u.Account.CreatedAt,
			CreatedISO: u.Account.CreatedAt.UTC().Format(time.RFC3339)}
		if u.Pending {
			d.PendingUsers++
			row.ApproveURL = "/admin/users/" + u.Account.Actor.Username + "/approve"
		}
		d.Users = append(d.Users, row)
	}
	invites, err := models.RecentInvites(ctx, h.db, adminInvitesShown)
	if err != nil {
		return fmt.Errorf("web: admin: %w", err)
	}
	now := h.clock()
	for _, inv := range invites {
		row := adminInvite{Code: inv.Code, Link: h.urls.Base + "/signup?invite=" + inv.Code, Uses: inv.Uses,
			MaxUses: inv.MaxUses, Usable: inv.Usable(now), Revoked: inv.RevokedAt != nil,
			RevokeURL: "/admin/invites/" + inv.Code + "/revoke", Created: inv.CreatedAt,
			CreatedISO: inv.CreatedAt.UTC().Format(time.RFC3339)}
		if inv.ExpiresAt != nil {
			row.Expires = inv.ExpiresAt.UTC().Format("2 Jan 2006")
		}
		d.Invites = append(d.Invites, row)
	}
	if d.Announcements, err = h.adminAnnouncements(c); err != nil {
		return err
	}
	return h.page(c, status, "admin_instance", i18n.Text("admin.title"), d)
}

// adminFieldErrors are the models' errors of the instance settings, with
// the field each is about and its message.
var adminFieldErrors = []struct {
	err   error
	field string
	key   string
}{
	{models.ErrInstanceNameTooLong, "name", "admin.error.name_long"},
	{models.ErrInstanceDescTooLong, "description", "admin.error.description_long"},
	{models.ErrInvalidContactAddress, "contact_email", "admin.error.contact"},
	{models.ErrInvalidSignupMode, "mode", "admin.error.mode"},
}

// SaveInstanceSettings stores the settings form; with errors it saves
// nothing and shows each beside its field.
func (h *Handler) SaveInstanceSettings(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	r := c.Request()
	info := models.InstanceInfo{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		ContactEmail: r.PostFormValue("contact_email")}.Normalize()
	d := adminData{Name: info.Name, Description: info.Description, ContactEmail: info.ContactEmail,
		Mode: r.PostFormValue("mode"), Errors: map[string]string{}}
	err = models.SetInstance(r.Context(), h.db, info, models.SignupMode(d.Mode))
	if err != nil {
		for _, fe := range adminFieldErrors {
			if errors.Is(err, fe.err) {
				d.Errors[fe.field] = i18n.Text(fe.key)
			}
		}
		if len(d.Errors) == 0 {
			return fmt.Errorf("web: instance settings: %w", err)
		}
		stored, err := h.adminForm(c) // the other forms show what is stored
		if err != nil {
			return err
		}
		d.Rules, d.TimelinePreview = stored.Rules, stored.TimelinePreview
		return h.renderAdmin(c, http.StatusUnprocessableEntity, d)
	}
	h.logger.InfoContext(c.Request().Context(), "instance settings saved", "admin", v.Actor.Username, "signup_mode", d.Mode)
	return c.Redirect(http.StatusSeeOther, "/admin?done=settings")
}

// ApproveSignup lets a waiting account log in.
func (h *Handler) ApproveSignup(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	acc, err := models.ApproveAccount(c.Request().Context(), h.db, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "user")
	}
	h.logger.InfoContext(c.Request().Context(), "sign-up approved", "admin", v.Actor.Username, "user", acc.Actor.Username)
	return c.Redirect(http.StatusSeeOther, "/admin?done=approved#users")
}

// CreateInvite makes an invite link: optionally limited in uses and days.
func (h *Handler) CreateInvite(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	r := c.Request()
	uses, usesOK := optionalCount(r.PostFormValue("max_uses"), maxInviteUses)
	days, daysOK := optionalCount(r.PostFormValue("expires_days"), maxInviteDays)
	if !usesOK || !daysOK {
		d, err := h.adminForm(c)
		if err != nil {
			return err
		}
		d.InviteError = i18n.Text("admin.invites.error")
		if !usesOK {
			d.Errors["max_uses"] = fmt.Sprintf(i18n.Text("admin.invites.error.uses"), maxInviteUses)
		}
		if !daysOK {
			d.Errors["expires_days"] = fmt.Sprintf(i18n.Text("admin.invites.error.days"), maxInviteDays)
		}
		return h.renderAdmin(c, http.StatusUnprocessableEntity, d)
	}
	inv, err := models.CreateInvite(r.Context(), h.db, models.NewInvite{CreatedBy: v.ID, MaxUses: uses,
		ExpiresAt: models.InviteExpiry(h.clock(), days)})
	if err != nil {
		return fmt.Errorf("web: invite: %w", err)
	}
	h.logger.InfoContext(c.Request().Context(), "invite created", "admin", v.Actor.Username, "invite", inv.ID)
	return c.Redirect(http.StatusSeeOther, "/admin?done=invite#invites")
}

// RevokeInvite stops an invite link from working.
func (h *Handler) RevokeInvite(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	if err := models.RevokeInvite(c.Request().Context(), h.db, c.Param("code")); err != nil {
		return httperr.Lookup(err, "invite")
	}
	h.logger.InfoContext(c.Request().Context(), "invite revoked", "admin", v.Actor.Username)
	return c.Redirect(http.StatusSeeOther, "/admin?done=revoked#invites")
}

// optionalCount reads an optional whole number from 0 to most (empty is 0).
func optionalCount(s string, most int) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > most {
		return 0, false
	}
	return n, true
}
