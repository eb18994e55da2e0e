package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
)

// The Village and peers of the help sign-up poll test (127.0.0.210-219
// are theirs; ports are picked at start).
const (
	addrHelpVillage = "127.0.0.210:0"
	addrHelpFedi    = "127.0.0.211:0"
	addrHelpFedo    = "127.0.0.212:0"
	addrHelpForger  = "127.0.0.213:0"
)

const helpE2EAddress = "12 Elm Street, apt 3"

// Two Fedify users ask to join a members-only group; once fedi is in, its
// moderator opens a help calendar (a dinner for one person on each of two
// days). Fedify's server is recorded as Mastodon, whose members sign up
// by poll: the group's sign-up Question reaches fedi, and is served to a
// member's signed fetch only (404 to a stranger's and to an unsigned one). fedi votes for the first
// dinner and gets the group's direct note with the address, and the poll
// that reaches her offers only the second dinner; fedo's vote for the
// full first dinner gets the "just taken" note naming the open one, and
// the slot keeps one claim; a vote signed by another server's actor in
// fedi's name is refused and changes nothing. No vote is a post.
func TestFedifyHelpSignupPoll(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrHelpVillage})
	v.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	maria := v.User("maria")
	v.Admin("admin", "group", "moderator", "add", "nicu", "maria")
	fedi := testenv.StartFedify(t, addrHelpFedi, "fedi")
	fedo := testenv.StartFedify(t, addrHelpFedo, "fedo")
	forger := testenv.NewRemoteAt(t, addrHelpForger, "rex")
	forger.Software = "mastodon"
	groupURL := v.BaseURL + "/groups/nicu"

	// Fedify votes as Mastodon does: its server stands in for one.
	testenv.DBQuery(t, v, func(ctx context.Context, conn *pgx.Conn) error {
		for _, host := range []string{fedi.Addr, fedo.Addr} {
			if _, err := conn.Exec(ctx, `INSERT INTO instances (host, software, version) VALUES ($1, 'mastodon', '4.3.0')
				ON CONFLICT (host) DO UPDATE SET software = 'mastodon'`, host); err != nil {
				return err
			}
		}
		return nil
	})

	// Both ask to join; maria lets fedi in first.
	fedi.Follow("@nicu@" + v.Addr)
	fedo.Follow("@nicu@" + v.Addr)
	var requests []testenv.Account
	testenv.Eventually(t, 30*time.Second, "the Fedify users' requests", func() bool {
		maria.Get("/api/v1/follow_requests", &requests)
		return len(requests) == 2
	})
	var rel testenv.Relationship
	admit := func(f *testenv.Fedify) {
		t.Helper()
		for _, r := range requests {
			if r.Acct == f.Username+"@"+f.Addr {
				maria.Post("/api/v1/follow_requests/"+r.ID+"/authorize", nil, &rel)
			}
		}
		testenv.Eventually(t, 30*time.Second, "the group's Accept at "+f.Addr, func() bool {
			for _, a := range f.ReceivedOfType("Accept") {
				if a["actor"] == groupURL {
					return true
				}
			}
			return false
		})
	}
	admit(fedi)

	// maria opens the calendar: the sign-up poll reaches fedi, a member.
	tomorrow := time.Now().UTC().AddDate(0, 0, 1)
	var cal struct{ ID json.Number }
	maria.Post("/api/v1/village/groups/nicu/help", url.Values{"title": {"Meals for Rosa"}, "kind": {"meals"},
		"recipient_name": {"Rosa"}, "starts_on": {tomorrow.Format(time.DateOnly)},
		"ends_on": {tomorrow.AddDate(0, 0, 1).Format(time.DateOnly)}, "slots": {"18:00 dinner"}, "places": {"1"},
		"time_zone": {"UTC"}, "address": {helpE2EAddress}, "notes": {"no peanuts"}}, &cal)
	if cal.ID == "" {
		t.Fatal("the calendar was not opened")
	}
	signup := v.BaseURL + "/help/" + cal.ID.String() + "/signup"
	first := tomorrow.Format("Mon 2 Jan") + " 18:00 · dinner"
	second := tomorrow.AddDate(0, 0, 1).Format("Mon 2 Jan") + " 18:00 · dinner"
	sent := waitObject(t, fedi, "the group's Create{Question}", signup, "Create", groupURL, nil)
	if totals := optionTotals(sent.Understood, "anyOf"); len(totals) != 2 || totals[first] != 0.0 || totals[second] != 0.0 {
		t.Errorf("Fedify reads the poll's options (anyOf) as %v, want both dinners at 0", totals)
	}
	if fmt.Sprint(sent.Raw["to"]) != groupURL+"/followers" && fmt.Sprint(sent.Raw["to"]) != "["+groupURL+"/followers]" {
		t.Errorf("the poll is addressed to %v, want the group's followers", sent.Raw["to"])
	}

	// fedo, still waiting, is a stranger: its signed fetch is a 404.
	if got := fedo.Fetch(signup, true); got.Status != http.StatusNotFound {
		t.Errorf("a non-member's signed fetch of the poll: %d, want 404", got.Status)
	}
	admit(fedo)

	// A member's signed fetch gets the Question; an unsigned one a 404.
	got := fedi.Fetch(signup, true)
	var q map[string]any
	if got.Status != http.StatusOK || json.Unmarshal([]byte(got.Body), &q) != nil {
		t.Fatalf("a member's signed fetch of the poll: %d %s", got.Status, got.Body)
	}
	if q["type"] != "Question" || fmt.Sprint(optionNames(q)) != fmt.Sprint([]string{first, second}) {
		t.Errorf("the poll served: %s", got.Body)
	}
	if strings.Contains(got.Body, "Elm Street") || strings.Contains(got.Body, "peanuts") {
		t.Errorf("the poll carries the helpers' details: %s", got.Body)
	}
	req, _ := http.NewRequest(http.MethodGet, signup, nil)
	req.Header.Set("Accept", "application/activity+json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unsigned fetch of the poll: %v, %v; want 404", resp, err)
	} else {
		resp.Body.Close()
	}

	// fedi takes the first dinner: the group's note gives her the address.
	if _, err := fedi.TryVote(signup, first); err != nil {
		t.Fatalf("fedi's vote: %v", err)
	}
	note := waitGroupNote(t, fedi, groupURL, "You're down for")
	if !strings.Contains(note, helpE2EAddress) || !strings.Contains(note, "no peanuts") {
		t.Errorf("fedi's confirmation lacks the details: %s", note)
	}
	testenv.Eventually(t, 30*time.Second, "the poll at fedi offering the second dinner only", func() bool {
		o, ok := fedi.Object(signup)
		if !ok {
			return false
		}
		totals := optionTotals(o.Understood, "anyOf")
		return len(totals) == 1 && totals[second] == 0.0
	})

	// fedo votes for the full first dinner: taken, and told the open one.
	if _, err := fedo.TryVote(signup, first); err != nil {
		t.Fatalf("fedo's vote: %v", err)
	}
	if note := waitGroupNote(t, fedo, groupURL, "just taken"); !strings.Contains(note, second) || strings.Contains(note, "Elm Street") {
		t.Errorf("fedo's answer: %s", note)
	}
	claims := func() int {
		return testenv.QueryCount(t, v, `SELECT count(*) FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
			WHERE s.calendar_id = $1`, cal.ID.String())
	}
	if n := claims(); n != 1 {
		t.Errorf("%d claims after a vote for a full slot, want 1", n)
	}

	// A vote in fedi's name, signed by another server's actor.
	id := forger.ActorID + "#votes/forged"
	body := testenv.Activity(t, map[string]any{"id": id + "/activity", "type": "Create", "actor": forger.ActorID,
		"to": []any{groupURL}, "object": map[string]any{"id": id, "type": "Note", "name": second,
			"attributedTo": fedi.ActorURL(), "inReplyTo": signup, "to": []any{groupURL}}})
	// Refused at the door (the note is not on its signer's origin): 400.
	if code := forger.Post(groupURL+"/inbox", body, time.Now()); code != http.StatusBadRequest && code != http.StatusForbidden {
		t.Errorf("a forged vote: %d, want it refused", code)
	}
	if n := claims(); n != 1 {
		t.Errorf("%d claims after a forged vote, want 1", n)
	}
	for _, base := range []string{fedi.BaseURL, fedo.BaseURL, forger.Server.URL} {
		if n := testenv.QueryCount(t, v, `SELECT count(*) FROM posts WHERE uri LIKE $1`, base+"%"); n != 0 {
			t.Errorf("votes from %s stored as %d posts", base, n)
		}
	}
	// The reminders run when Village starts (and every quarter hour):
	// a restart the day before fedi's dinner reminds her by note, once.
	v.Stop()
	v.Start()
	if note := waitGroupNote(t, fedi, groupURL, "A reminder: tomorrow"); !strings.Contains(note, helpE2EAddress) {
		t.Errorf("fedi's reminder lacks the address: %s", note)
	}
	for _, f := range []*testenv.Fedify{fedi, fedo} {
		if r := f.Refused(); len(r) != 0 {
			t.Errorf("%s refused Village's activities: %v", f.Addr, r)
		}
	}
}

// optionNames are a served Question's anyOf names, in order.
func optionNames(q map[string]any) []string {
	var out []string
	list, _ := q["anyOf"].([]any)
	for _, item := range list {
		if o, ok := item.(map[string]any); ok {
			out = append(out, fmt.Sprint(o["name"]))
		}
	}
	return out
}

// waitGroupNote waits for a direct note from the group to the peer whose
// text holds want, and returns its text.
func waitGroupNote(t *testing.T, f *testenv.Fedify, groupURL, want string) string {
	t.Helper()
	var text string
	testenv.Eventually(t, 30*time.Second, "the group's note saying "+want+" at "+f.Addr, func() bool {
		for _, c := range f.ReceivedOfType("Create") {
			if n := testenv.InnerOf(c); c["actor"] == groupURL && n["type"] == "Note" {
				content := strings.ReplaceAll(fmt.Sprint(n["content"]), "&#39;", "'")
				if strings.Contains(content, want) {
					text = content
					return true
				}
			}
		}
		return false
	})
	return text
}
