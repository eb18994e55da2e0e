package browsertests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// TestMemberJourneyInARealBrowser is a new member's first evening, in
// headless Chromium: she signs up, joins a group from its page, posts into
// it with a content warning, sees the post in the group (folded under the
// warning), answers it in its thread, finds her home feed and a
// notification, and logs out. The home feed, the page after posting and
// the notifications pass axe-core's WCAG A/AA rules, and the home feed and
// the notifications are photographed at phone and desktop widths.
func TestMemberJourneyInARealBrowser(t *testing.T) {
	t.Parallel()
	const name, password = "maya", "a long enough passphrase"
	const logout = "header form[action='/logout'] button"
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.68:0"})
	v.Admin("admin", "signups", "open")
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents",
		"--summary", "Swaps, playdates and advice for parents around Prospect Park.", "--location", "Park Slope, Brooklyn")
	alice := v.User("alice")
	v.Admin("admin", "group", "moderator", "add", "park_slope", "alice")

	b := newBrowser(t)
	b.BaseURL = v.BaseURL

	// Sign up; sign-ups are open, so she is signed in at once.
	b.Visit("/signup")
	b.Fill("#username", name)
	b.Fill("#password", password)
	if b.Has("#password_confirm") {
		b.Fill("#password_confirm", password)
	}
	if code := b.Submit("main form[action='/signup'] [type=submit]"); code != http.StatusOK {
		t.Fatalf("sign-up answered %d: %s", code, b.Text("main"))
	}
	b.WaitVisible(logout)

	// Join the group from its page.
	b.Visit("/groups/park_slope")
	b.Submit("main form[action='/groups/park_slope/join'] [type=submit]")
	b.WaitText("main", "You joined Park Slope Parents")

	// Post into it, with a content warning, from the group's page.
	b.Visit("/groups/park_slope")
	b.Fill("#group-post-text", "Is anyone else up at 4 am with a teething baby?")
	b.Fill("#group-post-summary", "Sleep")
	if code := b.Submit("main form.compose [type=submit]"); code != http.StatusOK {
		t.Fatalf("posting answered %d: %s", code, b.Text("main"))
	}
	// Back on the group's page, the post is there, folded under its warning.
	if loc := b.Location(); !strings.HasSuffix(loc, "/groups/park_slope") {
		t.Fatalf("after posting the browser is on %s, not the group's page", loc)
	}
	b.WaitText("main", "Content warning: Sleep")
	if b.Has("main details.cw[open]") {
		t.Error("the post is not folded under its content warning")
	}
	b.Click("main details.cw summary")
	b.WaitText("main details.cw", "teething baby")
	b.CheckAccessibility(t)
	b.Screenshots("member-posted")

	// Reply in its thread: the post's Reply link leads to the form under it.
	b.Submit("main article.post .post-actions a[href$='#reply']")
	b.WaitVisible("#reply-text")
	postPath := urlPath(b.Location())
	b.Fill("#reply-text", "Answering myself: a cold washcloth helped.")
	b.Submit("main form.compose [type=submit]")
	if got := urlPath(b.Location()); got != postPath {
		t.Errorf("after replying the browser is on %s, want the post's page %s", got, postPath)
	}
	b.WaitText("main .replies", "a cold washcloth helped")
	b.CheckAccessibility(t)

	// Her membership page, and the edit and delete steps of her post,
	// pass the same checks.
	for _, p := range []struct{ path, show string }{
		{"/groups/park_slope/join", "Leave this group"},
		{postPath + "/edit", "Save changes"},
		{postPath + "/delete", "Delete this post?"},
	} {
		b.Visit(p.path)
		b.WaitText("main", p.show)
		b.CheckAccessibility(t)
	}

	// The moderator likes her post; she finds it in her notifications.
	id := strings.TrimPrefix(postPath, "/posts/")
	if code := alice.Do(http.MethodPost, "/api/v1/statuses/"+id+"/favourite", nil, nil); code != http.StatusOK {
		t.Fatalf("liking through the API answered %d", code)
	}

	b.Visit("/home")
	b.WaitText("main", "Content warning: Sleep")
	b.WaitText("main", "Shared by Park Slope Parents")
	checkEveryWay(t, b, "member-home")

	b.Visit("/notifications")
	b.WaitText("main", "alice liked your post")
	checkEveryWay(t, b, "member-notifications")

	// Log out: member pages send her to log in again.
	b.Submit(logout)
	b.WaitVisible("header a[href='/login']")
	b.Visit("/home")
	if !strings.Contains(b.Location(), "/login?next=") {
		t.Errorf("signed out, /home shows %s", b.Location())
	}
}
