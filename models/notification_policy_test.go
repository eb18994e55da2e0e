package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// A notification policy decides in the insert: accept shows it, filter
// keeps it out of sight (a mention opens a request), drop stores nothing;
// only what strangers can send is ever held back, and an accepted sender
// or a followed one always comes through.
func TestNotificationPolicyDecidesWhatIsShownHeldOrDropped(t *testing.T) {
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	stranger := f.Maria(t)
	publicPost := func(author int64, visibility string, n int) int64 {
		p := &models.Post{URI: fmt.Sprintf("https://mastodon.example/p/%d", n), AuthorID: author, Type: "Note", Visibility: visibility}
		if _, err := models.InsertPost(ctx, f.DB, p); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	filter := func(p models.NotificationPolicy) models.NotificationPolicy {
		p.ForNotFollowing = models.PolicyFilter
		return p
	}
	cases := []struct {
		name        string
		policy      func(models.NotificationPolicy) models.NotificationPolicy
		typ         string
		visibility  string
		follow      bool // the recipient follows the sender
		followedBy  bool // the sender follows the recipient (for three days)
		permitted   bool // the recipient accepted the sender's request before
		wantStored  bool
		wantShown   bool
		wantRequest bool
	}{
		{name: "default accepts a stranger's public mention", typ: models.NotifyMention, visibility: "public", wantStored: true, wantShown: true},
		{name: "default filters a stranger's private mention", typ: models.NotifyMention, visibility: "direct", wantStored: true, wantRequest: true},
		{name: "not following: filter holds a mention", policy: filter, typ: models.NotifyMention, visibility: "public", wantStored: true, wantRequest: true},
		{name: "not following: filter holds a favourite without a request", policy: filter, typ: models.NotifyFavourite, visibility: "public", wantStored: true},
		{name: "not following: a followed sender passes", policy: filter, typ: models.NotifyMention, visibility: "public", follow: true, wantStored: true, wantShown: true},
		{name: "not following: an accepted sender passes", policy: filter, typ: models.NotifyMention, visibility: "public", permitted: true, wantStored: true, wantShown: true},
		{name: "not following: drop stores nothing", policy: func(p models.NotificationPolicy) models.NotificationPolicy {
			p.ForNotFollowing = models.PolicyDrop
			return p
		}, typ: models.NotifyMention, visibility: "public"},
		{name: "an edit is never held back", policy: func(p models.NotificationPolicy) models.NotificationPolicy {
			p.ForNotFollowing = models.PolicyDrop
			return p
		}, typ: models.NotifyUpdate, visibility: "public", wantStored: true, wantShown: true},
		{name: "new accounts: a stranger seen today is held", policy: func(p models.NotificationPolicy) models.NotificationPolicy {
			p.ForNewAccounts = models.PolicyFilter
			return p
		}, typ: models.NotifyMention, visibility: "public", wantStored: true, wantRequest: true},
		{name: "not followers: one she follows but who does not follow her is held", policy: func(p models.NotificationPolicy) models.NotificationPolicy {
			p.ForNotFollowers = models.PolicyFilter
			return p
		}, typ: models.NotifyMention, visibility: "public", follow: true, wantStored: true, wantRequest: true},
		{name: "not followers: a follower of three days passes", policy: func(p models.NotificationPolicy) models.NotificationPolicy {
			p.ForNotFollowers = models.PolicyFilter
			return p
		}, typ: models.NotifyMention, visibility: "public", followedBy: true, wantStored: true, wantShown: true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			me := f.Person(t, fmt.Sprintf("parent%d", i))
			if c.policy != nil {
				if err := models.SetNotificationPolicy(ctx, f.DB, me.ID, c.policy(models.DefaultNotificationPolicy())); err != nil {
					t.Fatal(err)
				}
			}
			if c.follow {
				f.Follow(t, me, stranger)
			}
			if c.followedBy {
				f.Follow(t, stranger, me)
				if _, err := f.DB.Exec(ctx, `UPDATE follows SET created_at = now() - interval '4 days' WHERE follower_id = $1`, stranger.ID); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.DB.Exec(ctx, `DELETE FROM follows WHERE follower_id = $1`, stranger.ID) })
			}
			if c.permitted {
				if _, err := f.DB.Exec(ctx, `INSERT INTO notification_permissions (recipient_id, from_id) VALUES ($1, $2)`, me.ID, stranger.ID); err != nil {
					t.Fatal(err)
				}
			}
			postID := publicPost(stranger.ID, c.visibility, i)
			if err := models.Notify(ctx, f.DB, me.ID, c.typ, stranger.ID, &postID, nil); err != nil {
				t.Fatal(err)
			}
			var stored int
			if err := f.DB.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE recipient_id = $1`, me.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			shown, err := models.Notifications(ctx, f.DB, me.ID, nil, models.Page{})
			if err != nil {
				t.Fatal(err)
			}
			requests, err := models.NotificationRequests(ctx, f.DB, me.ID, models.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if (stored == 1) != c.wantStored || (len(shown) == 1) != c.wantShown || (len(requests) == 1) != c.wantRequest {
				t.Errorf("stored %d, shown %d, requests %d; want stored %v, shown %v, request %v",
					stored, len(shown), len(requests), c.wantStored, c.wantShown, c.wantRequest)
			}
		})
	}
}

// Accepting a request shows what its sender sent and lets the next
// through; dismissing one removes what was held, and the sender stays
// filtered.
func TestAcceptingAndDismissingNotificationRequests(t *testing.T) {
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	maria, lou := f.Maria(t), f.Lou(t)
	me := f.Person(t, "alice")
	p := models.DefaultNotificationPolicy()
	p.ForNotFollowing = models.PolicyFilter
	if err := models.SetNotificationPolicy(ctx, f.DB, me.ID, p); err != nil {
		t.Fatal(err)
	}
	mention := func(from *models.Actor, n int) {
		post := &models.Post{URI: fmt.Sprintf("https://x.example/p/%d", n), AuthorID: from.ID, Type: "Note", Visibility: "public"}
		if _, err := models.InsertPost(ctx, f.DB, post); err != nil {
			t.Fatal(err)
		}
		if err := models.Notify(ctx, f.DB, me.ID, models.NotifyMention, from.ID, &post.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	mention(maria, 1)
	mention(maria, 2)
	mention(lou, 3)
	requests, err := models.NotificationRequests(ctx, f.DB, me.ID, models.Page{})
	if err != nil || len(requests) != 2 {
		t.Fatalf("requests: %d (%v), want 2", len(requests), err)
	}
	byFrom := map[int64]*models.NotificationRequest{}
	for _, r := range requests {
		byFrom[r.FromID] = r
	}
	if byFrom[maria.ID].Count != 2 {
		t.Errorf("maria's request counts %d, want 2", byFrom[maria.ID].Count)
	}
	if err := models.AcceptNotificationRequests(ctx, f.DB, me.ID, []int64{byFrom[maria.ID].ID}); err != nil {
		t.Fatal(err)
	}
	if err := models.DismissNotificationRequests(ctx, f.DB, me.ID, []int64{byFrom[lou.ID].ID}); err != nil {
		t.Fatal(err)
	}
	mention(maria, 4)
	mention(lou, 5)
	shown, err := models.Notifications(ctx, f.DB, me.ID, nil, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 3 {
		t.Errorf("shown after accepting maria: %d, want her 3 mentions", len(shown))
	}
	requests, _ = models.NotificationRequests(ctx, f.DB, me.ID, models.Page{})
	if len(requests) != 1 || requests[0].FromID != lou.ID || requests[0].Count != 1 {
		t.Errorf("requests after dismissing lou and his new mention: %+v, want his one new", requests)
	}
}

// Favourites of one post group together, and with a follow group by
// kind; mentions never group; a group goes on joining its notifications
// until it spans 12 hours. A page counts groups, not notifications.
func TestNotificationGroupsFollowMastodonsKeys(t *testing.T) {
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	me := f.Person(t, "alice")
	post := func(n int) int64 {
		p := &models.Post{URI: fmt.Sprintf("https://village.example/p/%d", n), AuthorID: me.ID, Type: "Note", Visibility: "public", Local: true}
		if _, err := models.InsertPost(ctx, f.DB, p); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	first, second := post(1), post(2)
	var fans []*models.Actor
	for i := range 3 {
		fan := f.Person(t, fmt.Sprintf("fan%d", i))
		fans = append(fans, fan)
		f.Follow(t, me, fan) // strangers' favourites would be held by no rule here, but be plain
		if err := models.Notify(ctx, f.DB, me.ID, models.NotifyFavourite, fan.ID, &first, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := models.Notify(ctx, f.DB, me.ID, models.NotifyFavourite, fans[0].ID, &second, nil); err != nil {
		t.Fatal(err)
	}
	if err := models.Notify(ctx, f.DB, me.ID, models.NotifyMention, fans[1].ID, &second, nil); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	rows, err := f.DB.Query(ctx, `SELECT type || coalesce('/' || post_id, '') || '/' || from_id, coalesce(group_key, '') FROM notifications WHERE recipient_id = $1`, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		keys[k] = v
	}
	bucket := time.Now().Unix() / 3600
	wantFirst := fmt.Sprintf("favourite-%d-%d", first, bucket)
	for _, fan := range fans {
		if got := keys[fmt.Sprintf("favourite/%d/%d", first, fan.ID)]; got != wantFirst {
			t.Errorf("favourite of the first post by %s: key %q, want %q", fan.Username, got, wantFirst)
		}
	}
	if got := keys[fmt.Sprintf("favourite/%d/%d", second, fans[0].ID)]; got != fmt.Sprintf("favourite-%d-%d", second, bucket) {
		t.Errorf("favourite of the second post: key %q", got)
	}
	if got := keys[fmt.Sprintf("mention/%d/%d", second, fans[1].ID)]; got != "" {
		t.Errorf("a mention has group key %q, want none", got)
	}

	types := []string{models.NotifyFavourite, models.NotifyMention}
	page, err := models.NotificationGroupPage(ctx, f.DB, me.ID, models.GroupPageQuery{Types: types, Grouped: models.GroupedTypes(nil), Limit: 2})
	if err != nil || len(page) != 2 {
		t.Fatalf("a page of 2 groups: %d (%v)", len(page), err)
	}
	if k := models.NotificationGroupKey(page[0], models.GroupedTypes(nil)); k != fmt.Sprintf("ungrouped-%d", page[0].ID) {
		t.Errorf("the newest group (the mention) is %q", k)
	}
	all, err := models.NotificationGroupPage(ctx, f.DB, me.ID, models.GroupPageQuery{Types: types, Grouped: models.GroupedTypes(nil), Limit: 40})
	if err != nil || len(all) != 3 {
		t.Fatalf("every group: %d (%v), want 3 for 5 notifications", len(all), err)
	}
	info, err := models.NotificationGroupsInfo(ctx, f.DB, me.ID, []string{wantFirst}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g := info[wantFirst]; g == nil || g.Count != 3 || len(g.SampleFromIDs) != 3 || g.SampleFromIDs[0] != fans[2].ID {
		t.Errorf("the first post's group: %+v, want 3 favourites, newest sender first", g)
	}
	ungrouped, _ := models.NotificationGroupPage(ctx, f.DB, me.ID, models.GroupPageQuery{Types: types, Grouped: []string{models.NotifyFollow}, Limit: 40})
	if len(ungrouped) != 5 {
		t.Errorf("with only follows grouped: %d groups, want 5", len(ungrouped))
	}

	// The 12-hour span: a group begun 11 hours ago takes one more; one
	// begun 13 hours ago does not.
	for _, c := range []struct {
		age  int
		join bool
	}{{11, true}, {13, false}} {
		if _, err := f.DB.Exec(ctx, `UPDATE notifications SET group_key = $2, created_at = now() - make_interval(hours => $3)
			WHERE recipient_id = $1 AND type = 'favourite' AND post_id = $4`,
			me.ID, fmt.Sprintf("favourite-%d-%d", first, bucket-int64(c.age)), c.age, first); err != nil {
			t.Fatal(err)
		}
		late := f.Person(t, fmt.Sprintf("late%d", c.age))
		if err := models.Notify(ctx, f.DB, me.ID, models.NotifyFavourite, late.ID, &first, nil); err != nil {
			t.Fatal(err)
		}
		var key string
		if err := f.DB.QueryRow(ctx, `SELECT group_key FROM notifications WHERE from_id = $1`, late.ID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("favourite-%d-%d", first, bucket)
		if c.join {
			want = fmt.Sprintf("favourite-%d-%d", first, bucket-int64(c.age))
		}
		if key != want {
			t.Errorf("a favourite %d hours after its group began: key %q, want %q", c.age, key, want)
		}
	}
}

// A sign-up is told to the instance's admins and moderators
// (admin.sign_up), and to nobody else; sign-ups group by kind.
func TestSignUpsAreToldToStaff(t *testing.T) {
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	admin, err := models.CreateAccount(ctx, f.DB, models.NewAccount{Username: "ada", Password: "correct horse", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	member := f.Person(t, "member")
	for _, name := range []string{"newbie", "second"} {
		if _, _, err := models.Register(ctx, f.DB, models.SignUp{Account: models.NewAccount{Username: name, Password: "correct horse"},
			Mode: models.SignupOpen, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for who, want := range map[int64]int{admin.Actor.ID: 2, member.ID: 0} {
		list, err := models.Notifications(ctx, f.DB, who, []string{models.NotifyAdminSignUp}, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != want {
			t.Errorf("actor %d has %d sign-up notifications, want %d", who, len(list), want)
		}
		if len(list) == 2 && (list[0].GroupKey == "" || list[0].GroupKey != list[1].GroupKey) {
			t.Errorf("sign-ups in groups %q and %q, want one", list[0].GroupKey, list[1].GroupKey)
		}
	}
}
