package browsertests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// The instance of the speaking-safely test in a browser, on the loopback
// address of the speaking tests (cmd/village/speaking_test.go; a port
// picked at start).
const speakA = "127.0.0.50:0"

// TestSpeakingSafelyInARealBrowser: a moderator sets her group's topics
// and allows anonymous posts; she posts anonymously (refused first for a
// missing warning, the text kept); she makes a filter and sees a post
// folded under it. Every page passes axe-core's WCAG A/AA rules.
func TestSpeakingSafelyInARealBrowser(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: speakA})
	v.Admin("admin", "group", "create", "after_loss", "--title", "After loss")
	alice, bob := v.User("alice"), v.User("bob")
	v.Admin("admin", "group", "moderator", "add", "after_loss", "alice")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "after_loss").ID+"/follow", nil, &rel)
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "bob").ID+"/follow", nil, &rel)
	testenv.PostStatus(t, bob, url.Values{"status": {"Sleep training night three went well"}})

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Visit("/login")
	b.Fill("#login", "alice")
	b.Fill("#password", "password-alice")
	b.Submit("main form[action='/login'] [type=submit]")
	b.WaitVisible("header form[action='/logout'] button")

	b.Visit("/groups/after_loss/settings/speaking")
	b.Fill("#topics", "loss: miscarriage, stillbirth, loss")
	b.Click("#allow_anonymous")
	if code := b.Submit("main form.settings [type=submit]"); code != http.StatusOK {
		t.Fatalf("saving: %d", code)
	}
	b.WaitText("main", "settings are saved")
	checkEveryWay(t, b, "speaking-settings")

	b.Visit("/groups/after_loss")
	b.WaitText("main", "miscarriage, stillbirth, loss")
	b.Fill("#group-post-text", "Two years since our stillbirth. Still here.")
	b.Click("#group-post-anonymous")
	if code := b.Submit("main form.compose [type=submit]"); code != http.StatusUnprocessableEntity {
		t.Errorf("posting without a warning: %d, want 422", code)
	}
	b.WaitText("main", "content warning")
	if !strings.Contains(b.Text("main"), "“loss”") {
		t.Errorf("the refusal does not name the topic: %s", b.Text("main"))
	}
	b.CheckAccessibility(t)
	b.Fill("#post-summary", "loss")
	if code := b.Submit("main form.compose [type=submit]"); code != http.StatusOK {
		t.Fatalf("posting with a warning: %d", code)
	}
	b.WaitText("main", "After loss")
	b.Click("main details.cw summary")
	b.WaitText("main details.cw", "From a member")
	checkEveryWay(t, b, "speaking-group")

	b.Visit("/settings/filters")
	b.Fill("#filter-title", "Sleep")
	b.Fill("#filter-keywords", "sleep training")
	if code := b.Submit("main form[action='/settings/filters'] [type=submit]"); code != http.StatusOK {
		t.Fatalf("adding a filter: %d", code)
	}
	b.WaitText("main", "Filter added")
	checkEveryWay(t, b, "settings-filters")

	b.Visit("/home")
	b.WaitText("main", "Filtered: Sleep")
	if b.Has("main details.filtered[open]") {
		t.Error("the filtered post is not folded")
	}
	b.Click("main details.filtered summary")
	b.WaitText("main details.filtered", "night three")
	checkEveryWay(t, b, "home-filtered")
}
