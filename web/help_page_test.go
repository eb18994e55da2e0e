package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// helpSite is a member site where maria (a moderator of brooklyn_moms),
// bea and carol are members of brooklyn_moms and dan is not.
type helpSite struct {
	*site
	maria, bea, carol, dan *browser
	ids                    map[string]int64 // actor ids by username
}

func newHelpSite(t *testing.T) *helpSite {
	t.Helper()
	h := &helpSite{site: newMemberSite(t), ids: map[string]int64{}}
	for _, who := range []struct {
		name string
		b    **browser
		join bool
	}{{"maria", &h.maria, true}, {"bea", &h.bea, true}, {"carol", &h.carol, true}, {"dan", &h.dan, false}} {
		acc, b := h.member(who.name)
		if who.join {
			b.join("brooklyn_moms")
		}
		*who.b, h.ids[who.name] = b, acc.Actor.ID
	}
	if err := models.AddModerator(context.Background(), h.db, "brooklyn_moms", "maria"); err != nil {
		t.Fatal(err)
	}
	return h
}

// helpAddress and helpNotes are what only organizers, the recipient and
// helpers may read.
const (
	helpAddress = "12 Elm Street, apt 3"
	helpNotes   = "Allergic to peanuts"
)

func helpForm() url.Values {
	today := time.Now().UTC()
	return url.Values{"title": {"Meals for Rosa"}, "kind": {"meals"}, "recipient_name": {"Rosa"},
		"story": {"Rosa had surgery; let's feed the family."}, "starts_on": {today.Format(time.DateOnly)},
		"ends_on": {today.AddDate(0, 0, 3).Format(time.DateOnly)}, "slots": {"18:00 dinner"}, "places": {"1"},
		"time_zone": {"UTC"}, "address": {helpAddress}, "notes": {helpNotes}, "no_visits": {"on"},
		"fund_url": {"https://fund.example/rosa"}}
}

var helpPathRE = regexp.MustCompile(`^/help/(\d+)\?done=opened$`)

// open opens a calendar in brooklyn_moms as b and returns its page.
func (h *helpSite) open(b *browser, form url.Values) string {
	h.t.Helper()
	loc := location(h.t, b.submit("/groups/brooklyn_moms/help/new", "/groups/brooklyn_moms/help/new", form))
	m := helpPathRE.FindStringSubmatch(loc)
	if m == nil {
		h.t.Fatalf("after opening, sent to %q", loc)
	}
	return "/help/" + m[1]
}

var claimFormRE = regexp.MustCompile(`action="(/help/\d+/slots/\d+)/claim"`)

// firstFreeSlot is the path of the first slot b may claim on page.
func firstFreeSlot(t *testing.T, b *browser, page string) string {
	t.Helper()
	m := claimFormRE.FindStringSubmatch(b.page(page))
	if m == nil {
		t.Fatalf("%s offers no slot to claim", page)
	}
	return m[1]
}

func (h *helpSite) claims(t *testing.T, who string) []int64 {
	t.Helper()
	rows, err := h.db.Query(context.Background(), `SELECT id FROM help_claims WHERE actor_id = $1 ORDER BY id`, h.ids[who])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestHelpCalendarOpensAndShowsTheAddressOnlyToOrganizersAndHelpers(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	page := h.open(h.maria, helpForm())
	slot := firstFreeSlot(t, h.bea, page)
	wantStatus(t, "bea claims", h.bea.submit(page, slot+"/claim", url.Values{"bringing": {"lasagna, no nuts"}}), http.StatusSeeOther)

	wantIn(t, "the organizer's page", h.maria.page(page), helpAddress, helpNotes, "Village does not move money", "lasagna, no nuts")
	wantIn(t, "the helper's page", h.bea.page(page), helpAddress, helpNotes, "Your sign-ups", "lasagna, no nuts")
	carolPage := h.carol.page(page)
	wantIn(t, "a member's page", carolPage, "Meals for Rosa", "lasagna, no nuts", "/report?actor=")
	wantNotIn(t, "a member's page", carolPage, helpAddress, helpNotes)
	wantIn(t, "the group's list", h.carol.page("/groups/brooklyn_moms/help"), "Meals for Rosa")
	wantNotIn(t, "the group's list", h.carol.page("/groups/brooklyn_moms/help"), helpAddress, helpNotes)
	wantIn(t, "the members page", h.carol.page("/groups/brooklyn_moms/join"), "/groups/brooklyn_moms/help")

	for _, path := range []string{page, "/groups/brooklyn_moms/help", "/groups/brooklyn_moms/help/new"} {
		rec := h.dan.get(path)
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), helpAddress) || strings.Contains(rec.Body.String(), "Meals for Rosa") {
			t.Errorf("a non-member's GET %s: %d, shows the calendar: %v", path, rec.Code, strings.Contains(rec.Body.String(), "Meals for Rosa"))
		}
		rec = h.browser().get(path)
		if rec.Code != http.StatusSeeOther || strings.Contains(rec.Body.String(), "Meals for Rosa") {
			t.Errorf("a visitor's GET %s: %d, want the log-in", path, rec.Code)
		}
	}
	// Not on the group's public page or its feed either.
	for _, path := range []string{"/groups/brooklyn_moms", "/groups/brooklyn_moms/feed.rss"} {
		rec := h.browser().get(path)
		wantNotIn(t, "public "+path, rec.Body.String(), "Meals for Rosa", helpAddress)
	}
	// A non-member may not claim.
	rec := h.dan.post(slot+"/claim", url.Values{"csrf": {h.dan.csrf("/groups/brooklyn_moms")}})
	if rec.Code != http.StatusNotFound || len(h.claims(t, "dan")) != 0 {
		t.Errorf("a non-member's claim: %d, %d stored", rec.Code, len(h.claims(t, "dan")))
	}
}

