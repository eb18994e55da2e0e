package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// Grouped notifications answer as Mastodon 4.3's: two favourites of one
// post are one group (its key, count, newest sender first, the status by
// id, page bounds), each account and status is given once, the v2 count
// counts groups; a group is read, its accounts listed and dismissed by
// key; a bad expand_accounts is refused.
func TestGroupedNotificationsAnswerAsMastodon43(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	post := alice.status("Who has a spare car seat?", "public")
	bea.form("/api/v1/statuses/"+post+"/favourite", url.Values{}, nil)
	carol.form("/api/v1/statuses/"+post+"/favourite", url.Values{}, nil)
	bea.form("/api/v1/statuses/"+alice.status("@bea thanks!", "public")+"/favourite", url.Values{}, nil) // a mention to bea, not alice's
	id := func(u *apiUser) string { return strconv.FormatInt(u.actor.ID, 10) }

	type group struct {
		GroupKey                 string   `json:"group_key"`
		NotificationsCount       int      `json:"notifications_count"`
		Type                     string   `json:"type"`
		MostRecentNotificationID int64    `json:"most_recent_notification_id"`
		PageMinID                string   `json:"page_min_id"`
		PageMaxID                string   `json:"page_max_id"`
		LatestPageNotificationAt string   `json:"latest_page_notification_at"`
		SampleAccountIDs         []string `json:"sample_account_ids"`
		StatusID                 *string  `json:"status_id"`
	}
	type grouped struct {
		Accounts           []struct{ ID string } `json:"accounts"`
		Statuses           []struct{ ID string } `json:"statuses"`
		NotificationGroups []group               `json:"notification_groups"`
	}
	var page grouped
	rec := alice.get("/api/v2/notifications?types[]=favourite", &page)
	if len(page.NotificationGroups) != 2 {
		t.Fatalf("groups: %+v, want the car seat's and the thanks'", page.NotificationGroups)
	}
	g := page.NotificationGroups[1]
	wantKey := "favourite-" + post + "-" + strconv.FormatInt(time.Now().Unix()/3600, 10)
	if g.GroupKey != wantKey || g.NotificationsCount != 2 || g.Type != "favourite" || g.StatusID == nil || *g.StatusID != post ||
		len(g.SampleAccountIDs) != 2 || g.SampleAccountIDs[0] != id(carol) || g.SampleAccountIDs[1] != id(bea) ||
		g.PageMaxID != strconv.FormatInt(g.MostRecentNotificationID, 10) || g.PageMinID == "" || g.PageMinID == g.PageMaxID ||
		g.LatestPageNotificationAt == "" {
		t.Errorf("the car seat's group: %+v, want key %s", g, wantKey)
	}
	accounts := map[string]int{}
	for _, a := range page.Accounts {
		accounts[a.ID]++
	}
	if len(accounts) != 3 || accounts[id(bea)] != 1 || accounts[id(carol)] != 1 || accounts[id(alice)] != 1 {
		t.Errorf("accounts: %v, want bea, carol and alice (the statuses' author) once each", accounts)
	}
	if len(page.Statuses) != 2 {
		t.Errorf("statuses: %+v", page.Statuses)
	}
	if rec.Header().Get("Link") == "" {
		t.Error("no Link header")
	}

	var counts struct{ Count int }
	alice.get("/api/v2/notifications/unread_count", &counts)
	if counts.Count != 2 {
		t.Errorf("v2 unread count: %d, want 2 groups", counts.Count)
	}
	alice.get("/api/v1/notifications/unread_count", &counts)
	if counts.Count != 3 {
		t.Errorf("v1 unread count: %d, want 3 notifications", counts.Count)
	}
	alice.get("/api/v2/notifications/unread_count?grouped_types[]=follow", &counts)
	if counts.Count != 3 {
		t.Errorf("v2 unread count with favourites ungrouped: %d, want 3", counts.Count)
	}

	var one map[string]any
	alice.get("/api/v2/notifications/"+wantKey, &one)
	groups, _ := one["notification_groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("one group: %v", one)
	}
	if single := groups[0].(map[string]any); single["notifications_count"] != float64(2) || single["page_min_id"] != nil {
		t.Errorf("the group read by key: %v (no page fields outside a page)", single)
	}
	var senders []struct{ ID string }
	alice.get("/api/v2/notifications/"+wantKey+"/accounts", &senders)
	if len(senders) != 2 || senders[0].ID != id(carol) {
		t.Errorf("the group's accounts: %+v", senders)
	}
	if rec := bea.send(http.MethodGet, "/api/v2/notifications/"+wantKey, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("bea reading alice's group: %d", rec.Code)
	}
	if rec := alice.send(http.MethodGet, "/api/v2/notifications?expand_accounts=all", "", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("expand_accounts=all: %d, want 400", rec.Code)
	}
	alice.form("/api/v2/notifications/"+wantKey+"/dismiss", url.Values{}, nil)
	alice.get("/api/v2/notifications", &page)
	if len(page.NotificationGroups) != 1 || page.NotificationGroups[0].GroupKey == wantKey {
		t.Errorf("after dismissing the group: %+v", page.NotificationGroups)
	}
}

// Mastodon's "status" and "update": a follower who asked (notify=true) is
// told of each new post, and the relationship says so; one who boosted a
// post is told when it is edited.
func TestFollowersWhoAskedHearOfPostsAndBoostersOfEdits(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	aliceID := strconv.FormatInt(alice.actor.ID, 10)
	var rel struct {
		Notifying bool `json:"notifying"`
	}
	bea.form("/api/v1/accounts/"+aliceID+"/follow", url.Values{"notify": {"true"}}, &rel)
	if !rel.Notifying {
		t.Error("the relationship after follow with notify=true is not notifying")
	}
	carol.form("/api/v1/accounts/"+aliceID+"/follow", url.Values{}, nil)
	post := alice.status("Swap meet on Sunday", "public")
	type told struct {
		Type   string
		Status *struct{ ID string }
	}
	for _, c := range []struct {
		who  *apiUser
		want int
	}{{bea, 1}, {carol, 0}} {
		var list []told
		c.who.get("/api/v1/notifications?types[]=status", &list)
		if len(list) != c.want || (c.want == 1 && (list[0].Status == nil || list[0].Status.ID != post)) {
			t.Errorf("%s's status notifications: %+v, want %d", c.who.actor.Username, list, c.want)
		}
	}
	carol.form("/api/v1/statuses/"+post+"/reblog", url.Values{}, nil)
	if rec := alice.send(http.MethodPut, "/api/v1/statuses/"+post, "application/x-www-form-urlencoded",
		url.Values{"status": {"Swap meet on Sunday, 10am"}}.Encode()); rec.Code != http.StatusOK {
		t.Fatalf("edit: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct {
		who  *apiUser
		want int
	}{{carol, 1}, {bea, 0}} {
		var list []told
		c.who.get("/api/v1/notifications?types[]=update", &list)
		if len(list) != c.want {
			t.Errorf("%s's update notifications: %+v, want %d", c.who.actor.Username, list, c.want)
		}
	}
}
