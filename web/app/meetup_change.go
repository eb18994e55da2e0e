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
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/eventform"
	"github.com/village-social/village/web/i18n"
)

// Changing a meetup from its page: edit, cancel, delete, for its
// organizer and the moderators of its group, through the outbox calls
// the client API makes.

func meetupPath(id int64) string { return "/events/" + strconv.FormatInt(id, 10) }

// changeableMeetup loads the meetup of :id for a signed-in person who may
// change it; nil with the answer already given otherwise (404 for a
// meetup she cannot see, 403 for one she may not change).
func (h *Handler) changeableMeetup(c echo.Context, back func(id int64) string) (*models.Account, *models.Event, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound)
	}
	v, err := h.signInFirst(c, back(id))
	if v == nil {
		return nil, nil, err
	}
	ctx := c.Request().Context()
	e, err := models.EventWithPost(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && e.Post.DeletedAt != nil) {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("web: change a meetup: %w", err)
	}
	if hidden, err := h.meetupHidden(ctx, e.Post, v.Actor.ID); err != nil || hidden {
		if err != nil {
			return nil, nil, fmt.Errorf("web: change a meetup: %w", err)
		}
		return nil, nil, echo.NewHTTPError(http.StatusNotFound)
	}
	if !e.Post.Local {
		return nil, nil, h.refuseMeetup(c, i18n.Text("meetups.error.remote"))
	}
	allowed, err := models.MayChangeEvent(ctx, h.db, e.Post, v.Actor.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("web: change a meetup: %w", err)
	}
	if !allowed {
		return nil, nil, h.refuseMeetup(c, i18n.Text("meetups.error.not_organizer"))
	}
	return v, e, nil
}

// editMeetupForm is the form that changes e, before it is filled.
func (h *Handler) editMeetupForm(c echo.Context, e *models.Event) meetupFormData {
	path := meetupPath(e.PostID)
	d := meetupFormData{Heading: i18n.Text("meetups.edit.title"), Action: path + "/edit", Submit: i18n.Text("meetups.edit.submit"),
		CSRF: csrfToken(c), Back: path, Edit: true, Errors: map[string]string{}, Uploads: h.media != nil}
	if len(e.Post.Attachments) > 0 {
		d.Picture = &e.Post.Attachments[0]
	}
	return d
}

// EditMeetupPage shows the meetup's form filled as it is (GET /events/:id/edit).
func (h *Handler) EditMeetupPage(c echo.Context) error {
	v, e, err := h.changeableMeetup(c, func(id int64) string { return meetupPath(id) + "/edit" })
	if v == nil {
		return err
	}
	d := h.editMeetupForm(c, e)
	d.Fields = eventform.FromEvent(e.Post.Name, e.Post.Source, e)
	d.Zones = zoneGroups(d.Fields.TimeZone)
	return h.memberPage(c, http.StatusOK, "meetup_form", d.Heading, "", d)
}

// EditMeetup saves the form's changes (POST /events/:id/edit) and sends
// Update{Event}, as the client API's edit does; a new picture replaces
// the old one. Anything to fix gives the form back, nothing changed.
func (h *Handler) EditMeetup(c echo.Context) error {
	v, e, err := h.changeableMeetup(c, meetupPath)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	d := h.editMeetupForm(c, e)
	photos, err := h.readMeetupForm(c, &d)
	if err != nil {
		return err
	}
	changed := *e
	title := checkMeetup(&d, &changed, time.Time{}) // a meetup under way may still be corrected
	if len(d.Errors) > 0 {
		return h.meetupFormAgain(c, d)
	}
	saved, err := h.storeMeetupPicture(ctx, v, &d, photos)
	if err != nil {
		return fmt.Errorf("web: edit a meetup: %w", err)
	}
	if len(d.Errors) > 0 {
		return h.meetupFormAgain(c, d)
	}
	post := *e.Post
	post.Name, post.Source = title, d.Fields.Description
	post.Content, post.Tags, _ = h.composer.Render(ctx, strings.TrimSpace(d.Fields.Description))
	for _, t := range e.Post.Tags { // the group stays mentioned, so the meetup stays addressed to it
		if t.Type == "Mention" && !models.HasTag(post.Tags, t.Href) {
			post.Tags = append(post.Tags, t)
		}
	}
	change := outbox.EventChange{Editor: v.Actor, Post: &post, Event: &changed}
	if len(saved) > 0 {
		ids := mediaIDs(saved)
		change.MediaIDs = &ids
	}
	if err := h.outbox.EditEvent(ctx, change); err != nil {
		h.dropMeetupPicture(ctx, v, &d, saved)
		return h.meetupRefused(c, d, "", err)
	}
	return c.Redirect(http.StatusSeeOther, meetupPath(e.PostID))
}