func TestHelpCalendarRefusesOversizedNotesAndStoresNothing(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	form := helpForm()
	form.Set("notes", strings.Repeat("n", models.HelpNotesMax+1))
	rec := h.maria.submit("/groups/brooklyn_moms/help/new", "/groups/brooklyn_moms/help/new", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("oversized notes: %d, want 422", rec.Code)
	}
	wantIn(t, "the refusal", rec.Body.String(), "notes")
	var n int
	if err := h.db.QueryRow(context.Background(), `SELECT count(*) FROM help_calendars`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d calendars stored (%v)", n, err)
	}
}

func TestHelpClaimOfAnotherIsRefusedAndAFullSlotToo(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	page := h.open(h.maria, helpForm())
	slot := firstFreeSlot(t, h.bea, page)
	wantStatus(t, "bea claims", h.bea.submit(page, slot+"/claim", url.Values{"bringing": {"soup"}}), http.StatusSeeOther)
	beas := h.claims(t, "bea")
	claimPath := page + "/claims/" + strconv.FormatInt(beas[0], 10)
	if rec := h.carol.submit(page, claimPath, url.Values{"bringing": {"nothing"}}); rec.Code != http.StatusForbidden {
		t.Errorf("carol changes bea's claim: %d, want 403", rec.Code)
	}
	if rec := h.carol.submit(page, claimPath+"/give_back", url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("carol gives back bea's claim: %d, want 403", rec.Code)
	}
	if rec := h.carol.submit(page, slot+"/claim", url.Values{}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("carol claims a full slot: %d, want 422", rec.Code)
	}
	wantIn(t, "bea's claim after carol's tries", h.maria.page(page), "soup")
	if got := h.claims(t, "carol"); len(got) != 0 {
		t.Errorf("carol holds %v", got)
	}
	wantStatus(t, "bea changes", h.bea.submit(page, claimPath, url.Values{"bringing": {"stew"}}), http.StatusSeeOther)
	wantIn(t, "after bea's change", h.maria.page(page), "stew")
	wantStatus(t, "bea gives back", h.bea.submit(page, claimPath+"/give_back", url.Values{}), http.StatusSeeOther)
	if got := h.claims(t, "bea"); len(got) != 0 {
		t.Errorf("bea still holds %v", got)
	}
}

// TestHelpPlacesOfSomeoneWhoLeavesTheGroupAreFreed: a helper who leaves
// the group can no longer see its calendars, so her places go back to
// the calendar (a meal in her name would be one nobody brings); another
// helper's stay.
func TestHelpPlacesOfSomeoneWhoLeavesTheGroupAreFreed(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	page := h.open(h.maria, helpForm())
	wantStatus(t, "bea claims", h.bea.submit(page, firstFreeSlot(t, h.bea, page)+"/claim", url.Values{}), http.StatusSeeOther)
	wantStatus(t, "carol claims", h.carol.submit(page, firstFreeSlot(t, h.carol, page)+"/claim", url.Values{}), http.StatusSeeOther)
	wantStatus(t, "bea leaves", h.bea.submit("/groups/brooklyn_moms", "/groups/brooklyn_moms/leave", url.Values{}), http.StatusSeeOther)
	if got := h.claims(t, "bea"); len(got) != 0 {
		t.Errorf("a member who left still holds %v", got)
	}
	if got := h.claims(t, "carol"); len(got) != 1 {
		t.Errorf("carol, still a member, holds %v, want her one place", got)
	}
}

func TestHelpClosingAndABanReleaseClaims(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	page := h.open(h.maria, helpForm())
	second := h.open(h.maria, helpForm())
	wantStatus(t, "bea claims", h.bea.submit(page, firstFreeSlot(t, h.bea, page)+"/claim", url.Values{}), http.StatusSeeOther)
	wantStatus(t, "carol claims", h.carol.submit(page, firstFreeSlot(t, h.carol, page)+"/claim", url.Values{}), http.StatusSeeOther)
	wantStatus(t, "carol claims", h.carol.submit(second, firstFreeSlot(t, h.carol, second)+"/claim", url.Values{}), http.StatusSeeOther)

	wantStatus(t, "maria bans bea", h.maria.submit("/groups/brooklyn_moms/manage", "/groups/brooklyn_moms/bans",
		url.Values{"handle": {"bea"}, "reason": {"unkind"}}), http.StatusSeeOther)
	if got := h.claims(t, "bea"); len(got) != 0 {
		t.Errorf("the banned member still holds %v", got)
	}
	if rec := h.bea.get(page); rec.Code != http.StatusNotFound {
		t.Errorf("the banned member sees the calendar: %d", rec.Code)
	}

	// A helper may not close it; the organizer may, and the helpers' places are freed.
	if rec := h.carol.submit(page, page+"/status", url.Values{"status": {"closed"}}); rec.Code != http.StatusForbidden {
		t.Errorf("a helper closes: %d", rec.Code)
	}
	wantStatus(t, "maria closes", h.maria.submit(page, page+"/status", url.Values{"status": {"closed"}}), http.StatusSeeOther)
	if got := h.claims(t, "carol"); len(got) != 1 {
		t.Errorf("after closing one calendar carol holds %v, want her place in the other only", got)
	}
	wantIn(t, "the organizer's closed calendar", h.maria.page(page), "Closed")
	if rec := h.carol.get(page); rec.Code != http.StatusNotFound {
		t.Errorf("a member sees a closed calendar: %d", rec.Code)
	}
}
