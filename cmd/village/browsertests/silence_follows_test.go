package browsertests

import (
	"net/http"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// TestPersonApprovesALimitedFollowRequestInARealBrowser: a peer on a
// silenced server follows alice; in headless Chromium her notifications
// point to her follow requests, the request is marked as from a limited
// server, and her approval sends the Accept. Both pages pass axe-core's
// WCAG A/AA rules in both themes at phone and desktop widths.
func TestPersonApprovesALimitedFollowRequestInARealBrowser(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.75:0"})
	v.User("alice")
	rosa := testenv.NewRemote(t, "rosa")
	// Every test peer serves from 127.0.0.1: silencing that host silences rosa's server.
	v.Admin("admin", "domain", "block", "127.0.0.1", "--severity", "silence")
	follow := map[string]any{"id": rosa.ActorID + "/follows/alice", "type": "Follow", "actor": rosa.ActorID,
		"object": v.BaseURL + "/users/alice"}
	if code := testenv.PostToInbox(t, v, rosa, follow); code != http.StatusAccepted {
		t.Fatalf("rosa's Follow: %d", code)
	}
	if n := len(testenv.ReceivedOfType(rosa, "Accept")); n != 0 {
		t.Fatalf("rosa's follow was accepted at once (%d Accepts)", n)
	}

	b := newBrowser(t)
	b.BaseURL = v.BaseURL
	b.Visit("/login?next=%2Fnotifications")
	b.Fill("#login", "alice")
	b.Fill("#password", "password-alice")
	b.Submit("main form[action='/login'] [type=submit]")
	b.WaitText("main", "Follow requests")
	t.Run("notifications", func(t *testing.T) { checkEveryWay(t, b.In(t), "notifications-waiting") })
	if !b.Has("main .waiting a[href='/follow_requests']") {
		t.Fatal("the notifications page does not link to the waiting follow request")
	}
	b.Visit("/follow_requests")
	b.WaitText("main", "Limited server")
	b.WaitText("main", "@rosa@")
	t.Run("follow requests", func(t *testing.T) { checkEveryWay(t, b.In(t), "follow-requests") })
	b.Submit("main .request form[action$='/approve'] button")
	b.WaitText("main", "Approved")
	b.WaitText("main", "Nobody is waiting for your answer")
	testenv.Eventually(t, 30*time.Second, "the Accept at rosa's", func() bool { return len(testenv.ReceivedOfType(rosa, "Accept")) == 1 })
}
