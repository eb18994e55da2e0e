package browsertests

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// browserPage is a page of the web app that TestPagesInARealBrowser opens.
type browserPage struct {
	name string // names its screenshots and its subtest
	path string
	// show is a text the page's main content must show, or, if it starts
	// with "css:", a selector that must match a visible element.
	show string
	// hide is a text the page's main content must not show (optional).
	hide string
}

// TestPagesInARealBrowser opens every public and account page the instance
// serves in headless Chromium, checks each shows what it is for, passes
// axe-core's WCAG A/AA rules with no serious or critical violation in the
// light and dark themes and at phone and desktop widths, and writes
// screenshots to test-artifacts/. Pages not built yet (anything but 200
// HTML to a plain GET) are skipped and logged. It also searches the
// directory by place through its form, and, with sign-up and log-in pages,
// signs up, logs in and logs out.
func TestPagesInARealBrowser(t *testing.T) {
	t.Parallel()
	started := time.Now()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.69:0"})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents",
		"--summary", "Swaps, playdates and advice for parents around Prospect Park.",
		"--location", "Park Slope, Brooklyn")
	v.Admin("admin", "group", "create", "nicu_leeds", "--title", "NICU parents of Leeds",
		"--summary", "For families with a little one in neonatal care.", "--location", "Leeds")
	alice := v.User("alice")
	v.Admin("admin", "group", "moderator", "add", "park_slope", "alice")
	var note testenv.Status
	alice.Post("/api/v1/statuses", url.Values{"status": {"@park_slope Who knows a kind pediatrician near the park?"}}, &note)

	pages := []browserPage{
		{name: "home", path: "/", show: "Park Slope Parents"},
		{name: "groups", path: "/groups", show: "NICU parents of Leeds"},
		{name: "groups-by-place", path: "/groups?near=Brooklyn", show: "Park Slope Parents", hide: "NICU parents of Leeds"},
		{name: "group", path: "/groups/park_slope", show: "Park Slope Parents"},
		{name: "post", path: urlPath(note.URI), show: "kind pediatrician"},
		{name: "profile", path: "/users/alice", show: "@alice"},
		{name: "join", path: "/join?uri=" + url.QueryEscape(v.BaseURL+"/groups/park_slope"), show: "css:main input[name=handle]"},
		{name: "login", path: "/login", show: "css:main input[type=password]"},
		{name: "signup", path: "/signup", show: "css:main input[type=password]"},
	}
	var open []browserPage
	for _, p := range pages {
		why := "no such page"
		if p.path != "" {
			why = notHTML(t, v.BaseURL+p.path)
		}
		if why != "" {
			t.Logf("skipped %s (%s): %s", p.name, p.path, why)
			continue
		}
		open = append(open, p)
	}
	if len(open) == 0 {
		t.Skip("the instance serves none of the web app's pages yet")
	}

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	for _, p := range open {
		t.Run(p.name, func(t *testing.T) {
			b := b.In(t)
			seen := len(b.ConsoleErrors())
			b.Visit(p.path)
			if sel, ok := strings.CutPrefix(p.show, "css:"); ok {
				b.WaitVisible(sel)
			} else {
				b.WaitText("main", p.show)
			}
			if p.hide != "" && strings.Contains(b.Text("main"), p.hide) {
				t.Errorf("%s shows %q", p.path, p.hide)
			}
			checkEveryWay(t, b, p.name)
			for _, m := range b.ConsoleErrors()[seen:] {
				t.Logf("console: %s", m)
			}
		})
	}

	if hasPage(open, "groups") {
		t.Run("directory-search", func(t *testing.T) {
			b := b.In(t)
			b.Visit("/groups")
			if !b.Has("#near") {
				t.Skip("the directory has no place field (#near)")
			}
			b.Fill("#near", "Brooklyn")
			b.Submit("main form[action='/groups'] [type=submit]")
			b.WaitText("main", "Park Slope Parents")
			if strings.Contains(b.Text("main"), "NICU parents of Leeds") {
				t.Errorf("searching near Brooklyn finds the Leeds group too, on %s", b.Location())
			}
		})
	}
	if hasPage(open, "signup") && hasPage(open, "login") {
		t.Run("journey", func(t *testing.T) { signUpLogInLogOut(t, b.In(t), v) })
	}
	t.Logf("browsed %d pages in %s", len(open), time.Since(started).Round(100*time.Millisecond))
}

