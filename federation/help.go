package federation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/village-social/village/models"
)

// Help calendars on the wire (docs/help-calendars.md). A calendar travels
// as a Note, which every server shows as a title, its story and a link,
// carrying a helpCalendar object of Village's vocabulary with its slots,
// which another Village reads to let its members claim them. What only
// helpers may know (the address, the notes) is never in it: the group
// sends it to a claimer alone, in its Accept of her Join.

// HelpNamespace is the IRI of Village's vocabulary; HelpContextPath is
// where each instance serves the JSON-LD context defining its terms.
const (
	HelpNamespace   = "https://github.com/village-social/village/ns#"
	HelpContextPath = "/ns/village"
)

// helpTerms are the terms of Village's vocabulary, with their JSON-LD types.
var helpTerms = map[string]any{
	"village":       HelpNamespace,
	"helpCalendar":  "village:helpCalendar",
	"HelpCalendar":  "village:HelpCalendar",
	"HelpSlot":      "village:HelpSlot",
	"HelpDetails":   "village:HelpDetails",
	"helpKind":      "village:helpKind",
	"helpStatus":    "village:helpStatus",
	"helpClaim":     map[string]any{"@id": "village:helpClaim", "@type": "@id"},
	"helpDetails":   "village:helpDetails",
	"recipient":     map[string]any{"@id": "village:recipient", "@type": "@id"},
	"recipientName": "village:recipientName",
	"openedBy":      map[string]any{"@id": "village:openedBy", "@type": "@id"},
	"organizers":    map[string]any{"@id": "village:organizers", "@type": "@id"},
	"helpers":       map[string]any{"@id": "village:helpers", "@type": "@id"},
	"signup":        map[string]any{"@id": "village:signup", "@type": "@id"},
	"slots":         "village:slots",
	"story":         "village:story",
	"startDate":     map[string]any{"@id": "village:startDate", "@type": "xsd:date"},
	"endDate":       map[string]any{"@id": "village:endDate", "@type": "xsd:date"},
	"day":           map[string]any{"@id": "village:day", "@type": "xsd:date"},
	"atTime":        "village:atTime",
	"timeZone":      "village:timeZone",
	"places":        map[string]any{"@id": "village:places", "@type": "xsd:nonNegativeInteger"},
	"taken":         map[string]any{"@id": "village:taken", "@type": "xsd:nonNegativeInteger"},
	"bringing":      "village:bringing",
	"fundUrl":       map[string]any{"@id": "village:fundUrl", "@type": "@id"},
	"fundNote":      "village:fundNote",
	"address":       "village:address",
	"notes":         "village:notes",
	"dropOff":       "village:dropOff",
	"noVisits":      map[string]any{"@id": "village:noVisits", "@type": "xsd:boolean"},
	"xsd":           "http://www.w3.org/2001/XMLSchema#",
}

// HelpContextDocument is the JSON-LD context served at HelpContextPath.
func HelpContextDocument() map[string]any {
	terms := make(map[string]any, len(helpTerms))
	for k, v := range helpTerms {
		terms[k] = v
	}
	return map[string]any{"@context": terms}
}

// HelpContext is the @context of a help document from the instance at
// base: the usual one, and Village's, by the address it is served at.
func HelpContext(base string) []any {
	return append(Context(), strings.TrimSuffix(base, "/")+HelpContextPath)
}

const helpSlotMark = "#slot-"

// HelpSlotID is the id of a calendar's slot: the calendar's id and a fragment.
func HelpSlotID(calendarURI string, slotID int64) string {
	return calendarURI + helpSlotMark + strconv.FormatInt(slotID, 10)
}

