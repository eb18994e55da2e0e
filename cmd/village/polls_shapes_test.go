package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
)

// mastodonQuestion is a poll as Mastodon's ActivityPub::NoteSerializer
// writes it (app/serializers/activitypub/note_serializer.rb): oneOf or
// anyOf of Notes with name and replies{type: Collection, totalItems},
// endTime, votersCount, in a Create from the author.
func mastodonQuestion(r *testenv.Remote, id, mention string, counts [2]int, voters int) map[string]any {
	return map[string]any{
		"id": id, "type": "Question", "summary": nil, "inReplyTo": nil, "published": "2026-05-02T10:00:00Z",
		"url": r.Server.URL + "/@" + r.Username + "/1", "attributedTo": r.ActorID,
		"to": []any{federation.Public}, "cc": []any{r.ActorID + "/followers", mention},
		"sensitive": false, "atomUri": id, "conversation": "tag:mastodon.example,2026:objectId=1:objectType=Conversation",
		"content":    `<p><span class="h-card"><a href="` + mention + `" class="u-url mention">@<span>rosa</span></a></span> Park or pool on Saturday?</p>`,
		"contentMap": map[string]any{"en": "<p>Park or pool on Saturday?</p>"}, "attachment": []any{},
		"tag":     []any{map[string]any{"type": "Mention", "href": mention, "name": "@rosa"}},
		"endTime": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339), "votersCount": voters,
		"oneOf": []any{
			map[string]any{"type": "Note", "name": "Park", "replies": map[string]any{"type": "Collection", "totalItems": counts[0]}},
			map[string]any{"type": "Note", "name": "Pool", "replies": map[string]any{"type": "Collection", "totalItems": counts[1]}},
		},
	}
}

// misskeyQuestion is a poll as Misskey's ApRendererService renders a note
// with a poll: a Question with _misskey_content and source, anyOf for a
// multiple-choice poll (no votersCount, no _misskey_votes), endTime.
func misskeyQuestion(r *testenv.Remote, id, mention string, counts [2]int) map[string]any {
	return map[string]any{
		"id": id, "type": "Question", "attributedTo": r.ActorID, "summary": nil,
		"content":          `<p><a href="` + mention + `" class="u-url mention">@rosa</a> Snacks: fruit or crackers?</p>`,
		"_misskey_content": "@rosa Snacks: fruit or crackers?",
		"source":           map[string]any{"content": "@rosa Snacks: fruit or crackers?", "mediaType": "text/x.misskeymarkdown"},
		"published":        "2026-05-02T10:00:00.000Z", "to": []any{federation.Public}, "cc": []any{r.ActorID + "/followers", mention},
		"inReplyTo": nil, "attachment": []any{}, "sensitive": false,
		"tag":     []any{map[string]any{"type": "Mention", "href": mention, "name": "@rosa"}},
		"endTime": time.Now().Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"),
		"anyOf": []any{
			map[string]any{"type": "Note", "name": "Fruit", "replies": map[string]any{"type": "Collection", "totalItems": counts[0]}},
			map[string]any{"type": "Note", "name": "Crackers", "replies": map[string]any{"type": "Collection", "totalItems": counts[1]}},
		},
	}
}

func wrapActivity(r *testenv.Remote, typ, id string, object map[string]any) map[string]any {
	return map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams"}, "id": id, "type": typ, "actor": r.ActorID,
		"published": "2026-05-02T10:00:00Z", "to": object["to"], "cc": object["cc"], "object": object}
}

// pollMentioning finds the status with a poll that mentioned rosa.
func pollMentioning(t *testing.T, rosa *testenv.Client, text string) *statusWithPoll {
	t.Helper()
	var list []struct {
		Type   string          `json:"type"`
		Status *statusWithPoll `json:"status"`
	}
	rosa.Get("/api/v1/notifications", &list)
	for _, n := range list {
		if n.Status != nil && strings.Contains(n.Status.Content, text) {
			return n.Status
		}
	}
	return nil
}

