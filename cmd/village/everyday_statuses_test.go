package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const addrEveryday = "127.0.0.100:0"

// Everyday statuses through mattn/go-mastodon, as an app calls them:
// bookmarks and their pages, a status's source and history after an edit,
// pinning to the profile (read back as the library reads pins, and sent
// to a follower's server as Add{target: featured}), and markers. The
// library has no calls for pin and markers; those go through our own
// client, and are read back through the library where it can.
func TestEverydayStatusesThroughAMastodonClientLibrary(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrEveryday})
	alice, bea := v.User("alice"), v.User("bea")
	app, ctx := mastodonClient(t, alice)
	beaApp, _ := mastodonClient(t, bea)
	mia := testenv.NewRemote(t, "mia")
	followedBy(t, v, mia, "alice")

	t.Run("bookmarks", func(t *testing.T) {
		var ids []mastodon.ID
		for i := range 3 {
			st := must[*mastodon.Status](t, "post")(beaApp.PostStatus(ctx, &mastodon.Toot{Status: fmt.Sprintf("bookmark me %d", i)}))
			ids = append(ids, st.ID)
			if got := must[*mastodon.Status](t, "bookmark")(app.Bookmark(ctx, st.ID)); got.Bookmarked != true {
				t.Errorf("bookmarked is %v after Bookmark", got.Bookmarked)
			}
		}
		pg := &mastodon.Pagination{Limit: 2}
		first := must[[]*mastodon.Status](t, "bookmarks")(app.GetBookmarks(ctx, pg))
		if len(first) != 2 || first[0].ID != ids[2] || first[1].ID != ids[1] || pg.MaxID == "" {
			t.Fatalf("first page of bookmarks: %d, next %q", len(first), pg.MaxID)
		}
		second := must[[]*mastodon.Status](t, "bookmarks")(app.GetBookmarks(ctx, &mastodon.Pagination{MaxID: pg.MaxID, Limit: 2}))
		if len(second) != 1 || second[0].ID != ids[0] {
			t.Errorf("second page of bookmarks: %v", second)
		}
		if got := must[*mastodon.Status](t, "unbookmark")(app.Unbookmark(ctx, ids[1])); got.Bookmarked != false {
			t.Errorf("bookmarked is %v after Unbookmark", got.Bookmarked)
		}
		if list := must[[]*mastodon.Status](t, "bookmarks")(app.GetBookmarks(ctx, nil)); len(list) != 2 {
			t.Errorf("%d bookmarks after unbookmarking one of 3", len(list))
		}
		// Bea never sees alice's bookmarks.
		if got := must[*mastodon.Status](t, "status")(beaApp.GetStatus(ctx, ids[0])); got.Bookmarked != false {
			t.Errorf("bea's own post shows bookmarked to her: %v", got.Bookmarked)
		}
	})

	t.Run("source and history after an edit", func(t *testing.T) {
		typed := "Playgroup at *ten*, bring snacks #park"
		st := must[*mastodon.Status](t, "post")(app.PostStatus(ctx, &mastodon.Toot{Status: typed, Language: "en"}))
		if st.Language != "en" {
			t.Errorf("language %q, want en", st.Language)
		}
		edited := "Playgroup at *eleven*, bring snacks #park"
		must[*mastodon.Status](t, "edit")(app.UpdateStatus(ctx, &mastodon.Toot{Status: edited, SpoilerText: "time change"}, st.ID))
		src := must[*mastodon.Source](t, "source")(app.GetStatusSource(ctx, st.ID))
		if src.Text != edited || src.SpoilerText != "time change" || src.ID != st.ID {
			t.Errorf("source %+v, want the text as typed", src)
		}
		history := must[[]*mastodon.StatusHistory](t, "history")(app.GetStatusHistory(ctx, st.ID))
		if len(history) != 2 || !strings.Contains(history[0].Content, "ten") || history[0].SpoilerText != "" ||
			!strings.Contains(history[1].Content, "eleven") || history[1].SpoilerText != "time change" ||
			history[0].Account.Username != "alice" || history[1].CreatedAt.Before(history[0].CreatedAt) {
			t.Errorf("history %+v, want the original then the edit", history)
		}
		// Bea reads the same history of a post she may see.
		if got := must[[]*mastodon.StatusHistory](t, "bea's history")(beaApp.GetStatusHistory(ctx, st.ID)); len(got) != 2 {
			t.Errorf("bea sees %d versions", len(got))
		}
	})

	t.Run("pin to profile", func(t *testing.T) {
		st := must[*mastodon.Status](t, "post")(app.PostStatus(ctx, &mastodon.Toot{Status: "our group's rules, pinned"}))
		var pinned struct{ Pinned bool }
		alice.Post("/api/v1/statuses/"+string(st.ID)+"/pin", nil, &pinned)
		if !pinned.Pinned {
			t.Errorf("pinned is false after /pin")
		}
		me := must[*mastodon.Account](t, "me")(app.GetAccountCurrentUser(ctx))
		pins := must[[]*mastodon.Status](t, "pinned")(beaApp.GetAccountPinnedStatuses(ctx, me.ID))
		if len(pins) != 1 || pins[0].ID != st.ID {
			t.Errorf("alice's pins read by bea: %v", pins)
		}
		if got := must[*mastodon.Status](t, "status")(app.GetStatus(ctx, st.ID)); got.Pinned != true {
			t.Errorf("pinned on alice's own status: %v", got.Pinned)
		}
		var actor struct{ Featured string }
		testenv.GetActivity(t, v.BaseURL+"/users/alice", &actor)
		var featured struct {
			OrderedItems []struct{ ID string } `json:"orderedItems"`
		}
		if actor.Featured != v.BaseURL+"/users/alice/featured" || testenv.GetActivity(t, actor.Featured, &featured) != 200 ||
			len(featured.OrderedItems) != 1 || featured.OrderedItems[0].ID != st.URI {
			t.Errorf("actor featured %q holds %v, want the pinned Note", actor.Featured, featured.OrderedItems)
		}
		testenv.Eventually(t, 30*time.Second, "the Add at mia's server", func() bool {
			for _, a := range testenv.ReceivedOfType(mia, "Add") {
				if a["object"] == st.URI && a["target"] == actor.Featured && a["actor"] == v.BaseURL+"/users/alice" {
					return true
				}
			}
			return false
		})
		alice.Post("/api/v1/statuses/"+string(st.ID)+"/unpin", nil, &pinned)
		if pins := must[[]*mastodon.Status](t, "pinned")(app.GetAccountPinnedStatuses(ctx, me.ID)); pinned.Pinned || len(pins) != 0 {
			t.Errorf("after unpinning: pinned %v, %d pins", pinned.Pinned, len(pins))
		}
		testenv.Eventually(t, 30*time.Second, "the Remove at mia's server", func() bool {
			for _, a := range testenv.ReceivedOfType(mia, "Remove") {
				if a["object"] == st.URI && a["target"] == actor.Featured {
					return true
				}
			}
			return false
		})
	})

	t.Run("markers", func(t *testing.T) {
		type marker struct {
			LastReadID string `json:"last_read_id"`
			Version    int    `json:"version"`
			UpdatedAt  string `json:"updated_at"`
		}
		var saved map[string]marker
		alice.Post("/api/v1/markers", url.Values{"home[last_read_id]": {"103"}, "notifications[last_read_id]": {"7"}}, &saved)
		if saved["home"].LastReadID != "103" || saved["home"].Version != 1 || saved["notifications"].LastReadID != "7" {
			t.Errorf("saved from a form: %+v", saved)
		}
		body, _ := json.Marshal(map[string]any{"home": map[string]any{"last_read_id": "105"}})
		req, _ := http.NewRequest(http.MethodPost, v.BaseURL+"/api/v1/markers", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("JSON markers: %d", resp.StatusCode)
		}
		var read map[string]marker
		alice.Get("/api/v1/markers?timeline[]=home&timeline[]=notifications", &read)
		if read["home"].LastReadID != "105" || read["home"].Version != 2 || read["notifications"].Version != 1 {
			t.Errorf("read back: %+v; want home at 105, version 2", read)
		}
		if _, err := time.Parse(time.RFC3339, read["home"].UpdatedAt); err != nil {
			t.Errorf("updated_at %q: %v", read["home"].UpdatedAt, err)
		}
		var beas map[string]marker
		bea.Get("/api/v1/markers?timeline[]=home", &beas)
		if len(beas) != 0 {
			t.Errorf("bea reads alice's markers: %+v", beas)
		}
	})
}
