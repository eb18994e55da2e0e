package browsertests

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// TestModeratorApprovesAJoinRequestInARealBrowser: a member asks, through
// the API, to join a members-only group; its moderator logs in in headless
// Chromium, sets the group's join questions, sees the request with the
// member's profile and answers, and approves it, after which the member
// follows the group. The manage, settings and admin pages pass axe-core's
// WCAG A/AA rules in both themes at phone and desktop widths, and their
// screenshots go to test-artifacts/.
func TestModeratorApprovesAJoinRequestInARealBrowser(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.67:0"})
	v.Admin("admin", "user", "create", "ada", "--password", "password-ada", "--admin")
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents",
		"--summary", "Swaps, playdates and advice for parents around Prospect Park.",
		"--location", "Park Slope, Brooklyn", "--private")
	mona := v.User("mona")
	v.Admin("admin", "group", "moderator", "add", "park_slope", "mona")
	mona.Post("/api/v1/statuses", url.Values{"status": {"@park_slope Welcome, everyone! Playground meetup on Saturday at 10."}}, nil)
	nina := v.User("nina")

	// Nina asks to join through the API, as a Mastodon app would.
	var group testenv.Account
	nina.Get("/api/v1/accounts/lookup?acct=park_slope", &group)
	nina.Post("/api/v1/accounts/"+group.ID+"/follow", nil, nil)
	if rel := testenv.RelationshipOf(t, nina, group.ID); rel.Following || !rel.Requested {
		t.Fatalf("before approval: %+v, want requested", rel)
	}
	// Her profile, and the answers the member pages would keep with the request.
	ctx := context.Background()
	db, err := models.Open(ctx, v.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acc, err := models.AccountByUsername(ctx, db, "nina")
	if err != nil {
		t.Fatal(err)
	}
	if err := models.UpdateProfile(ctx, db, acc.Actor.ID, models.ProfileEdit{DisplayName: "Nina Alvarez",
		Bio: "Mum of twins, new on 7th Street."}); err != nil {
		t.Fatal(err)
	}
	g, err := models.GroupByName(ctx, db, "park_slope")
	if err != nil {
		t.Fatal(err)
	}
	follow, err := models.FollowBetween(ctx, db, acc.Actor.ID, g.Actor.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.SetJoinAnswers(ctx, db, follow.ID, "Where do you live?\nOn 7th Street, near the park.\n\nHow old are your kids?\nTwins, 2 years old."); err != nil {
		t.Fatal(err)
	}
	// And a sign-up waiting for the admin.
	if _, _, err := models.Register(ctx, db, models.SignUp{Mode: models.SignupApproval, Reason: "We just moved to Park Slope.",
		Account: models.NewAccount{Username: "sam", Password: "password-sam", Email: "sam@example.org"}}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	b.BaseURL = v.BaseURL

	// Signed out, the manage page asks to log in, then comes back.
	b.Visit("/groups/park_slope/manage")
	b.WaitVisible("main input[type=password]")
	b.Fill("#login", "mona")
	b.Fill("#password", "password-mona")
	b.Submit("main form[action='/login'] [type=submit]")
	if loc := b.Location(); !strings.HasSuffix(loc, "/groups/park_slope/manage") {
		t.Fatalf("after logging in the browser is on %s, want the manage page", loc)
	}

	t.Run("settings", func(t *testing.T) {
		b := b.In(t)
		b.Visit("/groups/park_slope/settings")
		b.WaitVisible("#join_questions")
		checkEveryWay(t, b, "manage-settings")
		b.Fill("#join_questions", "Where do you live?\nHow old are your kids?")
		b.Submit("main form.settings [type=submit]")
		b.WaitText("main", "The settings are saved")
	})

	b.Visit("/groups/park_slope/manage")
	b.WaitText("main", "Nina Alvarez")
	for _, want := range []string{"@nina@" + v.Addr, "Mum of twins", "On 7th Street, near the park.", "Twins, 2 years old.",
		"Playground meetup on Saturday"} {
		b.WaitText("main", want)
	}
	t.Run("manage page", func(t *testing.T) { checkEveryWay(t, b.In(t), "manage") })

	b.Submit("main .request form[action$='/approve'] button")
	b.WaitText("main", "Approved")
	b.WaitText("main", "Nobody is waiting to join")
	if rel := testenv.RelationshipOf(t, nina, group.ID); !rel.Following || rel.Requested {
		t.Errorf("after approval: %+v, want following", rel)
	}

	t.Run("admin", func(t *testing.T) {
		b := b.In(t)
		b.Submit("header form[action='/logout'] button")
		b.Visit("/login?next=%2Fadmin")
		b.Fill("#login", "ada")
		b.Fill("#password", "password-ada")
		b.Submit("main form[action='/login'] [type=submit]")
		b.WaitText("main", "Running this village")
		b.WaitText("main", "We just moved to Park Slope.")
		checkEveryWay(t, b, "admin")
		b.Submit("main form[action='/admin/users/sam/approve'] button")
		b.WaitText("main", "they can log in now")
		if b.Has("main form[action='/admin/users/sam/approve']") {
			t.Error("sam is still waiting after approval")
		}
		b.Fill("#name", "Park Slope Village")
		b.Submit("main form[action='/admin/settings'] [type=submit]")
		b.WaitText("main", "The settings are saved")
		b.Submit("main form[action='/admin/invites'] [type=submit]")
		b.WaitText("main", "/signup?invite=")
	})
}