// checkEveryWay runs the accessibility check and writes a screenshot at
// phone width in the light and dark themes, then at desktop width.
func checkEveryWay(t *testing.T, b *testenv.Browser, name string) {
	t.Helper()
	b.Resize(testenv.PhoneWidth)
	b.CheckAccessibility(t)
	b.Screenshot(name, testenv.PhoneWidth)
	b.ColorScheme("dark")
	b.CheckAccessibility(t)
	b.Screenshot(name+"-dark", testenv.PhoneWidth)
	b.ColorScheme("light")
	b.Resize(testenv.DesktopWidth)
	b.CheckAccessibility(t)
	b.Screenshot(name, testenv.DesktopWidth)
}

// signUpLogInLogOut signs a new member up through the form; in the
// default approval mode it checks she is told to wait, and approves her as
// an admin would. Then she logs in (the layout shows "Log out") and out.
func signUpLogInLogOut(t *testing.T, b *testenv.Browser, v *testenv.Village) {
	const name, password = "maya", "a long enough passphrase"
	const logout = "header form[action='/logout'] button"
	b.Visit("/signup")
	b.Fill("#username", name)
	b.Fill("#password", password)
	if b.Has("#password_confirm") {
		b.Fill("#password_confirm", password)
	}
	if b.Has("#reason") {
		b.Fill("#reason", "We just moved to Park Slope with our twins.")
	}
	if code := b.Submit("main form[action='/signup'] [type=submit]"); code != http.StatusOK {
		t.Fatalf("sign-up answered %d: %s", code, b.Text("main"))
	}
	if !b.Has(logout) {
		// Waiting for approval: the page must say so.
		if b.Has("#username") {
			t.Fatalf("the sign-up form came back: %s", b.Text("main"))
		}
		b.WaitText("main", name)
		b.CheckAccessibility(t)
		b.Screenshots("signup-pending")
		v.Admin("admin", "user", "approve", name) // as the instance's admin would
		b.Visit("/login")
		b.Fill("#login", name)
		b.Fill("#password", password)
		if code := b.Submit("main form[action='/login'] [type=submit]"); code != http.StatusOK {
			t.Fatalf("log-in answered %d: %s", code, b.Text("main"))
		}
	}
	b.WaitVisible(logout)
	b.WaitText("header", "Log out")
	b.CheckAccessibility(t)
	b.Screenshots("signed-in")
	if code := b.VisitStatus("/settings"); code == http.StatusOK && b.Has("main form") {
		b.CheckAccessibility(t)
		b.Screenshots("settings")
	} else {
		t.Logf("skipped the settings page: it answers %d", code)
	}
	b.Submit(logout)
	b.WaitVisible("header a[href='/login']")
	if b.Has(logout) {
		t.Fatalf("still logged in after Log out, on %s", b.Location())
	}

	// Back in, through the log-in form.
	b.Visit("/login")
	b.Fill("#login", name)
	b.Fill("#password", password)
	b.Submit("main form[action='/login'] [type=submit]")
	b.WaitText("header", "Log out")
	b.Submit(logout)
	b.WaitVisible("header a[href='/login']")
}

// notHTML is why a plain GET of u does not give a page of the web app
// ("" when it answers 200 with HTML); a server error fails the test, since
// that is a broken page, not a missing one.
func notHTML(t *testing.T, u string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
	if resp.StatusCode >= 500 {
		t.Errorf("GET %s: %s\n%s", u, resp.Status, body)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || ct != "text/html" {
		return "answers " + resp.Status + " " + resp.Header.Get("Content-Type")
	}
	return ""
}

func urlPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Path
}

func hasPage(pages []browserPage, name string) bool {
	for _, p := range pages {
		if p.name == name {
			return true
		}
	}
	return false
}
