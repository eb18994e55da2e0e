package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrPolicyA = "127.0.0.153:0"
	addrPolicyB = "127.0.0.154:0"
)

type notificationPolicy struct {
	ForNotFollowing string `json:"for_not_following"`
	Summary         struct {
		PendingRequestsCount      int `json:"pending_requests_count"`
		PendingNotificationsCount int `json:"pending_notifications_count"`
	} `json:"summary"`
}

type notificationRequest struct {
	ID                 string          `json:"id"`
	NotificationsCount string          `json:"notifications_count"`
	Account            testenv.Account `json:"account"`
	LastStatus         *testenv.Status `json:"last_status"`
}

// Notification policies across two Villages, read through a Mastodon
// client library where it has the calls (go-mastodon has no policy or
// request calls: those are plain HTTP with the same token). Alice filters
// people she does not follow: a stranger's mention from the other
// instance is held back as a request while her friend's comes through;
// accepting the request brings the mention in and lets the stranger's
// next one straight through; with "drop", a third person's mention
// arrives as a post and leaves no notification at all.
func TestNotificationPolicyFiltersStrangersAcrossInstances(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPolicyA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPolicyB})
	alice := a.User("alice")
	sam, fran, dee := b.User("sam"), b.User("fran"), b.User("dee")
	mc, ctx := mastodonClient(t, alice)

	franOnA := testenv.Resolve(t, alice, "@fran@"+b.Addr)
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+franOnA.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "alice following fran", func() bool {
		return testenv.RelationshipOf(t, alice, franOnA.ID).Following
	})
	var policy notificationPolicy
	if code := alice.Do(http.MethodPatch, "/api/v2/notifications/policy", url.Values{"for_not_following": {"filter"}}, &policy); code != http.StatusOK || policy.ForNotFollowing != "filter" {
		t.Fatalf("PATCH policy: %d %+v", code, policy)
	}
	if code := alice.Do(http.MethodPatch, "/api/v2/notifications/policy", url.Values{"for_new_accounts": {"ignore"}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("a policy value that is none of accept, filter, drop: %d, want 422", code)
	}

	handle := "@alice@" + a.Addr
	testenv.PostStatus(t, sam, url.Values{"status": {handle + " hello from a stranger"}})
	testenv.PostStatus(t, fran, url.Values{"status": {handle + " hello from fran"}})

	mentions := func() map[string]bool {
		out := map[string]bool{}
		for _, n := range must[[]*mastodon.Notification](t, "alice's notifications")(mc.GetNotifications(ctx, nil)) {
			if n.Type == "mention" && n.Status != nil {
				out[n.Account.Acct+": "+n.Status.Content] = true
			}
		}
		return out
	}
	hasMentionFrom := func(m map[string]bool, who, text string) bool {
		for k := range m {
			if strings.HasPrefix(k, who+"@") && strings.Contains(k, text) {
				return true
			}
		}
		return false
	}
	var requests []notificationRequest
	testenv.Eventually(t, 30*time.Second, "sam's request and fran's mention", func() bool {
		alice.Get("/api/v1/notifications/requests", &requests)
		return len(requests) == 1 && hasMentionFrom(mentions(), "fran", "hello from fran")
	})
	if r := requests[0]; r.Account.Acct != "sam@"+b.Addr || r.NotificationsCount != "1" || r.LastStatus == nil ||
		!strings.Contains(r.LastStatus.Content, "hello from a stranger") {
		t.Errorf("the request: %+v", r)
	}
	if hasMentionFrom(mentions(), "sam", "stranger") {
		t.Error("the stranger's filtered mention is in alice's notifications")
	}
	alice.Get("/api/v2/notifications/policy", &policy)
	if policy.Summary.PendingRequestsCount != 1 || policy.Summary.PendingNotificationsCount != 1 {
		t.Errorf("the policy's summary: %+v", policy.Summary)
	}
	var unread struct{ Count int }
	alice.Get("/api/v1/notifications/unread_count", &unread)
	if unread.Count != 1 {
		t.Errorf("unread count %d, want 1 (fran's mention; the filtered one is not counted)", unread.Count)
	}

	alice.Post("/api/v1/notifications/requests/"+requests[0].ID+"/accept", nil, nil)
	if !hasMentionFrom(mentions(), "sam", "hello from a stranger") {
		t.Error("after accepting, sam's mention is not in alice's notifications")
	}
	alice.Get("/api/v1/notifications/requests", &requests)
	if len(requests) != 0 {
		t.Errorf("requests after accepting: %+v", requests)
	}
	testenv.PostStatus(t, sam, url.Values{"status": {handle + " second word from sam"}})
	testenv.Eventually(t, 30*time.Second, "sam's next mention, let through", func() bool {
		return hasMentionFrom(mentions(), "sam", "second word from sam")
	})

	// Drop: the post arrives, no notification is stored, no request opens.
	alice.Do(http.MethodPatch, "/api/v2/notifications/policy", url.Values{"for_not_following": {"drop"}}, &policy)
	testenv.PostStatus(t, dee, url.Values{"status": {handle + " dropped words from dee"}})
	testenv.Eventually(t, 30*time.Second, "dee's post on A", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM posts WHERE content LIKE '%dropped words from dee%'`) == 1
	})
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM notifications n JOIN actors d ON d.id = n.from_id WHERE d.username = 'dee'`); n != 0 {
		t.Errorf("%d notifications stored from dee under drop", n)
	}
	alice.Get("/api/v1/notifications/requests", &requests)
	if len(requests) != 0 {
		t.Errorf("a request opened under drop: %+v", requests)
	}
}
