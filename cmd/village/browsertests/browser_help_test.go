package browsertests

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/village-social/village/internal/testenv"
)

// What the organizer writes for helpers only; the helper's page must not
// hold it before she signs up, nor after she gives her place back.
const (
	helpAddress = "12 Elm Street, apt 3, Brooklyn"
	helpNotes   = "Tobi is allergic to nuts: https://allergy.example.org/plans/okafor-family-nut-free-kitchen"
)

var helpPageRE = regexp.MustCompile(`/help/(\d+)\?done=opened`)

// TestBrowserHelpCalendarOnAPhone is a meal train in headless Chromium at
// phone width: maya opens one for a family through the form, bea signs up
// for Tuesday's dinner, changes what she brings and gives it back, and
// maya fills a slot for a neighbour not on Village, clears it, posts an
// update, pauses and closes the calendar. Every state passes axe-core's
// WCAG A/AA rules and does not scroll sideways at 320 and 390 px; the
// form, the organizer's page and the helper's page are photographed.
func TestBrowserHelpCalendarOnAPhone(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.220:0"})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents", "--location", "Park Slope, Brooklyn")
	for _, name := range []string{"maya", "bea"} {
		c := v.User(name)
		var group testenv.Account
		c.Get("/api/v1/accounts/lookup?acct=park_slope", &group)
		c.Post("/api/v1/accounts/"+group.ID+"/follow", nil, nil)
		if !testenv.RelationshipOf(t, c, group.ID).Following {
			t.Fatalf("%s is not a member of park_slope", name)
		}
	}

	// A week from the first Tuesday at least two days away, so that no
	// slot's day is over in any time zone; dinners on Tuesday and Thursday.
	tue := time.Now().UTC().AddDate(0, 0, 2)
	for tue.Weekday() != time.Tuesday {
		tue = tue.AddDate(0, 0, 1)
	}
	thu := tue.AddDate(0, 0, 2)
	tueDay, thuDay := tue.Format("Monday 2 January"), thu.Format("Monday 2 January") // as the page writes a day

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Resize(testenv.PhoneWidth)
	logIn(t, b, "maya")

	var page string // the calendar's path
	ok := t.Run("creating", func(t *testing.T) {
		b := b.In(t)
		b.Visit("/groups/park_slope/help")
		b.Submit("main a[href='/groups/park_slope/help/new']")
		b.WaitText("main h1", "Open a help calendar")
		checkPhone(t, b, "")

		b.Fill("#h-title", "Meals for the Okafors")
		b.Fill("#h-recipient", "Ada Okafor")
		b.Fill("#h-story", "Ada is home after surgery with a newborn. Let's keep the family fed for a week. Her recipes: https://recipes.example.org/collections/okafor-family-favourites-2026")
		setValue(t, b, "#h-kind", "meals")
		setValue(t, b, "#h-starts", tue.Format(time.DateOnly))
		setValue(t, b, "#h-ends", tue.AddDate(0, 0, 6).Format(time.DateOnly))
		b.Click("input[name=days][value=tue]")
		b.Click("input[name=days][value=thu]")
		b.Fill("#h-slots", "18:00 dinner")
		b.Fill("#h-places", "1")
		setValue(t, b, "#h-zone", "America/New_York")
		b.Fill("#h-address", helpAddress)
		b.Fill("#h-notes", helpNotes)
		b.Fill("#h-dropoff", "17:30 to 18:30")
		b.Click("input[name=no_visits]")
		b.Screenshot("help-form", testenv.PhoneWidth)

		// A last day before the first gives the form back, saying so in
		// the form's words, with nothing she typed lost.
		setValue(t, b, "#h-ends", tue.AddDate(0, 0, -1).Format(time.DateOnly))
		if code := b.Submit("main form.meetup-form [type=submit]"); code != http.StatusUnprocessableEntity {
			t.Fatalf("a calendar ending before it starts answered %d", code)
		}
		if got := b.Text("main .form-error"); got != "Please check Last day: the last day comes after the first." {
			t.Errorf("the form given back says %q", got)
		}
		for field, want := range map[string]string{"#h-title": "Meals for the Okafors", "#h-address": helpAddress, "#h-slots": "18:00 dinner"} {
			if got := value(t, b, field); got != want {
				t.Errorf("the form given back has %s = %q, want %q", field, got, want)
			}
		}
		checkPhone(t, b, "")
		setValue(t, b, "#h-ends", tue.AddDate(0, 0, 6).Format(time.DateOnly))
		if code := b.Submit("main form.meetup-form [type=submit]"); code != http.StatusOK {
			t.Fatalf("opening answered %d: %s", code, b.Text("main"))
		}
		m := helpPageRE.FindStringSubmatch(b.Location())
		if m == nil {
			t.Fatalf("after opening the browser is on %s, not the calendar", b.Location())
		}
		page = "/help/" + m[1]
		b.WaitText("main .flash", "The calendar is open")
		b.WaitText("main h1", "Meals for the Okafors")
		b.WaitText("main .page-head", "for Ada Okafor")
		b.WaitText("main .page-head", "America/New_York")
		wantSlots(t, b, tueDay+": 18:00 dinner 1 of 1 places free", thuDay+": 18:00 dinner 1 of 1 places free")
		// She organizes: the notes for helpers are hers to see.
		if got := b.Text("#private .help-address"); got != helpAddress {
			t.Errorf("the organizer sees the address %q, want %q", got, helpAddress)
		}
		b.WaitText("#private", helpNotes)
		b.WaitText("#private", "Please don't stay")
		checkPhone(t, b, "")
	})
	if !ok {
		return
	}

	ok = t.Run("claiming", func(t *testing.T) {
		b := b.In(t)
		logOut(t, b)
		logIn(t, b, "bea")
		b.Visit(page)
		b.WaitText("main h1", "Meals for the Okafors")
		wantNoPrivate(t, b, "before signing up")
		checkPhone(t, b, "")

		b.Fill("#slots form[action$='/claim'] input[name=bringing]", "lasagna, no nuts")
		b.Submit("#slots form[action$='/claim'] [type=submit]")
		b.WaitText("main .flash", "Thank you for signing up")
		b.WaitText("#mine", tueDay+", 18:00 dinner")
		if got := value(t, b, "#mine input[name=bringing]"); got != "lasagna, no nuts" {
			t.Errorf("her sign-up says she brings %q", got)
		}
		wantSlots(t, b, tueDay+": 18:00 dinner 0 of 1 places free bea: lasagna, no nuts", thuDay+": 18:00 dinner 1 of 1 places free")
		if got := b.Text("#private .help-address"); got != helpAddress {
			t.Errorf("after signing up the helper sees the address %q, want %q", got, helpAddress)
		}
		b.WaitText("#private", helpNotes)
		checkPhone(t, b, "help-helper")

		b.Fill("#mine input[name=bringing]", "lasagna and a salad, no nuts")
		b.Submit("#mine form:not([action$='/give_back']) [type=submit]")
		b.WaitText("main .flash", "Saved")
		wantSlots(t, b, tueDay+": 18:00 dinner 0 of 1 places free bea: lasagna and a salad, no nuts", thuDay+": 18:00 dinner 1 of 1 places free")
		checkPhone(t, b, "")

		b.Submit("#mine form[action$='/give_back'] [type=submit]")
		b.WaitText("main .flash", "You gave your place back")
		if b.Has("#mine") {
			t.Errorf("after giving her place back she still has sign-ups: %s", b.Text("#mine"))
		}
		wantSlots(t, b, tueDay+": 18:00 dinner 1 of 1 places free", thuDay+": 18:00 dinner 1 of 1 places free")
		wantNoPrivate(t, b, "after giving her place back")
		checkPhone(t, b, "")
	})
	if !ok {
		return
	}

	t.Run("organizing", func(t *testing.T) {
		b := b.In(t)
		logOut(t, b)
		logIn(t, b, "maya")
		b.Visit(page)

		setValue(t, b, "#update-kind", "update")
		b.Fill("#update-text", "Ada is home and resting. Thank you all! Photos: https://photos.example.org/albums/okafor-family-meal-train-week-one")
		b.Submit("#updates form [type=submit]")
		b.WaitText("main .flash", "Posted")
		b.WaitText("#updates article", "Ada is home and resting. Thank you all! Photos: https://photos.example.org/albums/okafor-family-meal-train-week-one")
		b.WaitText("#updates article", "An update to the helpers")
		checkPhone(t, b, "")

		// Tuesday's slot, for a neighbour who is not on Village.
		b.Fill("#slots form[action$='/fill'] input[name=name]", "Joan from church")
		b.Submit("#slots form[action$='/fill'] [type=submit]")
		b.WaitText("main .flash", "The slot is filled")
		wantSlots(t, b, tueDay+": 18:00 dinner 0 of 1 places free Joan from church", thuDay+": 18:00 dinner 1 of 1 places free")
		checkPhone(t, b, "help-organizer")
		// The richest page in the dark theme too (its badges and quiet buttons).
		b.ColorScheme("dark")
		b.CheckAccessibility(t)
		b.ColorScheme("light")

		b.Submit("#slots form[action$='/clear'] [type=submit]")
		b.WaitText("main .flash", "The slot is free again")
		wantSlots(t, b, tueDay+": 18:00 dinner 1 of 1 places free", thuDay+": 18:00 dinner 1 of 1 places free")
		checkPhone(t, b, "")

		b.Submit("#organize form:has(input[name=status][value=paused]) [type=submit]")
		b.WaitText("main .flash", "The calendar's status changed")
		b.WaitText("main .page-head .badge", "Paused")
		b.WaitVisible("#organize form:has(input[name=status][value=open]) [type=submit]")
		if b.Has("#slots form[action$='/claim']") {
			t.Error("a paused calendar offers its slots to sign up for")
		}
		checkPhone(t, b, "")

		b.Submit("#organize form:has(input[name=status][value=closed]) [type=submit]")
		b.WaitText("main .page-head .badge", "Closed")
		// Nothing left to do on it: no form, and no Organize section left empty.
		for _, sel := range []string{"main form", "#organize"} {
			if b.Has(sel) {
				t.Errorf("the closed calendar still has %s: %s", sel, b.Text(sel))
			}
		}
		b.WaitText("#updates article", "Ada is home and resting")
		checkPhone(t, b, "")

		// The group's list says it is closed.
		b.Visit("/groups/park_slope/help")
		b.WaitText("main article", "Meals for the Okafors")
		b.WaitText("main article .badge", "Closed")
		checkPhone(t, b, "")
	})
}

