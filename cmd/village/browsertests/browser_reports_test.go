package browsertests

import (
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// TestReportingAPostAndWorkingTheQueueInARealBrowser: a member reports a
// post from its thread in headless Chromium, and the group's moderator
// finds it in the queue and resolves it. The report form, the thank-you
// page and the queue pass axe-core's WCAG A/AA rules in both themes at
// phone and desktop widths, and their screenshots go to test-artifacts/.
func TestReportingAPostAndWorkingTheQueueInARealBrowser(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.45:0"})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents")
	v.User("mona")
	v.Admin("admin", "group", "moderator", "add", "park_slope", "mona")
	nina, bob := v.User("nina"), v.User("bob")
	testenv.JoinLocalGroup(t, nina, "park_slope")
	testenv.JoinLocalGroup(t, bob, "park_slope")
	rude := testenv.PostStatus(t, bob, url.Values{"status": {"@park_slope if your baby cries on the bus you are a bad parent"}})

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Visit("/login?next=" + url.QueryEscape("/posts/"+rude.ID))
	b.Fill("#login", "nina")
	b.Fill("#password", "password-nina")
	b.Submit("main form[action='/login'] [type=submit]")
	b.WaitText("main", "bad parent")
	b.Submit("main a[href='/report?post=" + rude.ID + "']")
	b.WaitVisible("#comment")
	b.WaitText("main", "moderators of Park Slope Parents")
	t.Run("report form", func(t *testing.T) { checkEveryWay(t, b.In(t), "report-form") })
	b.Fill("#comment", "Shaming parents is against our rules.")
	b.Submit("main form[action='/report'] [type=submit]")
	b.WaitText("main", "Thank you for your report")
	t.Run("report sent", func(t *testing.T) { checkEveryWay(t, b.In(t), "report-sent") })

	b.Submit("header form[action='/logout'] button")
	b.Visit("/login?next=" + url.QueryEscape("/groups/park_slope/manage"))
	b.Fill("#login", "mona")
	b.Fill("#password", "password-mona")
	b.Submit("main form[action='/login'] [type=submit]")
	b.Submit("main a[href='/groups/park_slope/reports']")
	b.WaitText("main", "Shaming parents is against our rules.")
	if text := b.Text("main"); !strings.Contains(text, "bad parent") || !strings.Contains(text, "nina") {
		t.Errorf("the queue shows:\n%s", text)
	}
	t.Run("queue", func(t *testing.T) { checkEveryWay(t, b.In(t), "reports-queue") })
	b.Submit("main form[action$='/resolve'] button")
	b.WaitText("main", "Report resolved.")
	b.WaitText("main", "No open reports")
}