func TestMastodonAndMisskeyPollsAreShownVotedAndRefreshed(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPollsShapes})
	rosa := v.User("rosa")
	rosaURI := v.BaseURL + "/users/rosa"
	cases := []struct {
		name     string
		software string
		text     string
		question func(r *testenv.Remote, id string, counts [2]int) map[string]any
		choices  []string
		multiple bool
	}{
		{"Mastodon", "mastodon", "Park or pool", func(r *testenv.Remote, id string, c [2]int) map[string]any {
			return mastodonQuestion(r, id, rosaURI, c, c[0]+c[1])
		}, []string{"1"}, false},
		{"Misskey", "misskey", "fruit or crackers", func(r *testenv.Remote, id string, c [2]int) map[string]any {
			return misskeyQuestion(r, id, rosaURI, c)
		}, []string{"0", "1"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			author := testenv.NewRemote(t, "maria")
			author.Software = c.software
			id := author.ActorID + "/statuses/1"
			q := c.question(author, id, [2]int{2, 1})
			if resp, body := author.Deliver(v.BaseURL+"/inbox", wrapActivity(author, "Create", id+"/activity", q)); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("Create{Question}: %d %s", resp.StatusCode, body)
			}
			st := pollMentioning(t, rosa, c.text)
			if st == nil || st.Poll == nil {
				t.Fatalf("the %s poll is not shown: %+v", c.name, st)
			}
			if p := st.Poll; len(p.Options) != 2 || p.Multiple != c.multiple || votes(p, 0) != 2 || votes(p, 1) != 1 || p.Expired {
				t.Errorf("poll read: %+v", p)
			}

			// Rosa votes; the author alone gets Mastodon's vote shape.
			var voted pollEntity
			rosa.Post("/api/v1/polls/"+st.Poll.ID+"/votes", url.Values{"choices[]": c.choices}, &voted)
			testenv.Eventually(t, 20*time.Second, "the votes at the author's inbox", func() bool {
				return len(author.Deliveries()) >= len(c.choices)
			})
			time.Sleep(300 * time.Millisecond) // nothing else may follow
			deliveries := author.Deliveries()
			if len(deliveries) != len(c.choices) {
				t.Fatalf("%d deliveries, want one Create a chosen option", len(deliveries))
			}
			names := map[string]bool{}
			for _, d := range deliveries {
				if d.Request.URL.Path != "/users/maria/inbox" {
					t.Errorf("a vote went to %s, not the author's inbox", d.Request.URL.Path)
				}
				var act map[string]any
				if err := json.Unmarshal(d.Body, &act); err != nil {
					t.Fatal(err)
				}
				note, _ := act["object"].(map[string]any)
				to, _ := note["to"].([]any)
				actTo := federation.Object(act).Refs("to") // one value may come compacted
				if act["type"] != "Create" || act["actor"] != rosaURI || note["type"] != "Note" || note["inReplyTo"] != id ||
					note["attributedTo"] != rosaURI || len(to) != 1 || to[0] != author.ActorID || len(actTo) != 1 || actTo[0] != author.ActorID ||
					act["cc"] != nil || note["content"] != nil {
					t.Errorf("vote not in Mastodon's shape: %s", d.Body)
				}
				name, _ := note["name"].(string)
				names[name] = true
			}
			for _, choice := range c.choices {
				i := map[string]int{"0": 0, "1": 1}[choice]
				if !names[st.Poll.Options[i].Title] {
					t.Errorf("no vote named %q among %v", st.Poll.Options[i].Title, names)
				}
			}

			// The author's Update{Question} refreshes the counts, and is no edit.
			upd := c.question(author, id, [2]int{7, 5})
			if resp, body := author.Deliver(v.BaseURL+"/inbox", wrapActivity(author, "Update", author.ActorID+"/updates/1", upd)); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("Update{Question}: %d %s", resp.StatusCode, body)
			}
			var after struct {
				EditedAt *string     `json:"edited_at"`
				Poll     *pollEntity `json:"poll"`
			}
			rosa.Get("/api/v1/statuses/"+st.ID, &after)
			if votes(after.Poll, 0) != 7 || votes(after.Poll, 1) != 5 || after.EditedAt != nil || len(after.Poll.OwnVotes) != len(c.choices) {
				t.Errorf("after the Update: %+v, edited %v", after.Poll, after.EditedAt)
			}
		})
	}

	// Hostile Questions: refused, and no post is kept.
	hostile := testenv.NewRemote(t, "mallory")
	many := make([]any, 10_000)
	for i := range many {
		many[i] = map[string]any{"type": "Note", "name": "option", "replies": map[string]any{"type": "Collection", "totalItems": 1}}
	}
	for name, change := range map[string]func(q map[string]any){
		"10,000 options":            func(q map[string]any) { delete(q, "oneOf"); q["anyOf"] = many },
		"an end in 9999":            func(q map[string]any) { q["endTime"] = "9999-12-31T23:59:59Z" },
		"an end that is not a time": func(q map[string]any) { q["endTime"] = "next tuesday" },
	} {
		id := hostile.ActorID + "/statuses/" + strings.ReplaceAll(name, " ", "-")
		q := mastodonQuestion(hostile, id, rosaURI, [2]int{1, 1}, 2)
		change(q)
		resp, body := hostile.Deliver(v.BaseURL+"/inbox", wrapActivity(hostile, "Create", id+"/activity", q))
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("a Question with %s: %d %s, want a 4xx", name, resp.StatusCode, body)
		}
		var n int
		testenv.QueryOne(t, v, &n, `SELECT count(*) FROM posts WHERE uri = $1`, id)
		if n != 0 {
			t.Errorf("a Question with %s was stored", name)
		}
	}
}
