package browsertests

import (
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
)

// TestInstanceModeratorSuspendsBlocksAndMembersBlockInARealBrowser: an
// instance moderator logs in in headless Chromium, suspends a member and
// blocks a server from the moderation page; a member blocks someone from
// their profile. Both pages pass axe-core's WCAG A/AA rules in both themes
// at phone and desktop widths (screenshots in test-artifacts/).
func TestInstanceModeratorSuspendsBlocksAndMembersBlockInARealBrowser(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.37:0"})
	v.User("mo")
	v.Admin("admin", "user", "role", "mo", "moderator")
	v.User("tess")
	pia := v.User("pia")
	testenv.PostStatus(t, pia, url.Values{"status": {"Swings are fixed at the park!"}})
	v.Admin("admin", "domain", "block", "loud.example", "--severity", "silence", "--reason", "too many ads")

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Visit("/login?next=%2Fadmin%2Fmoderation")
	b.Fill("#login", "mo")
	b.Fill("#password", "password-mo")
	b.Submit("main form[action='/login'] [type=submit]")
	b.WaitText("main", "Keeping this village safe")
	b.WaitText("main", "loud.example")
	t.Run("moderation page", func(t *testing.T) { checkEveryWay(t, b.In(t), "moderation") })

	b.Fill("#reason-tess", "harassment")
	b.Submit("main form[action='/admin/users/tess/suspend'] button")
	b.WaitText("main", "Suspended: they can no longer log in")
	if !b.Has("main form[action='/admin/users/tess/unsuspend']") {
		t.Error("no button to lift tess's suspension")
	}
	b.Fill("#domain", "spam.example")
	b.Submit("main form[action='/admin/domain_blocks'] [type=submit]")
	b.WaitText("main", "The server is blocked.")
	b.WaitText("#log", "spam.example")
	if out := v.Admin("admin", "domain", "list"); !strings.Contains(out, "spam.example") || !strings.Contains(out, "suspend") {
		t.Errorf("the block made on the page: %q", out)
	}

	b.Visit("/users/pia")
	b.WaitText("main", "Block or mute")
	t.Run("profile with block and mute", func(t *testing.T) { checkEveryWay(t, b.In(t), "profile-block") })
	b.Submit("main .profile-safety form[action$='/block'] button")
	b.WaitText("main", "Unblock")
	if rel := testenv.BlockRelationshipOf(t, v.ClientFor("mo"), pia.MeID()); !rel.Blocking {
		t.Errorf("after the profile's Block button: %+v", rel)
	}
}
