package app

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// What admins set on /admin for Mastodon apps and visitors: the instance's
// rules, whether visitors may read the public timelines (Mastodon's
// "timeline preview"), and announcements to every member.

// announcementTimeLayout is what a datetime-local field sends; times are UTC.
const announcementTimeLayout = "2006-01-02T15:04"

// announcementForm is the announcement form, with what was typed.
type announcementForm struct {
	Text, StartsAt, EndsAt string
	Publish                bool
	Error                  string
}

// adminAnnouncement is a row of the announcements list.
type adminAnnouncement struct {
	ID        int64
	Text      string
	Published bool
	When      string // its start and end, in words; "" when always
}

func (h *Handler) adminAnnouncements(c echo.Context) ([]adminAnnouncement, error) {
	list, err := models.AllAnnouncements(c.Request().Context(), h.db)
	if err != nil {
		return nil, fmt.Errorf("web: admin: %w", err)
	}
	var out []adminAnnouncement
	for _, a := range list {
		row := adminAnnouncement{ID: a.ID, Text: a.Text, Published: a.PublishedAt != nil}
		var when []string
		if a.StartsAt != nil {
			when = append(when, i18n.Format("admin.announcement.from", a.StartsAt.UTC().Format("2 Jan 2006 15:04")))
		}
		if a.EndsAt != nil {
			when = append(when, i18n.Format("admin.announcement.until", a.EndsAt.UTC().Format("2 Jan 2006 15:04")))
		}
		row.When = strings.Join(when, " ")
		out = append(out, row)
	}
	return out, nil
}

// SavePublicSettings stores the rules and the timeline preview.
func (h *Handler) SavePublicSettings(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	r := c.Request()
	s := models.PublicSettings{Rules: models.ParseRules(r.PostFormValue("rules")),
		TimelinePreview: r.PostFormValue("timeline_preview") == "1"}
	err = models.SetInstancePublicSettings(r.Context(), h.db, s)
	if errors.Is(err, models.ErrInstanceRulesTooLong) {
		d, ferr := h.adminForm(c)
		if ferr != nil {
			return ferr
		}
		d.Rules, d.TimelinePreview = r.PostFormValue("rules"), s.TimelinePreview
		d.Errors["rules"] = i18n.Format("admin.error.rules", models.MaxInstanceRules, models.MaxInstanceRuleLength)
		return h.renderAdmin(c, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	h.logger.InfoContext(c.Request().Context(), "instance public settings saved", "admin", v.Actor.Username, "timeline_preview", s.TimelinePreview)
	return c.Redirect(http.StatusSeeOther, "/admin?done=public#apps")
}

// parseFormTime reads an optional datetime-local field, in UTC.
func parseFormTime(s string) (*time.Time, bool) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, true
	}
	t, err := time.ParseInLocation(announcementTimeLayout, s, time.UTC)
	if err != nil {
		return nil, false
	}
	return &t, true
}

// CreateAnnouncement stores an announcement, published at once when ticked.
func (h *Handler) CreateAnnouncement(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	r := c.Request()
	f := announcementForm{Text: r.PostFormValue("text"), StartsAt: r.PostFormValue("starts_at"),
		EndsAt: r.PostFormValue("ends_at"), Publish: r.PostFormValue("publish") == "1"}
	starts, okStart := parseFormTime(f.StartsAt)
	ends, okEnd := parseFormTime(f.EndsAt)
	if !okStart || !okEnd {
		f.Error = i18n.Text("admin.announcement.error.time")
		return h.refuseAnnouncement(c, f)
	}
	_, err = models.CreateAnnouncement(r.Context(), h.db, models.NewAnnouncement{Text: f.Text, StartsAt: starts,
		EndsAt: ends, Publish: f.Publish}, h.clock())
	switch {
	case errors.Is(err, models.ErrAnnouncementEmpty):
		f.Error = i18n.Text("admin.announcement.error.empty")
	case errors.Is(err, models.ErrAnnouncementTooLong):
		f.Error = i18n.Format("admin.announcement.error.long", models.MaxAnnouncementLength)
	case errors.Is(err, models.ErrAnnouncementEnds):
		f.Error = i18n.Text("admin.announcement.error.ends")
	case err != nil:
		return err
	}
	if f.Error != "" {
		return h.refuseAnnouncement(c, f)
	}
	h.logger.InfoContext(c.Request().Context(), "announcement written", "admin", v.Actor.Username, "published", f.Publish)
	return c.Redirect(http.StatusSeeOther, "/admin?done=announced#announcements")
}

// refuseAnnouncement shows the admin page again with the form as typed.
func (h *Handler) refuseAnnouncement(c echo.Context, f announcementForm) error {
	d, err := h.adminForm(c)
	if err != nil {
		return err
	}
	d.Announcement = f
	return h.renderAdmin(c, http.StatusUnprocessableEntity, d)
}

// PublishAnnouncement publishes (true) or withdraws an announcement.
func (h *Handler) PublishAnnouncement(publish bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := h.requireAdmin(c)
		if v == nil {
			return err
		}
		id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
		if err := models.SetAnnouncementPublished(c.Request().Context(), h.db, id, publish, h.clock()); err != nil {
			return httperr.Lookup(err, "announcement")
		}
		return c.Redirect(http.StatusSeeOther, "/admin#announcements")
	}
}

// DeleteAnnouncement removes an announcement.
func (h *Handler) DeleteAnnouncement(c echo.Context) error {
	v, err := h.requireAdmin(c)
	if v == nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if err := models.DeleteAnnouncement(c.Request().Context(), h.db, id); err != nil {
		return httperr.Lookup(err, "announcement")
	}
	return c.Redirect(http.StatusSeeOther, "/admin#announcements")
}
