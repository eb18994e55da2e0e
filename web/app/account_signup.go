package app

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
	"github.com/village-social/village/web/ratelimit"
)

// signupData is the sign-up page: the instance's mode, the invite that came
// with the link, and the form with what was typed (never the passwords).
type signupData struct {
	Mode          models.SignupMode
	Invite        string // a usable invite code, carried by the form
	InviteInvalid bool   // the link's invite cannot be used
	Closed        bool   // sign-ups need an invite and there is none: no form
	Error         string // about the whole form
	Errors        map[string]string
	Username      string
	Email         string
	DisplayName   string
	Reason        string
}

// Approval reports whether the account will wait for an admin (the form
// then asks why they want to join).
func (d signupData) Approval() bool { return d.Mode == models.SignupApproval && d.Invite == "" }

// SignupPage shows the form the instance's mode allows: to anyone (open),
// as a request for an admin to approve (approval), or only with a valid
// invite link (invite).
func (h *Handler) SignupPage(c echo.Context) error {
	if h.viewer(c) != nil {
		return c.Redirect(http.StatusSeeOther, memberHomePath)
	}
	ctx := c.Request().Context()
	mode, err := models.InstanceSignupMode(ctx, h.db)
	if err != nil {
		return err
	}
	d := signupData{Mode: mode}
	if code := strings.TrimSpace(c.QueryParam("invite")); code != "" {
		_, err := models.UsableInvite(ctx, h.db, code, h.clock())
		switch {
		case errors.Is(err, models.ErrInvalidInvite):
			d.InviteInvalid = true
		case err != nil:
			return err
		default:
			d.Invite = code
		}
	}
	d.Closed = mode == models.SignupInvite && d.Invite == ""
	return h.page(c, http.StatusOK, "signup", i18n.Text("signup.title"), d)
}

// Signup makes an account from the form. Tries are limited per address
// (every try counts, so that the form cannot be used to test many names or
// emails). Open sign-ups and invites sign the person in at once; a sign-up
// waiting for approval gets a page saying so.
func (h *Handler) Signup(c echo.Context) error {
	if h.viewer(c) != nil {
		return c.Redirect(http.StatusSeeOther, memberHomePath)
	}
	r := c.Request()
	ctx := r.Context()
	mode, err := models.InstanceSignupMode(ctx, h.db)
	if err != nil {
		return err
	}
	d := signupData{
		Mode:        mode,
		Invite:      strings.TrimSpace(r.PostFormValue("invite")),
		Username:    strings.TrimSpace(r.PostFormValue("username")),
		Email:       strings.TrimSpace(r.PostFormValue("email")),
		DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Reason:      strings.TrimSpace(r.PostFormValue("reason")),
		Errors:      map[string]string{},
	}
	address := ratelimit.ClientAddress(r)
	if err := h.limits.Signup.Take(ctx, "sign-ups", address); err != nil {
		var limited *ratelimit.Error
		if !errors.As(err, &limited) {
			return err
		}
		d.Error = i18n.Wait("signup.error.limited", limited.Wait)
		return h.tooManyTries(c, limited.Wait, "signup", i18n.Text("signup.title"), d)
	}
	if mode == models.SignupInvite && d.Invite == "" {
		d.Closed = true
		return h.page(c, http.StatusForbidden, "signup", i18n.Text("signup.title"), d)
	}

	password, again := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	if err := models.ValidateLocalName(d.Username); err != nil {
		d.fieldError(err)
	}
	if err := (models.ProfileEdit{DisplayName: d.DisplayName}).Normalize().Validate(); err != nil {
		d.fieldError(err)
	}
	if err := models.ValidatePassword(password); err != nil {
		d.fieldError(err)
	} else if password != again {
		d.Errors["password_confirm"] = i18n.Text("signup.error.password_mismatch")
	}
	if len(d.Errors) > 0 {
		return h.page(c, http.StatusUnprocessableEntity, "signup", i18n.Text("signup.title"), d)
	}

	acc, pending, err := models.Register(ctx, h.db, models.SignUp{
		Account: models.NewAccount{Username: d.Username, Password: password, Email: d.Email, DisplayName: d.DisplayName},
		Mode:    mode, InviteCode: d.Invite, Reason: d.Reason, Now: h.clock(),
	})
	switch {
	case errors.Is(err, models.ErrInvalidInvite), errors.Is(err, models.ErrInviteRequired):
		d.Invite, d.InviteInvalid = "", true
		d.Closed = mode == models.SignupInvite
		return h.page(c, http.StatusForbidden, "signup", i18n.Text("signup.title"), d)
	case err != nil && d.fieldError(err):
		return h.page(c, http.StatusUnprocessableEntity, "signup", i18n.Text("signup.title"), d)
	case err != nil:
		return err
	}
	h.logger.InfoContext(ctx, "signup", "user", acc.Actor.Username, "pending", pending, "invite", d.Invite != "")
	if pending {
		return h.page(c, http.StatusOK, "account_pending", i18n.Text("signup.pending.title"), acc.Actor.Username)
	}
	if err := h.startSession(c, acc.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, memberHomePath)
}

// fieldError puts the message of a models error beside the field it is
// about, and reports whether it knew the error.
func (d *signupData) fieldError(err error) bool {
	field, key := signupFieldError(err)
	if field == "" {
		return false
	}
	if _, taken := d.Errors[field]; !taken {
		d.Errors[field] = i18n.Text(key)
	}
	return true
}

// signupFieldError names the field a sign-up error is about and the key of
// its message.
func signupFieldError(err error) (field, key string) {
	switch {
	case errors.Is(err, models.ErrInvalidName):
		return "username", "signup.error.name_invalid"
	case errors.Is(err, models.ErrReservedName):
		return "username", "signup.error.name_reserved"
	case errors.Is(err, models.ErrNameTaken):
		return "username", "signup.error.name_taken"
	case errors.Is(err, models.ErrPasswordTooShort):
		return "password", "signup.error.password_short"
	case errors.Is(err, models.ErrPasswordTooLong):
		return "password", "signup.error.password_long"
	case errors.Is(err, models.ErrInvalidEmail):
		return "email", "signup.error.email_invalid"
	case errors.Is(err, models.ErrEmailTaken):
		return "email", "signup.error.email_taken"
	case errors.Is(err, models.ErrDisplayNameTooLong):
		return "display_name", "settings.error.display_name_long"
	case errors.Is(err, models.ErrSignupReasonTooLong):
		return "reason", "signup.error.reason_long"
	}
	return "", ""
}
