package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrHelpA = "127.0.0.230:0"
	addrHelpB = "127.0.0.231:0"
)

// helpOnB is a calendar as the client API shows it.
type helpOnB struct {
	ID      string
	URI     string
	Home    string
	Private *struct{ Address string }
	Slots   []struct {
		ID, Label    string
		Places, Free int
		Claims       []struct {
			ID      string
			Pending bool
		}
	}
}

// A meal train opened in a members-only group on A reaches bea, a
// member on B: she sees it and claims its one place there, A keeps her
// claim and B shows her the address once A accepts; the place is full
// for a member of A; nobody else gets the address; her calendar feed
// holds the slot; closing the calendar on A frees her place on B and
// tells her.
func TestHelpAcrossTwoVillages(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrHelpA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrHelpB})
	a.Admin("admin", "group", "create", "moms", "--title", "Moms", "--private")
	mia, ann := a.User("mia"), a.User("ann")
	a.Admin("admin", "group", "moderator", "add", "moms", "mia")
	bea, sam := b.User("bea"), b.User("sam")

	var rel testenv.Relationship
	group := testenv.Resolve(t, bea, "@moms@"+a.Addr)
	bea.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	ann.Post("/api/v1/accounts/"+testenv.Lookup(t, ann, "moms").ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "bea's join request on A", func() bool {
		var requests []testenv.Account
		mia.Get("/api/v1/follow_requests", &requests)
		return len(requests) == 2
	})
	mia.Post("/api/v1/follow_requests/"+testenv.Lookup(t, mia, "bea@"+b.Addr).ID+"/authorize", nil, &rel)
	mia.Post("/api/v1/follow_requests/"+testenv.Lookup(t, mia, "ann").ID+"/authorize", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "bea let in", func() bool { return testenv.RelationshipOf(t, bea, group.ID).Following })

	tomorrow := time.Now().UTC().AddDate(0, 0, 1)
	var opened helpOnB
	mia.Post("/api/v1/village/groups/moms/help", url.Values{"title": {"Meals for Ana"}, "kind": {"meals"},
		"recipient_name": {"Ana"}, "starts_on": {tomorrow.Format(time.DateOnly)}, "ends_on": {tomorrow.AddDate(0, 0, 1).Format(time.DateOnly)},
		"slots": {"18:00 dinner"}, "places": {"1"}, "address": {"12 Elm Street"}, "notes": {"no nuts"}, "time_zone": {"UTC"}}, &opened)
	if opened.URI == "" || len(opened.Slots) != 2 {
		t.Fatalf("the calendar on A: %+v", opened)
	}
	first, second := opened.Slots[0].ID, opened.Slots[1].ID
	claimsOnA := func(who string) int {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM help_claims k JOIN actors p ON p.id = k.actor_id WHERE p.username = $1`, who)
	}

	// bea sees it on B, among her groups' calendars (page and API).
	var onB helpOnB
	testenv.Eventually(t, 30*time.Second, "the calendar's copy among bea's on B", func() bool {
		var mine []helpOnB
		bea.Get("/api/v1/village/help", &mine)
		if len(mine) != 1 || mine[0].URI != opened.URI {
			return false
		}
		bea.Get("/api/v1/village/help/"+mine[0].ID, &onB)
		return len(onB.Slots) == 2
	})
	var samsList []helpOnB
	if sam.Get("/api/v1/village/help", &samsList); len(samsList) != 0 {
		t.Errorf("sam, no member, is listed %d calendars on B", len(samsList))
	}
	if onB.Home != a.Addr || onB.Slots[0].Free != 1 || onB.Private != nil {
		t.Fatalf("the copy as bea sees it before claiming: %+v", onB)
	}
	beaWeb := b.SignIn("bea")
	if code, page := beaWeb.Get("/help"); code != http.StatusOK || !strings.Contains(page, `href="/help/`+onB.ID+`"`) {
		t.Errorf("bea's list of her groups' calendars on B: %d, no link to the copy", code)
	}
	if code, page := beaWeb.Get("/help/" + onB.ID); code != http.StatusOK || !strings.Contains(page, "Meals for Ana") ||
		!strings.Contains(page, "Organized on "+a.Addr) {
		t.Errorf("bea's page of the copy: %d", code)
	}
	if code := sam.Do(http.MethodGet, "/api/v1/village/help/"+onB.ID, nil, nil); code != http.StatusNotFound {
		t.Errorf("a stranger on B gets the copy: %d", code)
	}

	// bea claims the first evening on B: A keeps it, B shows her the address after the Accept.
	beaClaims := func(want string) {
		t.Helper()
		var claimed helpOnB
		if code := bea.Do(http.MethodPost, "/api/v1/village/help/"+onB.ID+"/slots/"+onB.Slots[0].ID+"/claim",
			url.Values{"bringing": {"lasagna"}}, &claimed); code != http.StatusOK {
			t.Fatalf("bea's claim on B: %d", code)
		}
		testenv.Eventually(t, 30*time.Second, "bea's claim at home and her address on B"+want, func() bool {
			bea.Get("/api/v1/village/help/"+onB.ID, &onB)
			return testenv.QueryCount(t, a, `SELECT count(*) FROM help_claims k JOIN actors p ON p.id = k.actor_id
				WHERE p.username = 'bea' AND k.bringing = 'lasagna' AND k.slot_id = $1`, first) == 1 && onB.Private != nil &&
				onB.Private.Address != ""
		})
	}
	beaClaims("")
	if onB.Private.Address != "12 Elm Street" || onB.Slots[0].Free != 0 {
		t.Errorf("bea's copy after the Accept: %+v", onB)
	}
	if _, page := beaWeb.Get("/help/" + onB.ID); !strings.Contains(page, "12 Elm Street") || strings.Contains(page, "Waiting for the group") {
		t.Error("bea's page after the Accept shows no address, or still waits")
	}

	// Nobody else sees the address: not ann on A before she claims (API
	// and page), not sam on B, not an unsigned fetch of the calendar's document.
	annWeb := a.SignIn("ann")
	_, annPage := annWeb.Get("/help/" + opened.ID)
	for name, body := range map[string]string{"ann's API on A": getBody(t, ann, "/api/v1/village/help/"+opened.ID),
		"ann's page on A": annPage, "sam's API on B": getBody(t, sam, "/api/v1/village/help/"+onB.ID)} {
		if strings.Contains(body, "12 Elm") || strings.Contains(body, "no nuts") {
			t.Errorf("%s shows the address or notes", name)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, opened.URI, nil)
	req.Header.Set("Accept", "application/activity+json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("an unsigned fetch of the calendar on A: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	// ann, a member on A, takes the second evening; the first is full for her.
	if code := ann.Do(http.MethodPost, "/api/v1/village/help/"+opened.ID+"/slots/"+second+"/claim", nil, nil); code != http.StatusOK {
		t.Errorf("ann's claim of the second evening: %d", code)
	}
	if code := ann.Do(http.MethodPost, "/api/v1/village/help/"+opened.ID+"/slots/"+first+"/claim", nil, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("ann's claim of the full first evening: %d, want 422", code)
	}
	testenv.Eventually(t, 30*time.Second, "ann's place counted on B", func() bool {
		bea.Get("/api/v1/village/help/"+onB.ID, &onB)
		return onB.Slots[1].Free == 0
	})

	// bea's calendar feed on B holds her slot.
	var token string
	testenv.QueryOne(t, b, &token, `INSERT INTO calendar_tokens (actor_id, token) SELECT id, 'bea-feed-token' FROM actors
		WHERE username = 'bea' AND domain IS NULL RETURNING token`)
	feed, code := httpGet(t, b, "/calendars/"+token+"/meetups.ics")
	if code != http.StatusOK || !strings.Contains(feed, "dinner") || !strings.Contains(feed, "12 Elm Street") {
		t.Errorf("bea's feed on B: %d %q", code, feed)
	}

	// B's reminders run when it starts: the day before, bea is reminded
	// there of her place, which her own server keeps.
	b.Stop()
	b.Start()
	testenv.Eventually(t, 30*time.Second, "bea's reminder on B", func() bool {
		return testenv.QueryCount(t, b, `SELECT count(*) FROM notifications n JOIN actors p ON p.id = n.recipient_id
			WHERE p.username = 'bea' AND n.type = 'help_reminder'`) == 1
	})

	// The organizer clears bea's evening on A; B follows and tells her.
	mia.Post("/api/v1/village/help/"+opened.ID+"/slots/"+first+"/clear", nil, nil)
	testenv.Eventually(t, 30*time.Second, "bea's place freed on B", func() bool {
		return testenv.QueryCount(t, b, `SELECT count(*) FROM help_claims`) == 0
	})
	if n := testenv.QueryCount(t, b, `SELECT count(*) FROM notifications n JOIN actors p ON p.id = n.recipient_id
		WHERE p.username = 'bea' AND n.type = 'help_released'`); n != 1 {
		t.Errorf("bea told %d times that her place went", n)
	}

	// She takes it again; then a ban frees it on A, and on B she loses the calendar.
	beaClaims(" again")
	miaWeb := a.SignIn("mia")
	miaWeb.MustSubmit("/groups/moms/bans", url.Values{"handle": {"@bea@" + b.Addr}, "reason": {"test"}})
	testenv.Eventually(t, 30*time.Second, "bea's places gone on A and B", func() bool {
		return claimsOnA("bea") == 0 && testenv.QueryCount(t, b, `SELECT count(*) FROM help_claims`) == 0
	})
	if code := bea.Do(http.MethodGet, "/api/v1/village/help/"+onB.ID, nil, nil); code != http.StatusNotFound {
		t.Errorf("bea, banned, still gets the copy on B: %d", code)
	}

	// Closing the calendar frees ann's place from today on.
	mia.Post("/api/v1/village/help/"+opened.ID+"/status", url.Values{"status": {"closed"}}, nil)
	if n := claimsOnA("ann"); n != 0 {
		t.Errorf("ann holds %d places in the closed calendar", n)
	}
}

// httpGet fetches a path of v as a visitor.
func httpGet(t *testing.T, v *testenv.Village, path string) (string, int) {
	t.Helper()
	res, err := http.Get(v.BaseURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body), res.StatusCode
}

// getBody is what c's user gets of an API path, as raw JSON.
func getBody(t *testing.T, c *testenv.Client, path string) string {
	t.Helper()
	var raw json.RawMessage
	c.Do(http.MethodGet, path, nil, &raw)
	return string(raw)
}