// meetupConfirmData is the step that confirms cancelling or deleting a meetup.
type meetupConfirmData struct {
	Heading string
	Text    string
	Title   string // the meetup's
	When    string
	Action  string
	Submit  string
	Back    string
	CSRF    string
}

// confirmMeetup shows the confirmation step of an action on e.
// (action: cancel or delete, which also names its strings).
func (h *Handler) confirmMeetup(c echo.Context, e *models.Event, action string) error {
	key := action
	path := meetupPath(e.PostID)
	d := meetupConfirmData{Heading: i18n.Text("meetups." + key + ".title"), Text: i18n.Text("meetups." + key + ".text"),
		Title: e.Post.Name, When: meetupWhen(e), Action: path + "/" + action, Submit: i18n.Text("meetups." + key + ".submit"),
		Back: path, CSRF: csrfToken(c)}
	return h.memberPage(c, http.StatusOK, "meetup_confirm", d.Heading, "", d)
}

// CancelMeetupPage asks to confirm calling the meetup off (GET /events/:id/cancel).
func (h *Handler) CancelMeetupPage(c echo.Context) error {
	v, e, err := h.changeableMeetup(c, func(id int64) string { return meetupPath(id) + "/cancel" })
	if v == nil {
		return err
	}
	return h.confirmMeetup(c, e, "cancel")
}

// CancelMeetup calls the meetup off (POST /events/:id/cancel): it stays,
// shown cancelled, and Update{Event} goes out.
func (h *Handler) CancelMeetup(c echo.Context) error {
	v, e, err := h.changeableMeetup(c, meetupPath)
	if v == nil {
		return err
	}
	if err := h.outbox.CancelEvent(c.Request().Context(), v.Actor, e.Post); err != nil {
		if errors.Is(err, outbox.ErrNotOrganizer) {
			return h.refuseMeetup(c, i18n.Text("meetups.error.not_organizer"))
		}
		return fmt.Errorf("web: cancel a meetup: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, meetupPath(e.PostID))
}

// DeleteMeetupPage asks to confirm deleting the meetup (GET /events/:id/delete).
func (h *Handler) DeleteMeetupPage(c echo.Context) error {
	v, e, err := h.changeableMeetup(c, func(id int64) string { return meetupPath(id) + "/delete" })
	if v == nil {
		return err
	}
	return h.confirmMeetup(c, e, "delete")
}

// DeleteMeetup deletes the meetup (POST /events/:id/delete) and sends the
// Delete; the person lands on its group's page.
func (h *Handler) DeleteMeetup(c echo.Context) error {
	v, e, err := h.changeableMeetup(c, meetupPath)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.outbox.DeleteEvent(ctx, v.Actor, e.Post); err != nil {
		if errors.Is(err, outbox.ErrNotOrganizer) {
			return h.refuseMeetup(c, i18n.Text("meetups.error.not_organizer"))
		}
		return fmt.Errorf("web: delete a meetup: %w", err)
	}
	next := "/home"
	if e.Post.GroupID != nil {
		g, err := models.ActorByID(ctx, h.db, *e.Post.GroupID)
		if err != nil {
			return fmt.Errorf("web: delete a meetup: %w", err)
		}
		if g.IsLocal() {
			next = "/groups/" + g.Username
		}
	}
	return c.Redirect(http.StatusSeeOther, next)
}
