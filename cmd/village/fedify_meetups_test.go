package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The Villages and Fedify peers of the poll and meetup tests with Fedify
// (127.0.0.190-199 are theirs; ports are picked at start).
const (
	addrFedifyPollVillage   = "127.0.0.190:0"
	addrFedifyPollPeer      = "127.0.0.191:0"
	addrFedifyMeetupVillage = "127.0.0.192:0"
	addrFedifyMeetupPeer    = "127.0.0.193:0"
)

// joinWithFedify makes alice (local) and the Fedify peer members of the
// group name on v, and returns the group's account as alice sees it.
func joinWithFedify(t *testing.T, v *testenv.Village, f *testenv.Fedify, alice *testenv.Client, name string) testenv.Account {
	t.Helper()
	group := testenv.Lookup(t, alice, name)
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	f.Follow("@" + name + "@" + v.Addr)
	fediAcct := strings.TrimPrefix(f.Handle(), "@")
	testenv.Eventually(t, 30*time.Second, "alice and Fedify among the group's members", func() bool {
		var accts []string
		for _, a := range followers(t, alice, group.ID) {
			accts = append(accts, a.Acct)
		}
		return testenv.RelationshipOf(t, alice, group.ID).Following && strings.Contains(strings.Join(accts, " "), fediAcct)
	})
	return group
}

// waitObject waits until the peer holds the Question or Event id, carried
// by an activity whose path (as "Announce/Create") and actor match, and
// until ok accepts it; it returns the object as the peer has it then.
func waitObject(t *testing.T, f *testenv.Fedify, what, id, path, actor string, ok func(testenv.FedifyObject) bool) testenv.FedifyObject {
	t.Helper()
	var o testenv.FedifyObject
	testenv.Eventually(t, 30*time.Second, what+" at the Fedify peer", func() bool {
		var found bool
		if o, found = f.Object(id); !found {
			return false
		}
		for _, v := range o.Via {
			if v.Path == path && v.Actor == actor {
				return ok == nil || ok(o)
			}
		}
		return false
	})
	return o
}

// optionTotals are a Question's options as Fedify read them: name -> totalItems.
func optionTotals(understood map[string]any, key string) map[string]any {
	out := map[string]any{}
	list, _ := understood[key].([]any)
	for _, item := range list {
		if o, ok := item.(map[string]any); ok {
			out[fmt.Sprint(o["name"])] = o["totalItems"]
		}
	}
	return out
}

