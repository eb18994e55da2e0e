package browsertests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// The instance of the group moderation test in a browser, on the loopback
// address kept for it (a port picked at start).
const addrModBrowser = "127.0.0.28:0"

// A moderator bans a member and removes a post in a real browser, then
// reads the audit log; the pages pass the accessibility checks, in both
// colour schemes and both widths.
func TestModeratorBansRemovesAndReadsTheLogInARealBrowser(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrModBrowser})
	v.Admin("admin", "group", "create", "park", "--title", "Park Parents")
	v.User("olga")
	v.Admin("admin", "group", "moderator", "add", "park", "olga")
	maya := v.User("maya")
	testenv.JoinFromVillage(t, maya, "park")
	raffle := testenv.PostStatus(t, maya, url.Values{"status": {"@park selling raffle tickets, DM me"}})
	nina := v.User("nina")
	testenv.JoinFromVillage(t, nina, "park")
	testenv.PostStatus(t, nina, url.Values{"status": {"nobody wants your tickets"}, "in_reply_to_id": {raffle.ID}})

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Visit("/login?next=%2Fgroups%2Fpark%2Fmanage")
	b.Fill("#login", "olga")
	b.Fill("#password", "password-olga")
	b.Submit("main form[action='/login'] [type=submit]")

	if text := b.Text("#moderation"); !strings.Contains(text, "nobody wants your tickets") || !strings.Contains(text, "raffle tickets") {
		t.Errorf("the moderation list does not offer both the post and its reply")
	}
	b.Fill("#ban-handle", "nina")
	b.Fill("#ban-reason", "rude to new members")
	b.Submit("form[action='/groups/park/bans'] [type=submit]")
	b.WaitText("main", "The member is banned")
	if !strings.Contains(b.Text("#moderation"), "rude to new members") {
		t.Errorf("the ban list lacks the ban")
	}
	b.Fill("#reason-"+raffle.ID, "no selling")
	b.Submit("#moderation form[action='/groups/park/remove']:has(#reason-" + raffle.ID + ") [type=submit]")
	b.WaitText("main", "The post was removed")
	if code := testenv.StatusCode(maya, raffle.ID); code != http.StatusNotFound {
		t.Errorf("the removed post through the API: %d, want 404", code)
	}
	t.Run("manage page", func(t *testing.T) { checkEveryWay(t, b.In(t), "manage-moderation") })

	b.Visit("/groups/park/log")
	for _, want := range []string{"banned", "rude to new members", "removed a post", "no selling"} {
		if !strings.Contains(b.Text("main"), want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	t.Run("audit log", func(t *testing.T) { checkEveryWay(t, b.In(t), "manage-log") })
	if code := nina.Do(http.MethodPost, "/api/v1/accounts/"+testenv.Lookup(t, nina, "park").ID+"/follow", nil, nil); code != http.StatusForbidden {
		t.Errorf("a banned member following again through the API: %d, want 403", code)
	}
}
