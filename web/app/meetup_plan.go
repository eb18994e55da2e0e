package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/eventform"
	"github.com/village-social/village/web/i18n"
)

// planPath is where a group's meetups are planned.
func planPath(g *models.Group) string { return "/groups/" + g.Actor.Username + "/events/new" }

// mayPlanIn says why v may not plan a meetup in g ("" when she may): the
// rules the outbox applies (members only; moderators only where the group
// keeps posting to them), checked first so that the form is not offered
// to someone it would refuse.
func (h *Handler) mayPlanIn(ctx context.Context, g *models.Group, v *models.Account) (string, error) {
	member, err := models.IsMember(ctx, h.db, g.Actor.ID, v.Actor.ID)
	if err != nil {
		return "", err
	}
	if !member {
		return i18n.Format("meetups.error.not_member", g.Title), nil
	}
	if g.PostingRestrictedToMods {
		role, err := models.ModeratorRole(ctx, h.db, g.Actor.ID, v.Actor.ID)
		if err != nil {
			return "", err
		}
		if role == "" {
			return i18n.Format("meetups.error.mods_only", g.Title), nil
		}
	}
	return "", nil
}

// planLink is the group page's "Plan a meetup" link for its viewer ("" for
// visitors and for those who may not plan one there).
func (h *Handler) planLink(ctx context.Context, g *models.Group, v *models.Account) (string, error) {
	if v == nil {
		return "", nil
	}
	why, err := h.mayPlanIn(ctx, g, v)
	if err != nil || why != "" {
		return "", err
	}
	return planPath(g), nil
}

// planForm is the empty form of a new meetup in g.
func (h *Handler) planForm(c echo.Context, g *models.Group) meetupFormData {
	return meetupFormData{Heading: i18n.Format("meetups.plan.title", g.Title), Action: planPath(g),
		Submit: i18n.Text("meetups.plan.submit"), CSRF: csrfToken(c), Back: "/groups/" + g.Actor.Username,
		Errors: map[string]string{}, Uploads: h.media != nil}
}

// planner is the group of a planning request and its signed-in member,
// who may plan there; nil with the answer already given otherwise.
func (h *Handler) planner(c echo.Context) (*models.Group, *models.Account, error) {
	g, err := h.groupParam(c)
	if err != nil {
		return nil, nil, err
	}
	v, err := h.signInFirst(c, planPath(g))
	if v == nil {
		return nil, nil, err
	}
	why, err := h.mayPlanIn(c.Request().Context(), g, v)
	if err != nil {
		return nil, nil, fmt.Errorf("web: plan a meetup: %w", err)
	}
	if why != "" {
		return nil, nil, h.refuseMeetup(c, why)
	}
	return g, v, nil
}

// PlanMeetupPage shows the form that plans a meetup in a group
// (GET /groups/:name/events/new), in the zone of the group's last meetup.
func (h *Handler) PlanMeetupPage(c echo.Context) error {
	g, v, err := h.planner(c)
	if v == nil {
		return err
	}
	d := h.planForm(c, g)
	zone, err := h.defaultZone(c.Request().Context(), g.Actor.ID)
	if err != nil {
		return fmt.Errorf("web: plan a meetup: %w", err)
	}
	d.Fields = eventform.Fields{TimeZone: zone, JoinMode: models.JoinFree}
	d.Zones = zoneGroups(zone)
	return h.memberPage(c, http.StatusOK, "meetup_form", d.Heading, "", d)
}

// PlanMeetup publishes a meetup from the form (POST /groups/:name/events/new)
// through the outbox, as the client API does, and shows its page. Anything
// to fix gives the form back as it was typed, with nothing stored.
func (h *Handler) PlanMeetup(c echo.Context) error {
	g, v, err := h.planner(c)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	d := h.planForm(c, g)
	photos, err := h.readMeetupForm(c, &d)
	if err != nil {
		return err
	}
	e := &models.Event{}
	title := checkMeetup(&d, e, time.Now().Add(-time.Minute))
	if len(d.Errors) > 0 {
		return h.meetupFormAgain(c, d)
	}
	saved, err := h.storeMeetupPicture(ctx, v, &d, photos)
	if err != nil {
		return fmt.Errorf("web: plan a meetup: %w", err)
	}
	if len(d.Errors) > 0 {
		return h.meetupFormAgain(c, d)
	}
	html, tags, _ := h.composer.Render(ctx, strings.TrimSpace(d.Fields.Description))
	post, err := h.outbox.PublishEvent(ctx, outbox.Meetup{Organizer: v.Actor, Group: g.Actor, Event: e,
		Post: &models.Post{Name: title, Content: html, Source: d.Fields.Description, Tags: tags}, MediaIDs: mediaIDs(saved)})
	if err != nil {
		h.dropMeetupPicture(ctx, v, &d, saved)
		return h.meetupRefused(c, d, g.Title, err)
	}
	return c.Redirect(http.StatusSeeOther, "/events/"+strconv.FormatInt(post.ID, 10))
}
