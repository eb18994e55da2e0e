package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// A helper's own calendar feed holds her slot with the address; another
// member's feed holds neither.
func TestHelpSlotIsInTheHelpersCalendarFeedWithTheAddress(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	page := h.open(h.maria, helpForm())
	wantStatus(t, "bea claims", h.bea.submit(page, firstFreeSlot(t, h.bea, page)+"/claim", url.Values{"bringing": {"soup"}}),
		http.StatusSeeOther)
	feed := func(who string) string {
		t.Helper()
		token, err := models.CalendarToken(context.Background(), h.db, h.ids[who])
		if err != nil {
			t.Fatal(err)
		}
		rec := h.browser().get("/calendars/" + token + "/meetups.ics")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s's feed: %d", who, rec.Code)
		}
		return strings.ReplaceAll(rec.Body.String(), "\r\n ", "") // unfold
	}
	bea := feed("bea")
	wantIn(t, "bea's feed", bea, "SUMMARY:Meals for Rosa: dinner", "LOCATION:12 Elm Street\\, apt 3", "You bring: soup")
	carol := feed("carol")
	wantNotIn(t, "carol's feed", carol, "Meals for Rosa", helpAddress)
}

// The day-before reminder reaches the helper's notifications page, says
// nothing of the address, and links the calendar.
func TestHelpReminderShowsOnTheHelpersNotificationsPage(t *testing.T) {
	t.Parallel()
	h := newHelpSite(t)
	form := helpForm()
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	form.Set("starts_on", tomorrow)
	form.Set("ends_on", tomorrow)
	page := h.open(h.maria, form)
	wantStatus(t, "bea claims", h.bea.submit(page, firstFreeSlot(t, h.bea, page)+"/claim", url.Values{}), http.StatusSeeOther)
	if n, err := models.RemindHelpers(context.Background(), h.db, time.Now()); err != nil || n != 1 {
		t.Fatalf("reminded of %d (%v)", n, err)
	}
	notices := h.bea.page("/notifications")
	wantIn(t, "bea's notifications", notices, "you signed up to help tomorrow", `href="`+page+`"`)
	wantNotIn(t, "bea's notifications", notices, helpAddress)
	wantNotIn(t, "carol's notifications", h.carol.page("/notifications"), "you signed up to help tomorrow")
}
