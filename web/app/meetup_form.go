package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/eventform"
	"github.com/village-social/village/web/i18n"
)

// The form that plans or changes a meetup: its fields as eventform reads
// them, and what is wrong next to each. Planning is meetup_plan.go,
// changing meetup_change.go.

// meetupFormData is the meetup form, with what was typed and what to fix.
type meetupFormData struct {
	Heading string
	Action  string
	Submit  string
	CSRF    string
	Back    string // the page the form came from
	Edit    bool
	Fields  eventform.Fields
	Zones   []zoneGroup
	// Errors by field: title, description, date, end, time_zone, place,
	// latitude, capacity, join_mode, picture; "form" when no field is to blame.
	Errors  map[string]string
	Uploads bool
	Alt     string             // the picture's description as typed
	Picture *models.Attachment // the meetup's picture, on an edit
}

// zoneGroup is a region's zones in the form's select.
type zoneGroup struct {
	Region string
	Zones  []zoneOption
}

type zoneOption struct {
	Name     string
	Selected bool
}

// zoneGroups are the zones to choose from by region, chosen selected; a
// chosen zone that is not listed is offered too, so that it is kept.
func zoneGroups(chosen string) []zoneGroup {
	var out []zoneGroup
	found := false
	for _, z := range meetupZones() {
		region, _, ok := strings.Cut(z, "/")
		if !ok {
			region = z
		}
		if len(out) == 0 || out[len(out)-1].Region != region {
			out = append(out, zoneGroup{Region: region})
		}
		g := &out[len(out)-1]
		g.Zones = append(g.Zones, zoneOption{Name: z, Selected: z == chosen})
		found = found || z == chosen
	}
	if !found && chosen != "" {
		out = append([]zoneGroup{{Region: chosen, Zones: []zoneOption{{Name: chosen, Selected: true}}}}, out...)
	}
	return out
}

// defaultZone is the zone a new meetup of a group starts in: that of its
// last meetup, else the zone the instance runs in when it has an IANA
// name, else UTC.
func (h *Handler) defaultZone(ctx context.Context, groupID int64) (string, error) {
	zone, err := models.LastEventZone(ctx, h.db, groupID)
	if err != nil || zone != "" {
		return zone, err
	}
	if name := time.Local.String(); name != "Local" && name != "" {
		if _, err := time.LoadLocation(name); err == nil {
			return name, nil
		}
	}
	return "UTC", nil
}

// readMeetupForm reads the posted fields and the picture into d (storing
// nothing), noting a picture that cannot be taken.
func (h *Handler) readMeetupForm(c echo.Context, d *meetupFormData) ([]photoUpload, error) {
	var f eventform.Fields
	if err := c.Bind(&f); err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read the meetup")
	}
	f.StartTime, f.EndTime = "", "" // the form speaks in a date and clock times in the zone
	d.Fields = f
	d.Fields.TimeZone = strings.TrimSpace(f.TimeZone)
	d.Zones = zoneGroups(d.Fields.TimeZone)
	cf := composeForm{Errors: d.Errors}
	photos, err := h.readPhotos(c, &cf)
	if len(cf.Alts) > 0 {
		d.Alt = cf.Alts[0]
	}
	pictureErrorOf(d, &cf)
	if len(photos) > 1 {
		d.Errors["picture"] = i18n.Text("meetups.error.picture")
		photos = nil
	}
	return photos, err
}

// storeMeetupPicture stores the picture of a form that is otherwise
// right; one it cannot take is noted in d, nothing stored.
func (h *Handler) storeMeetupPicture(ctx context.Context, v *models.Account, d *meetupFormData, photos []photoUpload) ([]*models.Media, error) {
	cf := composeForm{Errors: d.Errors}
	saved, err := h.savePhotos(ctx, v, photos, &cf)
	if err != nil {
		return nil, err
	}
	pictureErrorOf(d, &cf)
	return saved, nil
}

// dropMeetupPicture discards the picture stored for a meetup the outbox
// refused, so that nothing is left of it: the form asks for it again.
func (h *Handler) dropMeetupPicture(ctx context.Context, v *models.Account, d *meetupFormData, saved []*models.Media) {
	if len(saved) > 0 {
		h.media.DiscardPhotos(ctx, v.Actor.ID, mediaIDs(saved))
		d.Errors["picture"] = i18n.Text("meetups.error.picture_again")
	}
}