// logIn logs name in through the log-in form (v.User's password).
func logIn(t *testing.T, b *testenv.Browser, name string) {
	t.Helper()
	b.Visit("/login")
	b.Fill("#login", name)
	b.Fill("#password", "password-"+name)
	if code := b.Submit("main form[action='/login'] [type=submit]"); code != http.StatusOK {
		t.Fatalf("logging %s in answered %d: %s", name, code, b.Text("main"))
	}
	b.WaitText("header", "Log out")
}

// logOut logs out through the header's button.
func logOut(t *testing.T, b *testenv.Browser) {
	t.Helper()
	b.Submit("header form[action='/logout'] button")
	b.WaitVisible("header a[href='/login']")
}

// setValue sets a date, time or select field as the phone's picker would.
func setValue(t *testing.T, b *testenv.Browser, selector, v string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(selector), v)); err != nil {
		t.Fatalf("setting %s: %v", selector, err)
	}
}

// value is what a field holds.
func value(t *testing.T, b *testenv.Browser, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("the value of %s: %v", selector, err)
	}
	return s
}

// evaluate runs a JavaScript expression on the page.
func evaluate[T any](t *testing.T, b *testenv.Browser, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return r
}

// wantSlots checks the calendar's slots, each as "DAY: TEXT" where TEXT is
// the slot's visible text with its lines joined by spaces.
func wantSlots(t *testing.T, b *testenv.Browser, want ...string) {
	t.Helper()
	got := evaluate[[]string](t, b, `[...document.querySelectorAll("#slots .help-day .help-slots > li")].map(li =>
		li.closest(".help-day").querySelector("h3").innerText + ": " +
		[...li.querySelectorAll(":scope > p, :scope > ul li")].map(e => e.innerText.trim()).join(" "))`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the slots read:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// wantNoPrivate checks that the page, in its HTML and not only on screen,
// holds neither the address nor the notes.
func wantNoPrivate(t *testing.T, b *testenv.Browser, when string) {
	t.Helper()
	html := evaluate[string](t, b, `document.documentElement.outerHTML`)
	for _, secret := range []string{helpAddress, helpNotes} {
		if strings.Contains(html, secret) {
			t.Errorf("%s the helper's page holds %q", when, secret)
		}
	}
	if b.Has("#private") {
		t.Errorf("%s the helper's page has the address and notes section", when)
	}
}

// sidewaysJS lists the elements that reach past the window's right edge,
// "" when the page does not scroll sideways.
const sidewaysJS = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= w) return "";
	const wide = [...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > w + 0.5);
	return wide.slice(0, 5).map(e => e.outerHTML.slice(0, 120)).join("\n    ") || "(no one element)";
})()`

// checkPhone checks that the page does not scroll sideways on a small
// phone (320 px) or a common one (390 px), and passes axe-core at 390 px;
// with a name it also writes the page's screenshot at 390 px.
func checkPhone(t *testing.T, b *testenv.Browser, screenshot string) {
	t.Helper()
	for _, width := range []int{320, testenv.PhoneWidth} {
		b.Resize(width)
		if wide := evaluate[string](t, b, sidewaysJS); wide != "" {
			t.Errorf("%s scrolls sideways at %d px; too wide:\n    %s", b.Location(), width, wide)
		}
	}
	b.CheckAccessibility(t)
	if screenshot != "" {
		b.Screenshot(screenshot, testenv.PhoneWidth)
	}
}
