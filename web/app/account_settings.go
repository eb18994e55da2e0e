package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// settingsData is the settings page: the profile form with what is stored
// or was typed, the pictures, the password form, and each form's errors.
type settingsData struct {
	Username       string // for password managers
	Handle         string // @name@host
	DisplayName    string
	Bio            string
	Fields         []models.ProfileField // always MaxProfileFields lines, blank ones to fill
	Locked         bool                  // follows wait for approval
	Discoverable   bool
	Indexable      bool               // public posts open to full-text search
	Bot            bool               // an account that posts by itself
	Defaults       models.Preferences // what apps post with when they do not say
	Visibilities   []string           // the choices of Defaults.Visibility
	ProfileErrors  map[string]string
	PasswordErrors map[string]string
	Saved          string // "profile", "password", "avatar" or "header" after a save
	AvatarURL      string // the current profile picture, if any
	HeaderURL      string // the current banner, if any
	MediaEnabled   bool   // uploads have a folder to go to
	PictureErrors  map[string]string
}

func (h *Handler) settingsData(ctx context.Context, v *models.Account) (settingsData, error) {
	defaults, err := models.PreferencesOf(ctx, h.db, v.ID)
	if err != nil {
		return settingsData{}, err
	}
	return settingsData{
		Username:    v.Actor.Username,
		Handle:      "@" + v.Actor.Username + "@" + h.urls.Host(),
		DisplayName: v.Actor.DisplayName, Bio: v.Actor.Summary, Fields: fieldLines(v.Actor.Fields),
		Locked: v.Actor.ManuallyApprovesFollowers, Discoverable: v.Actor.Discoverable, Bot: v.Actor.Bot,
		Indexable:     v.Actor.Indexable,
		Defaults:      defaults,
		Visibilities:  []string{models.VisibilityPublicPost, models.VisibilityUnlisted, models.VisibilityPrivate},
		ProfileErrors: map[string]string{}, PasswordErrors: map[string]string{}, PictureErrors: map[string]string{},
		AvatarURL: v.Actor.IconURL, HeaderURL: v.Actor.HeaderURL, MediaEnabled: h.media != nil,
	}, nil
}

// fieldLines pads fields to the form's MaxProfileFields lines.
func fieldLines(fields []models.ProfileField) []models.ProfileField {
	out := make([]models.ProfileField, models.MaxProfileFields)
	copy(out, fields)
	return out
}

// SettingsPage shows the profile, picture and password forms.
func (h *Handler) SettingsPage(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings")
	if v == nil {
		return err
	}
	d, err := h.settingsData(c.Request().Context(), v)
	if err != nil {
		return err
	}
	switch s := c.QueryParam("saved"); s {
	case "profile", "password", "avatar", "header":
		d.Saved = s
	}
	return h.page(c, http.StatusOK, "settings", i18n.Text("settings.title"), d)
}

// SaveProfile stores the display name, the bio and the fields (plain
// text), whether follows wait for approval, whether the profile is
// suggested to others and is a bot's, and what apps post with when they do
// not say; it sends the new profile to followers elsewhere.
func (h *Handler) SaveProfile(c echo.Context) error {
	v, err := h.requireViewer(c, "/settings")
	if v == nil {
		return err
	}
	r := c.Request()
	name, bio := r.PostFormValue("display_name"), r.PostFormValue("bio")
	fields := make([]models.ProfileField, models.MaxProfileFields)
	for i := range fields {
		fields[i] = models.ProfileField{Name: r.PostFormValue("field_name_" + strconv.Itoa(i)),
			Value: r.PostFormValue("field_value_" + strconv.Itoa(i))}
	}
	locked, discoverable := r.PostFormValue("locked") != "", r.PostFormValue("discoverable") != ""
	bot, indexable := r.PostFormValue("bot") != "", r.PostFormValue("indexable") != ""
	change := models.ProfileChange{DisplayName: &name, Bio: &bio, Fields: &fields, Locked: &locked,
		Discoverable: &discoverable, Bot: &bot, Indexable: &indexable}.Normalize()
	defaults := models.Preferences{Visibility: r.PostFormValue("default_visibility"),
		Sensitive: r.PostFormValue("default_sensitive") != "", Language: strings.TrimSpace(r.PostFormValue("default_language"))}
	d, err := h.settingsData(r.Context(), v)
	if err != nil {
		return err
	}
	d.DisplayName, d.Bio, d.Fields = *change.DisplayName, *change.Bio, fieldLines(*change.Fields)
	d.Locked, d.Discoverable, d.Bot, d.Defaults = locked, discoverable, bot, defaults
	d.Indexable = indexable
	if defaults.Visibility == "" {
		defaults.Visibility = models.VisibilityPublicPost // a form from before the choice
	}
	if err := defaults.Check(); err != nil {
		if defaults.Language != "" && !models.ValidLanguage(defaults.Language) {
			d.ProfileErrors["default_language"] = i18n.Text("settings.error.language")
		} else {
			d.ProfileErrors["default_visibility"] = i18n.Text("settings.error.visibility")
		}
	}
	err = change.Validate()
	if errors.Is(err, models.ErrDisplayNameTooLong) {
		d.ProfileErrors["display_name"] = i18n.Text("settings.error.display_name_long")
	}
	if errors.Is(err, models.ErrBioTooLong) {
		d.ProfileErrors["bio"] = i18n.Text("settings.error.bio_long")
	}
	if errors.Is(err, models.ErrFieldTooLong) {
		d.ProfileErrors["fields"] = i18n.Format("settings.error.field_long", models.MaxProfileFieldRunes)
	}
	if len(d.ProfileErrors) > 0 {
		return h.page(c, http.StatusUnprocessableEntity, "settings", i18n.Text("settings.title"), d)
	}
	setDefaults := func(tx pgx.Tx) error { return models.SetPreferences(r.Context(), tx, v.ID, defaults) }
	if err := h.changeProfile(r.Context(), v.Actor.ID, change, setDefaults); err != nil {
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
	d, err := h.settingsData(r.Context(), v)
	if err != nil {
		return err
	}
	key := "account:" + strconv.FormatInt(v.ID, 10)
	ok, wait, err := h.limits.LoginAccount.Allow(r.Context(), key)
	if err != nil {
		return err
	}
	if !ok {
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
		if err := h.limits.LoginAccount.Add(r.Context(), key); err != nil {
			return err
		}
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
