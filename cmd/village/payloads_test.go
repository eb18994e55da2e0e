package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// TestPayloadsInTheShapesRealServersSend replays, in order, activities shaped
// as Mastodon, GoToSocial, Lemmy, PieFed, Misskey, Pleroma, Akkoma and
// Friendica send them (testdata/payloads, written from their documentation
// and source), from a member of a local group, and checks each one's effect.
func TestPayloadsInTheShapesRealServersSend(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.65:0"})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	moms := testenv.Lookup(t, alice, "moms")
	mia := testenv.NewRemote(t, "mia")
	testenv.JoinGroup(t, v, mia, "moms")
	// Another server's post, which mia shares: served by its own origin.
	rob := testenv.NewRemote(t, "rob")
	robsNote := rob.Server.URL + "/notes/1"
	rob.Serve("/notes/1", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": robsNote, "type": "Note",
		"attributedTo": rob.ActorID, "content": "<p>rob's real words</p>", "to": "https://www.w3.org/ns/activitystreams#Public"})
	replacer := strings.NewReplacer("{{ACTOR}}", mia.ActorID, "{{GROUP}}", v.BaseURL+"/groups/moms",
		"{{ORIGIN}}", mia.Server.URL, "{{HOST}}", strings.TrimPrefix(v.BaseURL, "http://"), "{{BASE}}", v.BaseURL,
		"{{OTHER}}", rob.ActorID, "{{OTHER_NOTE}}", robsNote)
	// Alice follows mia, so what mia shares reaches her home timeline.
	miaAcct := testenv.Lookup(t, alice, "mia@"+strings.TrimPrefix(mia.Server.URL, "http://"))
	alice.Post("/api/v1/accounts/"+miaAcct.ID+"/follow", nil, nil)
	accept := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/accepts/1", "type": "Accept", "actor": mia.ActorID,
		"object": map[string]any{"type": "Follow", "actor": v.BaseURL + "/users/alice", "object": mia.ActorID}})
	if code := mia.Post(v.BaseURL+"/inbox", accept, time.Now()); code != 202 {
		t.Fatalf("accept: %d", code)
	}
	homeHas := func(text, sharedBy string) bool {
		s, by := find(timeline(t, alice, "/api/v1/timelines/home"), text)
		return s != nil && by == sharedBy
	}
	miaHandle := "mia@" + strings.TrimPrefix(mia.Server.URL, "http://")

	byURI := func(uri string) *testenv.Status {
		for _, s := range timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses?limit=40") {
			if s.URI == uri {
				return &s
			}
		}
		return nil
	}
	mastodonNote, page, comment := mia.ActorID+"/statuses/100", mia.Server.URL+"/post/7", mia.Server.URL+"/comment/3"
	likes := func(uri string) int {
		s := byURI(uri)
		if s == nil {
			return -1
		}
		var full testenv.Status
		alice.Get("/api/v1/statuses/"+s.ID, &full)
		return full.FavouritesCount
	}
	steps := []struct {
		file  string
		check func() string // "" when the effect is there
	}{
		{"mastodon_create_note.json", func() string {
			s := byURI(mastodonNote)
			if s == nil || !strings.Contains(s.Content, "mastodon-shaped") {
				return "the Mastodon Note is not in the group"
			}
			var full struct {
				Media []struct{ URL string }  `json:"media_attachments"`
				Tags  []struct{ Name string } `json:"tags"`
			}
			alice.Get("/api/v1/statuses/"+s.ID, &full)
			if len(full.Media) != 1 || len(full.Tags) != 1 || full.Tags[0].Name != "parenting" {
				return "attachment or hashtag lost"
			}
			return ""
		}},
		{"mastodon_reply.json", func() string {
			s := byURI(mia.ActorID + "/statuses/101")
			if s == nil || s.InReplyToID == nil || *s.InReplyToID != byURI(mastodonNote).ID || s.SpoilerText != "cw: long" {
				return "the reply is not threaded under the Note with its content warning"
			}
			return ""
		}},
		{"gotosocial_create_compacted.json", func() string {
			if byURI(mia.ActorID+"/statuses/01GTS") == nil {
				return "the compacted GoToSocial Note is not in the group"
			}
			return ""
		}},
		{"lemmy_create_page.json", func() string {
			s := byURI(page)
			if s == nil || !strings.Contains(s.Content, "Lemmy-shaped page title") || !strings.Contains(s.Content, "lemmy page body") {
				return "the Lemmy Page is not in the group with its title"
			}
			var full struct {
				Media []struct{ URL string } `json:"media_attachments"`
			}
			alice.Get("/api/v1/statuses/"+s.ID, &full)
			if len(full.Media) != 1 {
				return "the Page's image link was lost"
			}
			return ""
		}},
		{"lemmy_create_comment.json", func() string {
			s := byURI(comment)
			if s == nil || s.InReplyToID == nil || *s.InReplyToID != byURI(page).ID {
				return "the Lemmy comment is not under its page"
			}
			return ""
		}},
		{"piefed_like.json", func() string {
			if n := likes(page); n != 1 {
				return "the PieFed Like did not count"
			}
			return ""
		}},
		{"misskey_like_reaction.json", func() string {
			if likes(mastodonNote) != 1 {
				return "the Misskey reaction did not count as a like"
			}
			return ""
		}},
		{"pleroma_emojireact.json", func() string {
			if likes(comment) != 1 {
				return "the Pleroma EmojiReact did not count"
			}
			return ""
		}},
		{"friendica_create_contentmap.json", func() string {
			s := byURI(mia.Server.URL + "/objects/0b6e")
			if s == nil || !strings.Contains(s.Content, "Inhalt nur in contentMap") {
				return "the Friendica Note with only contentMap is not in the group"
			}
			return ""
		}},
		{"mastodon_update_note.json", func() string {
			if s := byURI(mastodonNote); s == nil || !strings.Contains(s.Content, "edited") {
				return "the Mastodon edit did not apply"
			}
			return ""
		}},
		{"akkoma_undo_reaction.json", func() string {
			if likes(comment) != 0 {
				return "the Akkoma Undo of a reaction did not apply"
			}
			return ""
		}},
		{"mastodon_delete_tombstone.json", func() string {
			if byURI(mia.ActorID+"/statuses/101") != nil {
				return "the deleted reply is still shown"
			}
			return ""
		}},
		{"unknown_extension.json", func() string { return "" }},
		{"mastodon_announce_id.json", func() string {
			if !homeHas("real words", miaHandle) {
				return "mia's boost of rob's post (by id) is not in her follower's home timeline"
			}
			return ""
		}},
		{"mastodon_announce_id.json", func() string { // delivered again: still one boost
			n := 0
			for _, s := range timeline(t, alice, "/api/v1/timelines/home") {
				if s.Reblog != nil && strings.Contains(s.Reblog.Content, "real words") {
					n++
				}
			}
			if n != 1 {
				return fmt.Sprintf("the same Announce twice shows %d boosts", n)
			}
			return ""
		}},
		{"pleroma_announce_embedded.json", func() string {
			if s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "forged text"); s != nil {
				return "an embedded object from another origin was believed instead of fetched"
			}
			return ""
		}},
		{"gotosocial_follow_compacted.json", func() string {
			if f := followers(t, alice, alice.MeID()); len(f) != 1 || f[0].Acct != miaHandle {
				return "the compacted GoToSocial Follow did not make mia a follower"
			}
			return ""
		}},
		{"mastodon_undo_follow.json", func() string {
			if f := followers(t, alice, alice.MeID()); len(f) != 0 {
				return "the Undo{Follow} did not end the follow"
			}
			return ""
		}},
	}
	for _, step := range steps {
		raw, err := os.ReadFile(filepath.Join("testdata", "payloads", step.file))
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(replacer.Replace(string(raw)))
		if code := mia.Post(v.BaseURL+"/inbox", body, time.Now()); code != 202 {
			t.Errorf("%s: %d, want 202", step.file, code)
			continue
		}
		if problem := step.check(); problem != "" {
			t.Errorf("%s: %s", step.file, problem)
		}
	}
}
