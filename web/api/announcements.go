package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// apiAnnouncement is Mastodon's Announcement entity; Village's have no
// mentions, tags, emojis or reactions.
type apiAnnouncement struct {
	ID          string  `json:"id"`
	Content     string  `json:"content"`
	StartsAt    *string `json:"starts_at"`
	EndsAt      *string `json:"ends_at"`
	AllDay      bool    `json:"all_day"`
	PublishedAt string  `json:"published_at"`
	UpdatedAt   string  `json:"updated_at"`
	Read        bool    `json:"read"`
	Mentions    []any   `json:"mentions"`
	Statuses    []any   `json:"statuses"`
	Tags        []any   `json:"tags"`
	Emojis      []any   `json:"emojis"`
	Reactions   []any   `json:"reactions"`
}

// Announcements answers GET /api/v1/announcements: what the admins
// published that is current, each marked read once dismissed.
func (h *Handler) Announcements(c echo.Context) error {
	list, err := models.ActiveAnnouncements(c.Request().Context(), h.db, currentAccount(c).ID, h.clock())
	if err != nil {
		return err
	}
	out := make([]apiAnnouncement, 0, len(list))
	for _, a := range list {
		e := apiAnnouncement{ID: strconv.FormatInt(a.ID, 10), Content: plainToHTML(a.Text),
			PublishedAt: a.PublishedAt.UTC().Format(apiTime), UpdatedAt: a.UpdatedAt.UTC().Format(apiTime),
			Read: a.Dismissed, Mentions: []any{}, Statuses: []any{}, Tags: []any{}, Emojis: []any{}, Reactions: []any{}}
		if a.StartsAt != nil {
			s := a.StartsAt.UTC().Format(apiTime)
			e.StartsAt = &s
		}
		if a.EndsAt != nil {
			s := a.EndsAt.UTC().Format(apiTime)
			e.EndsAt = &s
		}
		out = append(out, e)
	}
	return c.JSON(http.StatusOK, out)
}

// DismissAnnouncement answers POST /api/v1/announcements/:id/dismiss.
func (h *Handler) DismissAnnouncement(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	err = models.DismissAnnouncement(c.Request().Context(), h.db, id, currentAccount(c).ID)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}
