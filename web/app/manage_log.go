package app

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// A group's audit log (/groups/:name/log): every moderation action, who
// took it, on what, why and when. Only the group's moderators (and the
// instance's admins) see it; to anyone else the page does not exist.

const logEntriesShown = 50

// logEntryView is one row of the audit log.
type logEntryView struct {
	When      time.Time
	WhenISO   string
	Moderator actorLink
	Gone      bool // the moderator's account is gone
	Action    string
	Target    actorLink // the person the action was about, when one
	HasTarget bool
	PostURL   string // the post it was about, when one
	Text      string // what it was about, kept readable (a handle, an address)
	Reason    string
}

// groupLogData is the audit log page.
type groupLogData struct {
	Group   groupRef
	Entries []logEntryView
	Older   string // link to older entries, "" at the end
}

// GroupLogPage answers GET /groups/:name/log.
func (h *Handler) GroupLogPage(c echo.Context) error {
	ctx := c.Request().Context()
	notFound := echo.NewHTTPError(http.StatusNotFound, "page not found")
	v := h.viewer(c)
	if v == nil {
		return notFound
	}
	g, err := models.GroupByName(ctx, h.db, c.Param("name"))
	if err != nil {
		return httperr.Lookup(err, "page")
	}
	if !v.IsAdmin {
		mod, err := models.IsModerator(ctx, h.db, g.Actor.ID, v.Actor.ID)
		if err != nil {
			return err
		}
		if !mod {
			return notFound
		}
	}
	maxID, _ := strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	rows, err := models.ModerationLog(ctx, h.db, &g.Actor.ID, models.Page{MaxID: maxID, Limit: logEntriesShown})
	if err != nil {
		return fmt.Errorf("web: audit log: %w", err)
	}
	d := groupLogData{Group: groupRefOf(g)}
	actors := map[int64]*models.Actor{}
	actor := func(id *int64) *models.Actor {
		if id == nil {
			return nil
		}
		if a, ok := actors[*id]; ok {
			return a
		}
		a, err := models.ActorByID(ctx, h.db, *id)
		if err != nil {
			a = nil // gone meanwhile: the row keeps its text
		}
		actors[*id] = a
		return a
	}
	for _, r := range rows {
		e := logEntryView{When: r.CreatedAt, WhenISO: r.CreatedAt.UTC().Format(time.RFC3339),
			Action: i18n.Text("groupmod.action." + r.Action), Text: r.TargetText, Reason: r.Reason}
		if m := actor(r.ModeratorID); m != nil {
			e.Moderator = h.linkActor(m)
		} else {
			e.Gone = true
		}
		if t := actor(r.TargetActorID); t != nil {
			e.Target, e.HasTarget = h.linkActor(t), true
		}
		if r.TargetPostID != nil && r.Action != models.ModRemovePost { // a removed post has no page
			e.PostURL = memberPostPath(*r.TargetPostID)
		}
		d.Entries = append(d.Entries, e)
	}
	if len(rows) == logEntriesShown {
		d.Older = d.Group.URL + "/log?max_id=" + strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return h.page(c, http.StatusOK, "manage_log", fmt.Sprintf(i18n.Text("groupmod.log.title"), g.Title), d)
}