// ParseHelpSlotID splits a slot's id into its calendar's id and the
// slot's number there; false for anything else.
func ParseHelpSlotID(id string) (calendarURI string, slotID int64, ok bool) {
	cal, num, found := strings.Cut(id, helpSlotMark)
	if !found || cal == "" {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return cal, n, true
}

// HelpCalendarDoc is what the wire says of a calendar: everything but
// the private details and what each helper brings.
type HelpCalendarDoc struct {
	ID        string // the calendar's id: its page too
	Group     string // the group's id: the calendar's author and audience
	Followers string // the group's followers: the only addressees
	Title     string
	Content   string // HTML for servers that show only a Note
	Story     string // sanitized HTML
	Kind      string
	Status    string
	TimeZone  string
	StartsOn  time.Time // dates
	EndsOn    time.Time
	OpenedBy  string
	Recipient string // a member it is for, when she is one
	// RecipientName is the person it is for, in words.
	RecipientName string
	Organizers    []string
	FundURL       string
	FundNote      string
	Signup        string // the sign-up poll for Mastodon's kin
	Slots         []HelpSlotDoc
	Published     time.Time
	Updated       time.Time
}

// HelpSlotDoc is a slot on the wire: how many places it has, how many
// are taken, and which members took them (the names an organizer filled
// in stay at home: they count in Taken only).
type HelpSlotDoc struct {
	ID      string
	Name    string
	Day     time.Time
	At      string // "15:00" in the calendar's zone, or ""
	Places  int
	Taken   int
	Helpers []string
}

const dateLayout = "2006-01-02"

// HelpCalendarDocument is the calendar as a Note carrying helpCalendar,
// addressed to the group's followers only.
func HelpCalendarDocument(base string, d HelpCalendarDoc) map[string]any {
	slots := make([]any, 0, len(d.Slots))
	for _, s := range d.Slots {
		slot := map[string]any{"type": "HelpSlot", "id": s.ID, "name": s.Name, "day": s.Day.Format(dateLayout),
			"places": s.Places, "taken": s.Taken, "helpers": stringsOrEmpty(s.Helpers)}
		if s.At != "" {
			slot["atTime"] = s.At
		}
		slots = append(slots, slot)
	}
	cal := map[string]any{"type": "HelpCalendar", "helpKind": d.Kind, "helpStatus": d.Status,
		"startDate": d.StartsOn.Format(dateLayout), "endDate": d.EndsOn.Format(dateLayout), "timeZone": d.TimeZone,
		"recipientName": d.RecipientName, "openedBy": d.OpenedBy, "organizers": stringsOrEmpty(d.Organizers),
		"story": d.Story, "slots": slots}
	for key, value := range map[string]string{"recipient": d.Recipient, "fundUrl": d.FundURL, "fundNote": d.FundNote, "signup": d.Signup} {
		if value != "" {
			cal[key] = value
		}
	}
	doc := map[string]any{
		"@context": HelpContext(base), "id": d.ID, "type": "Note", "attributedTo": d.Group, "audience": d.Group,
		"to": []string{d.Followers}, "cc": []string{}, "name": d.Title, "content": d.Content, "url": d.ID,
		"published": d.Published.UTC().Format(time.RFC3339), "helpCalendar": cal,
	}
	if !d.Updated.IsZero() && d.Updated.After(d.Published) {
		doc["updated"] = d.Updated.UTC().Format(time.RFC3339)
	}
	return doc
}

// IsHelpCalendar reports whether o carries a help calendar.
func IsHelpCalendar(o Object) bool {
	return o.Embedded("helpCalendar").Type() == "HelpCalendar"
}

// HelpCalendarFromObject reads a help calendar another Village sent.
// Its slots must be its own (their ids start with the calendar's), its
// dates real and its numbers in Village's bounds; long text is cut to
// the bounds, an unknown kind is "other". Story and Content are as sent:
// the caller sanitizes them.
func HelpCalendarFromObject(o Object) (*HelpCalendarDoc, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidNote, o.ID(), fmt.Sprintf(format, args...))
	}
	cal := o.Embedded("helpCalendar")
	if cal.Type() != "HelpCalendar" {
		return nil, bad("no helpCalendar")
	}
	d := &HelpCalendarDoc{ID: o.ID(), Group: o.Ref("attributedTo"), Title: cutRunes(strings.TrimSpace(o.String("name")), models.HelpTitleMax),
		Content: o.String("content"), Story: cal.String("story"), Kind: cal.String("helpKind"), Status: cal.String("helpStatus"),
		TimeZone: cal.String("timeZone"), OpenedBy: cal.Ref("openedBy"), Recipient: cal.Ref("recipient"),
		RecipientName: cutRunes(cal.String("recipientName"), models.HelpNameMax), Organizers: cal.Refs("organizers"),
		FundURL: cal.String("fundUrl"), FundNote: cutRunes(cal.String("fundNote"), models.HelpFundNoteMax), Signup: cal.Ref("signup")}
	switch {
	case d.ID == "" || d.Group == "":
		return nil, bad("a help calendar needs an id and its group in attributedTo")
	case !SameOrigin(d.ID, d.Group):
		return nil, bad("a help calendar comes from its group's server")
	case d.Title == "":
		return nil, bad("a help calendar needs a name")
	case !slices.Contains([]string{models.HelpOpen, models.HelpPaused, models.HelpClosed}, d.Status):
		return nil, bad("helpStatus %q is not open, paused or closed", d.Status)
	}
	if !slices.Contains(models.HelpKinds(), d.Kind) {
		d.Kind = "other"
	}
	if _, err := time.LoadLocation(d.TimeZone); err != nil || d.TimeZone == "" {
		d.TimeZone = "UTC"
	}
	if len(d.FundURL) > models.HelpFundURLMax || (d.FundURL != "" && !strings.HasPrefix(d.FundURL, "https://") && !strings.HasPrefix(d.FundURL, "http://")) {
		d.FundURL = ""
	}
	var err error
	if d.StartsOn, err = time.Parse(dateLayout, cal.String("startDate")); err != nil {
		return nil, bad("startDate is no date")
	}
	if d.EndsOn, err = time.Parse(dateLayout, cal.String("endDate")); err != nil || d.EndsOn.Before(d.StartsOn) ||
		d.EndsOn.Sub(d.StartsOn) > models.HelpMaxDays*24*time.Hour {
		return nil, bad("endDate is no date within %d days of startDate", models.HelpMaxDays)
	}
	slots, _ := cal["slots"].([]any)
	if len(slots) > models.HelpMaxSlots {
		return nil, bad("more than %d slots", models.HelpMaxSlots)
	}
	for _, raw := range slots {
		m, _ := raw.(map[string]any)
		s, err := helpSlotFrom(Object(m), d)
		if err != nil {
			return nil, bad("%v", err)
		}
		d.Slots = append(d.Slots, s)
	}
	d.Published, _ = time.Parse(time.RFC3339, o.String("published"))
	d.Updated, _ = time.Parse(time.RFC3339, o.String("updated"))
	return d, nil
}

