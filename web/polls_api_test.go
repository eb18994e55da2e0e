package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// apiPollJSON is the Poll entity as apps read it.
type apiPollJSON struct {
	ID          string  `json:"id"`
	ExpiresAt   *string `json:"expires_at"`
	Expired     bool    `json:"expired"`
	Multiple    bool    `json:"multiple"`
	VotesCount  int     `json:"votes_count"`
	VotersCount *int    `json:"voters_count"`
	Options     []struct {
		Title      string `json:"title"`
		VotesCount *int   `json:"votes_count"`
	} `json:"options"`
	Voted    *bool `json:"voted"`
	OwnVotes []int `json:"own_votes"`
}

type statusWithPoll struct {
	ID   string       `json:"id"`
	Poll *apiPollJSON `json:"poll"`
}

func (u *apiUser) decode(body []byte, out any) {
	u.s.t.Helper()
	if err := json.Unmarshal(body, out); err != nil {
		u.s.t.Fatalf("%v: %s", err, body)
	}
}

func TestAPIStatusesTakeAPollAsFormOrJSON(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice := s.users["alice"]
	cases := []struct {
		name, contentType, body string
		multiple                bool
	}{
		{"form", "application/x-www-form-urlencoded", url.Values{"status": {"Park or library?"},
			"poll[options][]": {"Park", "Library"}, "poll[expires_in]": {"3600"}, "poll[multiple]": {"true"}}.Encode(), true},
		{"JSON with numbers", "application/json",
			`{"status": "Park or library?", "poll": {"options": ["Park", "Library", "Pool"], "expires_in": 3600, "multiple": false}}`, false},
		{"JSON with strings", "application/json",
			`{"status": "Park or library?", "poll": {"options": ["Park", "Library"], "expires_in": "86400", "multiple": "true", "hide_totals": "false"}}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := alice.send(http.MethodPost, "/api/v1/statuses", c.contentType, c.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var st statusWithPoll
			alice.decode(rec.Body.Bytes(), &st)
			p := st.Poll
			if p == nil || p.ID != st.ID || p.Multiple != c.multiple || len(p.Options) < 2 || p.Options[0].Title != "Park" ||
				p.Expired || p.ExpiresAt == nil || p.Voted == nil || !*p.Voted || p.Options[0].VotesCount == nil {
				t.Errorf("poll = %+v", p)
			}
			end, err := time.Parse(time.RFC3339, *p.ExpiresAt)
			if err != nil || end.Before(time.Now().Add(50*time.Minute)) {
				t.Errorf("expires_at = %s", *p.ExpiresAt)
			}
		})
	}
	// A status without a poll says so with null.
	rec := alice.send(http.MethodPost, "/api/v1/statuses", "application/json", `{"status": "no poll here"}`)
	var st map[string]any
	alice.decode(rec.Body.Bytes(), &st)
	if v, ok := st["poll"]; !ok || v != nil {
		t.Errorf("poll of a plain status = %v (present: %v), want null", v, ok)
	}
}

func TestAPIPollValidationRefusesWithAReasonAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice := s.users["alice"]
	tables := []string{"posts", "polls"}
	form := func(options []string, expires string, extra ...string) string {
		v := url.Values{"status": {"Which one?"}, "poll[options][]": options, "poll[expires_in]": {expires}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v.Encode()
	}
	cases := []struct{ name, contentType, body string }{
		{"one option", "application/x-www-form-urlencoded", form([]string{"Only"}, "3600")},
		{"five options", "application/x-www-form-urlencoded", form([]string{"a", "b", "c", "d", "e"}, "3600")},
		{"an option of 51 characters", "application/x-www-form-urlencoded",
			form([]string{"a", "123456789012345678901234567890123456789012345678901"}, "3600")},
		{"a blank option", "application/x-www-form-urlencoded", form([]string{"a", " "}, "3600")},
		{"the same option twice", "application/x-www-form-urlencoded", form([]string{"a", "a"}, "3600")},
		{"shorter than five minutes", "application/x-www-form-urlencoded", form([]string{"a", "b"}, "299")},
		{"longer than a month", "application/x-www-form-urlencoded", form([]string{"a", "b"}, "2629747")},
		{"no duration", "application/json", `{"status": "x", "poll": {"options": ["a", "b"]}}`},
		{"multiple is no boolean", "application/x-www-form-urlencoded", form([]string{"a", "b"}, "3600", "poll[multiple]", "perhaps")},
		{"with photos", "application/x-www-form-urlencoded", form([]string{"a", "b"}, "3600", "media_ids[]", "1")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := map[string]int{}
			for _, table := range tables {
				before[table] = count(t, s.db, table)
			}
			rec := alice.send(http.MethodPost, "/api/v1/statuses", c.contentType, c.body)
			s.wantRefused(c.name, rec, http.StatusUnprocessableEntity, tables, before)
		})
	}
}

func TestAPIPollEntityHidesTotalsAndShowsOwnVotes(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	var st statusWithPoll
	alice.form("/api/v1/statuses", url.Values{"status": {"Saturday?"}, "poll[options][]": {"Park", "Library", "Pool"},
		"poll[expires_in]": {"600"}, "poll[hide_totals]": {"true"}, "poll[multiple]": {"1"}}, &st)

	var voted apiPollJSON
	bea.form("/api/v1/polls/"+st.ID+"/votes", url.Values{"choices[]": {"0", "2"}}, &voted)
	if voted.Voted == nil || !*voted.Voted || len(voted.OwnVotes) != 2 || voted.OwnVotes[1] != 2 {
		t.Errorf("after voting: %+v", voted)
	}
	for _, o := range voted.Options {
		if o.VotesCount != nil {
			t.Errorf("option %q shows %d votes while totals are hidden", o.Title, *o.VotesCount)
		}
	}
	if voted.VotesCount != 2 || voted.VotersCount == nil || *voted.VotersCount != 1 {
		t.Errorf("votes_count %d, voters_count %v: want 2 and 1", voted.VotesCount, voted.VotersCount)
	}
	rec := carol.send(http.MethodPost, "/api/v1/polls/"+st.ID+"/votes", "application/json", `{"choices": [1]}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("carol votes with JSON: %d %s", rec.Code, rec.Body)
	}
	var seen apiPollJSON
	carol.decode(call(s.e, http.MethodGet, "/api/v1/polls/"+st.ID, carol.token).Body.Bytes(), &seen)
	if seen.Voted == nil || !*seen.Voted || len(seen.OwnVotes) != 1 || seen.OwnVotes[0] != 1 || seen.Expired {
		t.Errorf("carol's view: %+v", seen)
	}

	// Once it ended, the totals show and the poll says it expired.
	if _, err := s.db.Exec(context.Background(), `UPDATE polls SET expires_at = now() - interval '1 second' WHERE post_id = $1`, st.ID); err != nil {
		t.Fatal(err)
	}
	var ended apiPollJSON
	carol.decode(call(s.e, http.MethodGet, "/api/v1/polls/"+st.ID, carol.token).Body.Bytes(), &ended)
	if !ended.Expired || ended.Options[0].VotesCount == nil || *ended.Options[0].VotesCount != 1 || *ended.Options[1].VotesCount != 1 {
		t.Errorf("ended poll: %+v", ended)
	}
	// Voters hear it ended, with the status and its poll.
	if _, err := models.NotifyEndedPolls(context.Background(), s.db, time.Now()); err != nil {
		t.Fatal(err)
	}
	var told []struct {
		Type   string         `json:"type"`
		Status statusWithPoll `json:"status"`
	}
	bea.decode(call(s.e, http.MethodGet, "/api/v1/notifications?types[]=poll", bea.token).Body.Bytes(), &told)
	if len(told) != 1 || told[0].Type != "poll" || told[0].Status.ID != st.ID || told[0].Status.Poll == nil || !told[0].Status.Poll.Expired {
		t.Errorf("bea's poll notifications: %+v", told)
	}
	// A visitor sees it too, without voted and own_votes.
	var visitor map[string]any
	carol.decode(call(s.e, http.MethodGet, "/api/v1/polls/"+st.ID, "").Body.Bytes(), &visitor)
	if _, ok := visitor["own_votes"]; ok || visitor["id"] != st.ID {
		t.Errorf("visitor's view: %v", visitor)
	}
}

func TestAPIVotesThatCannotCountAreRefused(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	var open, ended, secret statusWithPoll
	alice.form("/api/v1/statuses", url.Values{"status": {"One?"}, "poll[options][]": {"A", "B"}, "poll[expires_in]": {"600"}}, &open)
	alice.form("/api/v1/statuses", url.Values{"status": {"Over?"}, "poll[options][]": {"A", "B"}, "poll[expires_in]": {"600"}}, &ended)
	alice.form("/api/v1/statuses", url.Values{"status": {"@bea only you"}, "visibility": {"direct"},
		"poll[options][]": {"A", "B"}, "poll[expires_in]": {"600"}}, &secret)
	if _, err := s.db.Exec(context.Background(), `UPDATE polls SET expires_at = now() - interval '1 second' WHERE post_id = $1`, ended.ID); err != nil {
		t.Fatal(err)
	}
	bea.form("/api/v1/polls/"+open.ID+"/votes", url.Values{"choices[]": {"0"}}, nil)
	cases := []struct {
		name  string
		who   *apiUser
		id    string
		body  string
		code  int
		voted int // votes stored in the poll afterwards
	}{
		{"an option that does not exist", carol, open.ID, `{"choices": [2]}`, http.StatusUnprocessableEntity, 1},
		{"two options in a single-choice poll", carol, open.ID, `{"choices": [0, 1]}`, http.StatusUnprocessableEntity, 1},
		{"a second vote", bea, open.ID, `{"choices": [1]}`, http.StatusUnprocessableEntity, 1},
		{"no choice", carol, open.ID, `{"choices": []}`, http.StatusUnprocessableEntity, 1},
		{"after the end", carol, ended.ID, `{"choices": [0]}`, http.StatusUnprocessableEntity, 0},
		{"a poll one may not see", carol, secret.ID, `{"choices": [0]}`, http.StatusNotFound, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := c.who.send(http.MethodPost, "/api/v1/polls/"+c.id+"/votes", "application/json", c.body)
			if rec.Code != c.code {
				t.Errorf("%d %s, want %d", rec.Code, rec.Body, c.code)
			}
			var n int
			if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM poll_votes WHERE post_id = $1`, c.id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != c.voted {
				t.Errorf("%d votes stored, want %d", n, c.voted)
			}
		})
	}
	var p apiPollJSON
	alice.decode(call(s.e, http.MethodGet, "/api/v1/polls/"+open.ID, alice.token).Body.Bytes(), &p)
	if p.Options[0].VotesCount == nil || *p.Options[0].VotesCount != 1 || *p.Options[1].VotesCount != 0 {
		t.Errorf("counts after refusals: %+v", p.Options)
	}
}