// A Fedify user, a member of a Village group, gets a member's poll
// through the group as Announce{Create{Question}} and reads it with
// Fedify's own vocabulary; it votes as Mastodon does (to the author's
// inbox only); Village counts the vote once and sends Update{Question}
// that Fedify reads with the new count; a vote for another option of the
// single-choice poll is refused with a 422 that Fedify's delivery reports,
// and the same option again is not counted twice.
func TestFedifyVotesInAGroupPoll(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFedifyPollVillage})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents")
	alice := v.User("alice")
	f := testenv.StartFedify(t, addrFedifyPollPeer, "fedi")
	joinWithFedify(t, v, f, alice, "park_slope")
	groupURL, aliceURL := v.BaseURL+"/groups/park_slope", v.BaseURL+"/users/alice"

	var asked statusWithPoll
	alice.Post("/api/v1/statuses", url.Values{"status": {"@park_slope Saturday meetup: where?"},
		"poll[options][]": {"Prospect Park", "Library"}, "poll[expires_in]": {"3600"}}, &asked)
	if asked.Poll == nil || asked.Group == nil {
		t.Fatalf("the poll is not in the group: %+v", asked)
	}

	// The group shares alice's Create{Question} with Fedify, a non-Mastodon server.
	q := waitObject(t, f, "the group's Announce{Create{Question}}", asked.URI, "Announce/Create", groupURL, nil)
	if q.Raw["type"] != "Question" || q.Understood["type"] != "Question" {
		t.Fatalf("Fedify got %v, read as %v; want a Question", q.Raw["type"], q.Understood["type"])
	}
	if got := optionTotals(q.Understood, "oneOf"); len(got) != 2 || got["Prospect Park"] != 0.0 || got["Library"] != 0.0 {
		t.Errorf("Fedify reads the options (oneOf) as %v, want both at 0 votes", got)
	}
	if anyOf, _ := q.Understood["anyOf"].([]any); len(anyOf) != 0 {
		t.Errorf("Fedify reads a single-choice poll with anyOf %v", anyOf)
	}
	if fmt.Sprint(q.Understood["attributedTo"]) != "["+aliceURL+"]" || q.Understood["endTime"] == nil || q.Understood["closed"] != nil {
		t.Errorf("Fedify reads the poll as by %v, ending %v, closed %v; want alice's, open, with an end",
			q.Understood["attributedTo"], q.Understood["endTime"], q.Understood["closed"])
	}

	// Fedify votes Library, as Mastodon does: to alice's own inbox only.
	before := len(f.Sent())
	voteIDs, err := f.TryVote(asked.URI, "Library")
	if err != nil || len(voteIDs) != 1 {
		t.Fatalf("Fedify's vote: %v, %v", voteIDs, err)
	}
	for _, r := range f.Sent()[before:] {
		if r.Method == http.MethodPost && r.URL != aliceURL+"/inbox" {
			t.Errorf("Fedify's vote went to %s, want %s/inbox only", r.URL, aliceURL)
		}
	}
	counted := func(p pollEntity) bool {
		return votes(&p, 0) == 0 && votes(&p, 1) == 1 && p.VotersCount != nil && *p.VotersCount == 1
	}
	var p pollEntity
	testenv.Eventually(t, 30*time.Second, "Fedify's vote counted", func() bool {
		alice.Get("/api/v1/polls/"+asked.Poll.ID, &p)
		return counted(p)
	})

	// Village sends the new counts as alice's Update{Question}, which the
	// group passes on to its members; Fedify reads them.
	q = waitObject(t, f, "the group's Announce{Update{Question}} with the count", asked.URI, "Announce/Update", groupURL, func(o testenv.FedifyObject) bool {
		got := optionTotals(o.Understood, "oneOf")
		return got["Library"] == 1.0 && got["Prospect Park"] == 0.0 && o.Understood["votersCount"] == 1.0
	})
	if q.Raw["votersCount"] != 1.0 {
		t.Errorf("the Update{Question} as sent: votersCount %v", q.Raw["votersCount"])
	}

	// A second vote: another option is refused, the same one not counted again.
	for _, again := range []struct {
		choice  string
		refused bool
	}{
		{"Prospect Park", true},
		{"Library", false},
	} {
		_, err := f.TryVote(asked.URI, again.choice)
		switch {
		case again.refused && (err == nil || !strings.Contains(err.Error(), "422")):
			t.Errorf("a second vote for %q: %v, want Village's 422", again.choice, err)
		case !again.refused && err != nil:
			t.Errorf("the same vote again (%q): %v, want it taken and not counted", again.choice, err)
		}
		alice.Get("/api/v1/polls/"+asked.Poll.ID, &p)
		if !counted(p) {
			t.Errorf("after a second vote for %q: %+v", again.choice, p.Options)
		}
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM posts WHERE uri LIKE $1`, f.BaseURL+"%"); n != 0 {
		t.Errorf("Fedify's votes were stored as %d posts", n)
	}
	if r := f.Refused(); len(r) != 0 {
		t.Errorf("Fedify refused Village's activities: %v", r)
	}
}

// A Fedify user, a member of a Village group, gets a full meetup through
// the group as Announce{Create{Event}} with Mobilizon's terms, and
// Fedify's vocabulary reads its time and place; its Join (Mobilizon's
// way) is waitlisted, with no Accept; when the local member going leaves,
// the organizer's Accept{Join} reaches Fedify; Fedify's TentativeAccept
// (Friendica's way) makes it maybe, its Leave takes the answer back; the
// organizer's cancellation reaches Fedify as Update{Event} with
// ical:status CANCELLED. A JSON-LD reader of what the group passes on
// finds the Event's Mobilizon terms and its place.
func TestFedifyAnswersAGroupMeetup(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFedifyMeetupVillage})
	v.Admin("admin", "group", "create", "park", "--title", "Park parents", "--location", "Berlin")
	alice, bob := v.User("alice"), v.User("bob")
	f := testenv.StartFedify(t, addrFedifyMeetupPeer, "fedi")
	group := joinWithFedify(t, v, f, alice, "park")
	var rel testenv.Relationship
	bob.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	groupURL, aliceURL := v.BaseURL+"/groups/park", v.BaseURL+"/users/alice"
	fediAcct := strings.TrimPrefix(f.Handle(), "@")

	day := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	var created struct{ ID, URI string }
	alice.Post("/api/v1/village/groups/park/events", url.Values{"title": {"Saturday in the park"},
		"description": {"Bring snacks"}, "start_time": {day + "T10:00"}, "end_time": {day + "T12:00"},
		"time_zone": {"Europe/Berlin"}, "place_name": {"Volkspark"}, "street_address": {"Parkweg 1"},
		"postal_code": {"10115"}, "locality": {"Berlin"}, "country": {"Germany"},
		"latitude": {"52.53"}, "longitude": {"13.40"}, "capacity": {"1"}}, &created)
	if code := bob.Do(http.MethodPost, "/api/v1/village/events/"+created.ID+"/rsvp", url.Values{"status": {"going"}}, nil); code != http.StatusOK {
		t.Fatalf("bob goes: %d", code)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start, _ := time.ParseInLocation("2006-01-02T15:04", day+"T10:00", berlin)

	// The group shares alice's Create{Event}: Mobilizon's terms as sent,
	// and what Fedify's own vocabulary reads of it.
	e := waitObject(t, f, "the group's Announce{Create{Event}}", created.URI, "Announce/Create", groupURL, nil)
	raw, got, terms := e.Raw, e.Understood, e.Expanded
	location, _ := raw["location"].(map[string]any)
	address, _ := location["address"].(map[string]any)
	for _, c := range []struct {
		what string
		got  any
		want any
	}{
		{"type", raw["type"], "Event"},
		{"startTime", raw["startTime"], start.Format(time.RFC3339)},
		{"timezone", raw["timezone"], "Europe/Berlin"},
		{"location's type", location["type"], "Place"},
		{"location's name", location["name"], "Volkspark"},
		{"location's latitude", location["latitude"], 52.53},
		{"street", address["streetAddress"], "Parkweg 1"},
		{"town", address["addressLocality"], "Berlin"},
		{"joinMode", raw["joinMode"], "free"},
		{"maximumAttendeeCapacity", raw["maximumAttendeeCapacity"], 1.0},
		{"ical:status", raw["ical:status"], "CONFIRMED"},
		{"audience", raw["audience"], groupURL},
		{"Fedify's type", got["type"], "Event"},
		{"Fedify's name", got["name"], "Saturday in the park"},
		{"Fedify's startTime", instant(got["startTime"]), start.UTC().Format(time.RFC3339)},
		{"Fedify's endTime", instant(got["endTime"]), start.Add(2 * time.Hour).UTC().Format(time.RFC3339)},
		{"Fedify's location", fmt.Sprint(got["location"]), "map[latitude:52.53 longitude:13.4 name:Volkspark]"},
		{"Fedify's audience", fmt.Sprint(got["audience"]), "[" + groupURL + "]"},
		// The group's Announce must define the Event's terms: it carries
		// the Create without its @context.
		{"JSON-LD mz:timezone", terms["https://joinmobilizon.org/ns#timezone"], "Europe/Berlin"},
		{"JSON-LD mz:joinMode", terms["https://joinmobilizon.org/ns#joinMode"], "free"},
		{"JSON-LD ical:status", terms["http://www.w3.org/2002/12/cal/ical#status"], "CONFIRMED"},
		{"JSON-LD sc:maximumAttendeeCapacity", terms["http://schema.org#maximumAttendeeCapacity"], 1.0},
		{"JSON-LD as:location", terms["https://www.w3.org/ns/activitystreams#location"] != nil, true},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("the Event at Fedify: %s is %v, want %v", c.what, c.got, c.want)
		}
	}

	attendees := func() attendeeList {
		var list attendeeList
		alice.Get("/api/v1/village/events/"+created.ID+"/attendees", &list)
		return list
	}
	waitAttendee := func(acct, status string) attendeeList {
		t.Helper()
		var list attendeeList
		testenv.Eventually(t, 30*time.Second, acct+" "+status+" in the attendee list", func() bool {
			list = attendees()
			return list.statusOf(acct) == status
		})
		return list
	}
	acceptsOf := func(joinID string) int {
		n := 0
		for _, a := range f.ReceivedOfType("Accept") {
			if a["actor"] == aliceURL && testenv.ObjectID(a["object"]) == joinID {
				n++
			}
		}
		return n
	}
	groupNote := func(text string) bool {
		for _, c := range f.ReceivedOfType("Create") {
			if n := testenv.InnerOf(c); c["actor"] == groupURL && n["type"] == "Note" && strings.Contains(fmt.Sprint(n["content"]), text) {
				return true
			}
		}
		return false
	}

	// The meetup is full (bob is going): Fedify's Join waits, unaccepted.
	if list := attendees(); list.statusOf("bob") != "going" {
		t.Fatalf("bob is %q, want going", list.statusOf("bob"))
	}
	joinID := f.RSVP(created.URI, "Join")
	waitAttendee(fediAcct, "waitlist")
	testenv.Eventually(t, 30*time.Second, "the group's note that Fedify is on the waiting list", func() bool {
		return groupNote("waiting list")
	})
	if n := acceptsOf(joinID); n != 0 {
		t.Errorf("Fedify's Join to a full meetup was accepted (%d)", n)
	}

	// Bob leaves: Fedify's place is free, the organizer accepts its Join.
	if code := bob.Do(http.MethodDelete, "/api/v1/village/events/"+created.ID+"/rsvp", nil, nil); code != http.StatusOK {
		t.Fatalf("bob leaves: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the organizer's Accept{Join} at Fedify", func() bool {
		return acceptsOf(joinID) == 1
	})
	if list := waitAttendee(fediAcct, "going"); list.Counts.Going != 1 || list.statusOf("bob") != "" {
		t.Errorf("after bob left: %+v", list)
	}

	// Fedify answers maybe, as Friendica does.
	f.RSVP(created.URI, "TentativeAccept")
	if list := waitAttendee(fediAcct, "maybe"); list.Counts.Going != 0 || list.Counts.Maybe != 1 {
		t.Errorf("after Fedify's TentativeAccept: going %d, maybe %d; want 0, 1", list.Counts.Going, list.Counts.Maybe)
	}

	// Fedify leaves, as Mobilizon does: its answer goes.
	f.RSVP(created.URI, "Leave")
	if list := waitAttendee(fediAcct, ""); list.Counts.Maybe != 0 || list.Counts.Going != 0 {
		t.Errorf("after Fedify's Leave: going %d, maybe %d; want none", list.Counts.Going, list.Counts.Maybe)
	}

	// Alice cancels: Fedify, still a member of the group, gets the Event again, CANCELLED.
	alice.Post("/api/v1/village/events/"+created.ID+"/cancel", nil, nil)
	e = waitObject(t, f, "the Update{Event} with ical:status CANCELLED", created.URI, "Announce/Update", groupURL,
		func(o testenv.FedifyObject) bool { return o.Raw["ical:status"] == "CANCELLED" })
	if status := e.Expanded["http://www.w3.org/2002/12/cal/ical#status"]; status != "CANCELLED" {
		t.Errorf("a JSON-LD reader of the group's Announce{Update{Event}} finds ical:status %v, want CANCELLED", status)
	}
	if !strings.Contains(fmt.Sprint(e.Understood["summary"]), "CANCELLED") {
		t.Errorf("Fedify reads the cancelled meetup's summary as %v", e.Understood["summary"])
	}
	if r := f.Refused(); len(r) != 0 {
		t.Errorf("Fedify refused Village's activities: %v", r)
	}
}

// instant is a time Fedify wrote (a Temporal.Instant), in RFC 3339 UTC
// seconds, or what it got when that is no time.
func instant(v any) any {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return v
	}
	return t.UTC().Format(time.RFC3339)
}