func helpSlotFrom(o Object, cal *HelpCalendarDoc) (HelpSlotDoc, error) {
	s := HelpSlotDoc{ID: o.ID(), Name: cutRunes(strings.TrimSpace(o.String("name")), models.HelpLabelMax), At: o.String("atTime"),
		Helpers: o.Refs("helpers")}
	if calURI, _, ok := ParseHelpSlotID(s.ID); !ok || calURI != cal.ID {
		return s, fmt.Errorf("slot %q is not one of the calendar's", s.ID)
	}
	if s.Name == "" {
		return s, fmt.Errorf("slot %s has no name", s.ID)
	}
	day, err := time.Parse(dateLayout, o.String("day"))
	if err != nil || day.Before(cal.StartsOn) || day.After(cal.EndsOn) {
		return s, fmt.Errorf("slot %s: day is no date within the calendar's", s.ID)
	}
	s.Day = day
	if _, err := time.Parse("15:04", s.At); err != nil {
		s.At = ""
	}
	places, ok1 := wholeNumber(o["places"])
	taken, ok2 := wholeNumber(o["taken"])
	if !ok1 || !ok2 || places < 1 || places > models.HelpMaxPlaces || taken < 0 {
		return s, fmt.Errorf("slot %s: places is 1 to %d and taken a count", s.ID, models.HelpMaxPlaces)
	}
	s.Places, s.Taken = places, min(taken, places)
	if len(s.Helpers) > places {
		s.Helpers = s.Helpers[:places]
	}
	return s, nil
}

// wholeNumber reads a JSON number that is a whole one.
func wholeNumber(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// HelpJoin is a member's claim of a slot on another server: Join of the
// slot, with the calendar as target and what she brings.
type HelpJoin struct {
	ID, Actor, Slot, Calendar, Group string
	Bringing                         string
}

// HelpJoinDocument is the Join a member's server sends the group.
func HelpJoinDocument(base string, j HelpJoin) map[string]any {
	doc := map[string]any{"@context": HelpContext(base), "id": j.ID, "type": "Join", "actor": j.Actor, "object": j.Slot,
		"target": j.Calendar, "to": []string{j.Group}}
	if j.Bringing != "" {
		doc["bringing"] = j.Bringing
	}
	return doc
}

// HelpLeaveDocument is the Leave that gives a place back.
func HelpLeaveDocument(base, id, actor, slot, calendar, group string) map[string]any {
	return map[string]any{"@context": HelpContext(base), "id": id, "type": "Leave", "actor": actor, "object": slot,
		"target": calendar, "to": []string{group}}
}

// HelpAnswer is the group's answer to a Join of a slot: Accept with the
// claim's id and the private details, to the claimer alone, or Reject
// saying why.
type HelpAnswer struct {
	ID, Group string
	Join      JoinRef // Event is the slot's id
	Claim     string  // Accept: the claim's id at home
	Details   *models.HelpPrivate
	Reason    string // Reject: in words
}

// HelpAnswerDocument is Accept{Join} or Reject{Join} of a slot.
func HelpAnswerDocument(base, typ string, a HelpAnswer) map[string]any {
	doc := map[string]any{"@context": HelpContext(base), "id": a.ID, "type": typ, "actor": a.Group,
		"object": map[string]any{"id": a.Join.ID, "type": "Join", "actor": a.Join.Actor, "object": a.Join.Event},
		"to":     []string{a.Join.Actor}}
	if a.Claim != "" {
		doc["helpClaim"] = a.Claim
	}
	if a.Details != nil {
		doc["helpDetails"] = map[string]any{"type": "HelpDetails", "address": a.Details.Address, "notes": a.Details.Notes,
			"dropOff": a.Details.DropOff, "noVisits": a.Details.NoVisits}
	}
	if a.Reason != "" {
		doc["content"] = a.Reason
	}
	return doc
}

// HelpDetailsFrom reads the private details of an Accept, cut to Village's bounds.
func HelpDetailsFrom(o Object) (models.HelpPrivate, bool) {
	d := o.Embedded("helpDetails")
	if d.Type() != "HelpDetails" {
		return models.HelpPrivate{}, false
	}
	return models.HelpPrivate{Address: cutRunes(d.String("address"), models.HelpAddressMax),
		Notes: cutRunes(d.String("notes"), models.HelpNotesMax), DropOff: cutRunes(d.String("dropOff"), models.HelpDropOffMax),
		NoVisits: d.Bool("noVisits")}, true
}
