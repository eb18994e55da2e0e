package app

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// groupSettingsData is a group's settings form, with what is stored or was
// typed, and each field's error.
type groupSettingsData struct {
	Group         groupRef
	Title         string
	Summary       string
	Rules         string
	Location      string
	Latitude      string
	Longitude     string
	MembersOnly   bool
	JoinQuestions string
	Errors        map[string]string
	Saved         bool
	Opened        int // requests accepted as the group opened
	Limits        settingsLimits
}

// settingsLimits are the form's maxlength values.
type settingsLimits struct {
	Title, Summary, Rules, Location int
	Questions                       int // how many join questions
}

var groupSettingsLimits = settingsLimits{Title: models.MaxTitleLength, Summary: models.MaxSummaryLength,
	Rules: models.MaxRulesLength, Location: models.MaxLocationLength, Questions: models.MaxJoinQuestions}

func formatCoordinate(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func settingsFormOf(g *models.Group) groupSettingsData {
	return groupSettingsData{Group: groupRefOf(g), Title: g.Title, Summary: g.Summary, Rules: g.Rules,
		Location: g.Location, Latitude: formatCoordinate(g.Latitude), Longitude: formatCoordinate(g.Longitude),
		MembersOnly: g.MembersOnly(), JoinQuestions: g.JoinQuestions, Errors: map[string]string{},
		Limits: groupSettingsLimits}
}

// GroupSettingsPage shows a group's settings form.
func (h *Handler) GroupSettingsPage(c echo.Context) error {
	_, g, err := h.moderation(c, "settings")
	if g == nil {
		return err
	}
	d := settingsFormOf(g)
	d.Saved = c.QueryParam("saved") == "1"
	d.Opened, _ = strconv.Atoi(c.QueryParam("accepted"))
	return h.page(c, http.StatusOK, "manage_settings", fmt.Sprintf(i18n.Text("manage.settings.title"), g.Title), d)
}

// settingsFieldErrors are the models' errors of group settings, with the
// field each is about and its message.
var settingsFieldErrors = []struct {
	err   error
	field string
	key   string
}{
	{models.ErrGroupTitleMissing, "title", "manage.settings.error.title_missing"},
	{models.ErrGroupTitleTooLong, "title", "manage.settings.error.title_long"},
	{models.ErrGroupSummaryTooLong, "summary", "manage.settings.error.summary_long"},
	{models.ErrGroupRulesTooLong, "rules", "manage.settings.error.rules_long"},
	{models.ErrGroupLocationTooLong, "location", "manage.settings.error.location_long"},
	{models.ErrGroupCoordinatesPair, "latitude", "manage.settings.error.pair"},
	{models.ErrGroupLatitudeRange, "latitude", "manage.settings.error.latitude"},
	{models.ErrGroupLongitudeRange, "longitude", "manage.settings.error.longitude"},
	{models.ErrJoinQuestionsTooMany, "join_questions", "manage.settings.error.questions_many"},
	{models.ErrJoinQuestionTooLong, "join_questions", "manage.settings.error.question_long"},
}

// parseCoordinate reads an optional coordinate; ok is false for text that
// is not a finite number.
func parseCoordinate(s string) (v *float64, ok bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return nil, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return &f, true
}

// SaveGroupSettings stores the settings form. A members-only group that
// opens accepts the requests waiting; a group that closes unpins its
// members' posts (the featured collection is public). Remote followers are
// sent Update{Group}. All of it in one transaction: a form with errors
// saves nothing and comes back with each error beside its field.
func (h *Handler) SaveGroupSettings(c echo.Context) error {
	v, g, err := h.moderation(c, "settings")
	if g == nil {
		return err
	}
	r := c.Request()
	d := settingsFormOf(g)
	d.Title, d.Summary, d.Rules = r.PostFormValue("title"), r.PostFormValue("summary"), r.PostFormValue("rules")
	d.Location, d.Latitude, d.Longitude = r.PostFormValue("location"), r.PostFormValue("latitude"), r.PostFormValue("longitude")
	d.MembersOnly = r.PostFormValue("members_only") != ""
	d.JoinQuestions = r.PostFormValue("join_questions")

	s := models.GroupSettings{Title: d.Title, Summary: d.Summary, Rules: d.Rules, Location: d.Location,
		MembersOnly: d.MembersOnly, JoinQuestions: d.JoinQuestions}
	var latOK, lonOK bool
	s.Latitude, latOK = parseCoordinate(d.Latitude)
	s.Longitude, lonOK = parseCoordinate(d.Longitude)
	if !latOK {
		d.Errors["latitude"] = i18n.Text("manage.settings.error.latitude")
	}
	if !lonOK {
		d.Errors["longitude"] = i18n.Text("manage.settings.error.longitude")
	}
	s = s.Normalize()
	if err := s.Validate(); err != nil {
		known := false
		for _, fe := range settingsFieldErrors {
			if errors.Is(err, fe.err) {
				known = true
				if _, taken := d.Errors[fe.field]; !taken {
					d.Errors[fe.field] = i18n.Text(fe.key)
				}
			}
		}
		if !known {
			return fmt.Errorf("web: group settings: %w", err)
		}
	}
	if len(d.Errors) > 0 {
		return h.page(c, http.StatusUnprocessableEntity, "manage_settings", fmt.Sprintf(i18n.Text("manage.settings.title"), g.Title), d)
	}

	ctx := r.Context()
	var change models.SettingsChange
	accepted := 0
	err = models.InTx(ctx, h.db, func(tx pgx.Tx) error {
		var err error
		if change, err = models.UpdateGroupSettings(ctx, tx, g.Actor.ID, s); err != nil {
			return err
		}
		if change.Opened() && h.outbox != nil {
			pending, err := models.PendingFollowsToOpen(ctx, tx, g.Actor.ID)
			if err != nil {
				return err
			}
			for _, f := range pending {
				if err := h.outbox.AcceptFollow(ctx, tx, f); err != nil {
					return err
				}
				accepted++
			}
		}
		saved, err := models.GroupByName(ctx, tx, g.Actor.Username)
		if err != nil {
			return err
		}
		if err := h.sendGroupUpdate(ctx, tx, saved, v.Actor); err != nil {
			return err
		}
		return models.LogModeration(ctx, tx, models.ModerationAction{GroupID: &g.Actor.ID, ModeratorID: &v.Actor.ID,
			Action: models.ModEditGroup, TargetActorID: &g.Actor.ID, TargetText: g.Actor.Username})
	})
	if err != nil {
		return fmt.Errorf("web: group settings: %w", err)
	}
	h.logger.InfoContext(ctx, "group settings saved", "group", g.Actor.Username, "moderator", v.Actor.Username,
		"members_only", change.MembersOnly, "accepted", accepted)
	next := groupRefOf(g).Settings + "?saved=1"
	if accepted > 0 {
		next += "&accepted=" + strconv.Itoa(accepted)
	}
	return c.Redirect(http.StatusSeeOther, next)
}
