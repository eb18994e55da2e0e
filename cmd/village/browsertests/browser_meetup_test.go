package browsertests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/village-social/village/internal/testenv"
)

// TestMeetupPlannedOnAPhoneInARealBrowser is a parent planning the
// Saturday park meetup from her phone, in headless Chromium: from the
// group's page to the form, a date that has passed given back with its
// message, then the meetup's page, where she comments. The form, the form
// given back and the meetup's page pass axe-core's WCAG A/AA rules.
func TestMeetupPlannedOnAPhoneInARealBrowser(t *testing.T) {
	t.Parallel()
	const name, password = "maya", "a long enough passphrase"
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.181:0"})
	v.Admin("admin", "signups", "open")
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents", "--location", "Park Slope, Brooklyn")

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Resize(testenv.PhoneWidth)
	b.Visit("/signup")
	b.Fill("#username", name)
	b.Fill("#password", password)
	if b.Has("#password_confirm") {
		b.Fill("#password_confirm", password)
	}
	if code := b.Submit("main form[action='/signup'] [type=submit]"); code != http.StatusOK {
		t.Fatalf("sign-up answered %d: %s", code, b.Text("main"))
	}
	b.Visit("/groups/park_slope")
	b.Submit("main form[action='/groups/park_slope/join'] [type=submit]")
	b.WaitText("main", "You joined Park Slope Parents")

	b.Visit("/groups/park_slope")
	b.Submit("main a[href='/groups/park_slope/events/new']")
	b.WaitText("main h1", "Plan a meetup in Park Slope Parents")
	b.CheckAccessibility(t)

	// Date, time and select inputs take their values as the phone's pickers set them.
	set := func(selector, value string) {
		t.Helper()
		if err := chromedp.Do(b.Ctx, chromedp.SetValue(chromedp.CSS(selector), value)); err != nil {
			t.Fatalf("setting %s: %v", selector, err)
		}
	}
	b.Fill("#m-title", "Saturday in the park")
	b.Fill("#m-description", "Bring snacks; we meet by the big oak.")
	set("#m-date", "2020-05-02")
	set("#m-start", "10:00")
	set("#m-end", "12:00")
	set("#m-zone", "America/New_York")
	b.Fill("#m-place", "Long Meadow")
	b.Fill("#m-locality", "Brooklyn")
	b.Fill("#m-capacity", "15")
	if code := b.Submit("main form.meetup-form [type=submit]"); code != http.StatusUnprocessableEntity {
		t.Fatalf("a meetup in the past answered %d", code)
	}
	b.WaitText("main", "This date and time have passed")
	if got := b.Text("main"); !strings.Contains(got, "Please fix what is marked below") {
		t.Errorf("the form given back says: %s", got)
	}
	b.CheckAccessibility(t)

	set("#m-date", "2027-05-01")
	if code := b.Submit("main form.meetup-form [type=submit]"); code != http.StatusOK {
		t.Fatalf("planning answered %d: %s", code, b.Text("main"))
	}
	if !strings.Contains(b.Location(), "/events/") {
		t.Fatalf("after planning the browser is on %s", b.Location())
	}
	b.WaitText("main h1", "Saturday in the park")
	b.WaitText("main", "Sat 1 May 2027, 10:00–12:00")
	b.WaitText("main", "Add to calendar")

	b.Fill("#reply-text", "I will bring the bubbles.")
	b.Submit("main form.compose [type=submit]")
	b.WaitText("main .replies", "I will bring the bubbles.")
	checkEveryWay(t, b, "meetup-page")
}