// pictureErrorOf moves what the photo reader found wrong to the form's
// picture field.
func pictureErrorOf(d *meetupFormData, cf *composeForm) {
	if msg, ok := cf.Errors["photos"]; ok {
		delete(cf.Errors, "photos")
		d.Errors["picture"] = msg
	}
}

// checkMeetup reads the fields into e, with the bounds of a meetup
// (earliest: the earliest start allowed), noting what is wrong; it
// returns the title.
func checkMeetup(d *meetupFormData, e *models.Event, earliest time.Time) string {
	title, err := d.Fields.Event(e)
	if err == nil {
		err = e.Validate(earliest)
	}
	if field, msg, ok := meetupProblem(err); ok {
		d.Errors[field] = msg
	}
	return title
}

// meetupProblem says which field a refusal of eventform or of
// models.Event.Validate is about, and what to tell the member; ok is
// false for any other error.
func meetupProblem(err error) (field, msg string, ok bool) {
	var formErr *eventform.Error
	var reason string
	switch {
	case err == nil:
		return "", "", false
	case errors.As(err, &formErr):
		reason = formErr.Reason
	case errors.Is(err, models.ErrInvalidEvent):
		reason = err.Error()
	default:
		return "", "", false
	}
	r := strings.ToLower(reason)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(r, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("title is longer"):
		return "title", i18n.Format("meetups.error.title_long", models.MaxEventTitle), true
	case has("needs a title"):
		return "title", i18n.Text("meetups.error.title"), true
	case has("description"):
		return "description", i18n.Format("meetups.error.description", models.MaxPostLength), true
	case has("time zone"):
		return "time_zone", i18n.Text("meetups.error.zone"), true
	case has("in the past"):
		return "date", i18n.Text("meetups.error.past"), true
	case has("five years"):
		return "date", i18n.Text("meetups.error.far"), true
	case has("end time", "ends before", "lasts"):
		return "end", i18n.Format("meetups.error.end", int(models.MaxEventLength.Hours()/24)), true
	case has("date", "start"):
		return "date", i18n.Text("meetups.error.date"), true
	case has("latitude", "coordinates"):
		return "latitude", i18n.Text("meetups.error.coordinates"), true
	case has("capacity"):
		return "capacity", i18n.Format("meetups.error.capacity", models.MaxEventCapacity), true
	case has("join mode"):
		return "join_mode", i18n.Text("meetups.error.join"), true
	case has("place field"):
		return "place", i18n.Format("meetups.error.place", models.MaxPlaceField), true
	}
	return "form", reason, true
}

// meetupFormAgain shows the form again with what was typed and what to
// fix: 422.
func (h *Handler) meetupFormAgain(c echo.Context, d meetupFormData) error {
	return h.memberPage(c, http.StatusUnprocessableEntity, "meetup_form", d.Heading, "", d)
}

// refuseMeetup is the 403 page of someone who may not plan or change a
// meetup, saying why.
func (h *Handler) refuseMeetup(c echo.Context, text string) error {
	heading := i18n.Text("meetups.refused")
	return h.page(c, http.StatusForbidden, "error", heading, errorData{Status: http.StatusForbidden, Heading: heading, Text: text})
}

// meetupRefused answers an outbox refusal of a meetup: the form again
// (422) for what the member can fix, the 403 page for who may not, and
// the error itself (a 5xx) for what is ours.
func (h *Handler) meetupRefused(c echo.Context, d meetupFormData, groupTitle string, err error) error {
	var warn *outbox.WarningRequiredError
	switch {
	case errors.As(err, &warn):
		d.Errors["description"] = i18n.Format("speaking.error.cw_required", warn.Topic.Name)
	case errors.Is(err, outbox.ErrNotMember):
		return h.refuseMeetup(c, i18n.Format("meetups.error.not_member", groupTitle))
	case errors.Is(err, outbox.ErrModeratorsOnly):
		return h.refuseMeetup(c, i18n.Format("meetups.error.mods_only", groupTitle))
	case errors.Is(err, outbox.ErrNotOrganizer):
		return h.refuseMeetup(c, i18n.Text("meetups.error.not_organizer"))
	default:
		field, msg, ok := meetupProblem(err)
		if !ok {
			return err
		}
		d.Errors[field] = msg
	}
	return h.meetupFormAgain(c, d)
}
