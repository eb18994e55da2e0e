package app

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// settingsData is the settings page: the profile form with what is stored
// or was typed, the password form, and each form's errors.
type settingsData struct {
	Username       string // for password managers
	Handle         string // @name@host
	DisplayName    string
	Bio            string
	ProfileErrors  map[string]string
	PasswordErrors map[string]string
	Saved          string // "profile", "password" or "avatar" after a save
	AvatarURL      string // the current profile picture, if any
	AvatarEnabled  bool   // uploads have a folder to go to
	AvatarError    string
}

func (h *Handler) settingsData(v *models.Account) settingsData {
	return settingsData{
		Username:    v.Actor.Username,
		Handle:      "@" + v.Actor.Username + "@" + h.urls.Host(),
		DisplayName: v.Actor.DisplayName, Bio: v.Actor.Summary,
		ProfileErrors: map[string]string{}, PasswordErrors: map[string]string{},
		AvatarURL: v.Actor.IconURL, AvatarEnabled: h.mediaDir != "",
	}
}

// SettingsPage shows the profile and password forms.
func (h *Handler) SettingsPage(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings")
	if v == nil {
		return err
	}
	d := h.settingsData(v)
	if s := c.QueryParam("saved"); s == "profile" || s == "password" || s == "avatar" {
		d.Saved = s
	}
	return h.page(c, http.StatusOK, "settings", i18n.Text("settings.title"), d)
}

// SaveProfile stores the display name and the bio (plain text).
func (h *Handler) SaveProfile(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings")
	if v == nil {
		return err
	}
	r := c.Request()
	edit := models.ProfileEdit{DisplayName: r.PostFormValue("display_name"), Bio: r.PostFormValue("bio")}.Normalize()
	d := h.settingsData(v)
	d.DisplayName, d.Bio = edit.DisplayName, edit.Bio
	err = models.UpdateProfile(r.Context(), h.db, v.Actor.ID, edit)
	if errors.Is(err, models.ErrDisplayNameTooLong) {
		d.ProfileErrors["display_name"] = i18n.Text("settings.error.display_name_long")
	}
	if errors.Is(err, models.ErrBioTooLong) {
		d.ProfileErrors["bio"] = i18n.Text("settings.error.bio_long")
	}
	if len(d.ProfileErrors) > 0 {
		return h.page(c, http.StatusUnprocessableEntity, "settings", i18n.Text("settings.title"), d)
	}
	if err != nil {
		return err
	}
	if err := h.profileUpdated(r.Context(), v.Actor.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?saved=profile")
}

// ChangePassword replaces the password once the current one is given, and
// signs out every other browser. Wrong current passwords count against the
// account's log-in limit, so that a borrowed session cannot guess it.
func (h *Handler) ChangePassword(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings")
	if v == nil {
		return err
	}
	r := c.Request()
	d := h.settingsData(v)
	key := "account:" + strconv.FormatInt(v.ID, 10)
	if ok, wait := h.limits.LoginAccount.Allow(key); !ok {
		d.PasswordErrors["current_password"] = i18n.Wait("login.error.limited", wait)
		return h.tooManyTries(c, wait, "settings", i18n.Text("settings.title"), d)
	}
	current, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password_confirm")
	if current == "" {
		d.PasswordErrors["current_password"] = i18n.Text("settings.error.current_missing")
	}
	if err := models.ValidatePassword(next); err != nil {
		if _, k := signupFieldError(err); k != "" {
			d.PasswordErrors["new_password"] = i18n.Text(k)
		}
	} else if next != again {
		d.PasswordErrors["new_password_confirm"] = i18n.Text("signup.error.password_mismatch")
	}
	if len(d.PasswordErrors) > 0 {
		return h.page(c, http.StatusUnprocessableEntity, "settings", i18n.Text("settings.title"), d)
	}
	err = models.ChangePassword(r.Context(), h.db, v.ID, current, next)
	if errors.Is(err, models.ErrWrongPassword) {
		h.limits.LoginAccount.Add(key)
		d.PasswordErrors["current_password"] = i18n.Text("settings.error.current_wrong")
		return h.page(c, http.StatusUnprocessableEntity, "settings", i18n.Text("settings.title"), d)
	}
	if err != nil {
		return err
	}
	if s := session(c); s != nil {
		if _, err := models.DeleteOtherSessions(r.Context(), h.db, v.ID, s.ID); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/settings?saved=password")
}
