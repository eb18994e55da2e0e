package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrConvA     = "127.0.0.101:0"
	addrConvB     = "127.0.0.102:0"
	addrConvMasto = "127.0.0.103:0"
)

// conversationWith waits for a conversation in app whose last status says
// text, and returns it.
func conversationWith(t *testing.T, ctx context.Context, app *mastodon.Client, text string) *mastodon.Conversation {
	t.Helper()
	var found *mastodon.Conversation
	testenv.Eventually(t, 60*time.Second, "a conversation saying "+text, func() bool {
		list, err := app.GetConversations(ctx, nil)
		if err != nil {
			t.Fatalf("conversations: %v", err)
		}
		for _, c := range list {
			if c.LastStatus != nil && strings.Contains(c.LastStatus.Content, text) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// A private conversation between members of two Village instances, held
// through mattn/go-mastodon: alice writes to bea directly, bea finds it in
// her conversations and answers, alice sees the answer as unread and reads
// it. Nobody else can fetch it (the Note, outboxes, timelines, account
// statuses, feeds, pages, the other instance's API for carol, who is not
// mentioned), and it was delivered to bea's server only. A direct post
// that mentions a group stays out of the group.
func TestAPrivateConversationBetweenTwoInstances(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrConvA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrConvB})
	a.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice, dave := a.User("alice"), a.User("dave")
	bea, carol := b.User("bea"), b.User("carol")
	aliceApp, ctx := mastodonClient(t, alice)
	beaApp, _ := mastodonClient(t, bea)
	hostA, hostB := strings.TrimPrefix(a.BaseURL, "http://"), strings.TrimPrefix(b.BaseURL, "http://")
	// Dave and carol follow alice: her followers, yet not in the conversation.
	dave.Post("/api/v1/accounts/"+testenv.Lookup(t, dave, "alice").ID+"/follow", nil, nil)
	aliceOnB := testenv.Resolve(t, carol, "@alice@"+hostA)
	carol.Post("/api/v1/accounts/"+aliceOnB.ID+"/follow", nil, nil)
	testenv.Eventually(t, 60*time.Second, "carol following alice", func() bool { return testenv.RelationshipOf(t, carol, aliceOnB.ID).Following })
	// A remote member of moms, to see that the group passes nothing on.
	mia := testenv.NewRemote(t, "mia")
	testenv.JoinGroup(t, a, mia, "moms")

	secret := "the surprise party is on Saturday"
	dm := must[*mastodon.Status](t, "direct post")(aliceApp.PostStatus(ctx, &mastodon.Toot{
		Status: "@bea@" + hostB + " " + secret, Visibility: "direct"}))
	if dm.Visibility != "direct" {
		t.Fatalf("visibility %q", dm.Visibility)
	}

	t.Run("bea finds it in her conversations and answers", func(t *testing.T) {
		conv := conversationWith(t, ctx, beaApp, secret)
		if !conv.Unread || len(conv.Accounts) != 1 || conv.Accounts[0].Acct != "alice@"+hostA || conv.LastStatus.Visibility != "direct" {
			t.Errorf("bea's conversation: unread %v, accounts %v, visibility %s", conv.Unread, conv.Accounts, conv.LastStatus.Visibility)
		}
		must[*mastodon.Status](t, "bea's answer")(beaApp.PostStatus(ctx, &mastodon.Toot{
			Status: "@alice@" + hostA + " I will bring the cake", InReplyToID: conv.LastStatus.ID, Visibility: "direct"}))
		if err := beaApp.MarkConversationAsRead(ctx, conv.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("alice sees the answer unread, then reads it", func(t *testing.T) {
		conv := conversationWith(t, ctx, aliceApp, "I will bring the cake")
		if !conv.Unread || len(conv.Accounts) != 1 || conv.Accounts[0].Acct != "bea@"+hostB {
			t.Errorf("alice's conversation: unread %v, accounts %v", conv.Unread, conv.Accounts)
		}
		if conv.LastStatus.InReplyToID != string(dm.ID) {
			t.Errorf("the answer replies to %v, want alice's post %s", conv.LastStatus.InReplyToID, dm.ID)
		}
		if err := aliceApp.MarkConversationAsRead(ctx, conv.ID); err != nil {
			t.Fatal(err)
		}
		list := must[[]*mastodon.Conversation](t, "conversations")(aliceApp.GetConversations(ctx, nil))
		if len(list) != 1 || list[0].Unread {
			t.Errorf("after reading: %d conversations, unread %v", len(list), list[0].Unread)
		}
		notes := must[[]*mastodon.Notification](t, "notifications")(aliceApp.GetNotifications(ctx, nil))
		if !slices.ContainsFunc(notes, func(n *mastodon.Notification) bool {
			return n.Type == "mention" && n.Account.Acct == "bea@"+hostB
		}) {
			t.Errorf("no mention notification of bea's answer")
		}
		// Removing it takes it off alice's list only.
		if err := aliceApp.DeleteConversation(ctx, conv.ID); err != nil {
			t.Fatal(err)
		}
		if list := must[[]*mastodon.Conversation](t, "conversations")(aliceApp.GetConversations(ctx, nil)); len(list) != 0 {
			t.Errorf("alice still lists %d conversations", len(list))
		}
		if list := must[[]*mastodon.Conversation](t, "bea's conversations")(beaApp.GetConversations(ctx, nil)); len(list) != 1 {
			t.Errorf("bea lists %d conversations, want hers kept", len(list))
		}
	})

	t.Run("nobody else can fetch it", func(t *testing.T) {
		if code := testenv.GetActivity(t, dm.URI, nil); code != http.StatusNotFound {
			t.Errorf("the Note unsigned: %d, want 404", code)
		}
		if code := signedGet(t, b, "carol", dm.URI, nil); code != http.StatusNotFound {
			t.Errorf("the Note signed by carol's server: %d, want 404", code)
		}
		leaks := map[string]string{}
		for _, u := range []string{dm.URI, a.BaseURL + "/users/alice", a.BaseURL + "/@alice", a.BaseURL + "/",
			a.BaseURL + "/users/alice/feed.rss", a.BaseURL + "/users/alice/feed.atom", a.BaseURL + "/groups/moms",
			a.BaseURL + "/groups/moms/feed.rss"} {
			_, leaks[u] = pageText(t, u)
		}
		var outbox map[string]any
		testenv.GetActivity(t, a.BaseURL+"/users/alice/outbox?page=true", &outbox)
		leaks["alice's outbox"] = mustJSON(t, outbox)
		for _, reader := range []struct {
			who string
			c   *testenv.Client
			v   *testenv.Village
		}{{"dave", dave, a}, {"carol", carol, b}} {
			who, c := reader.who, reader.c
			var st map[string]any
			for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/accounts/" + accountOn(t, c, "alice", hostA) + "/statuses"} {
				var list []any
				c.Get(path, &list)
				leaks[who+" "+path] = mustJSON(t, list)
			}
			if code := c.Do(http.MethodGet, "/api/v1/statuses/"+postIDOn(t, reader.v, dm.URI), nil, &st); code != http.StatusNotFound {
				t.Errorf("%s reads the direct post by id: %d, want 404", who, code)
			}
		}
		for where, text := range leaks {
			if strings.Contains(text, secret) {
				t.Errorf("the direct post shows in %s", where)
			}
		}
	})

	t.Run("addressed to bea and delivered to her server only", func(t *testing.T) {
		var body []byte
		testenv.QueryOne(t, a, &body, `SELECT body FROM activities WHERE object_uri = $1 AND type = 'Create'`, dm.URI)
		var create map[string]any
		if err := json.Unmarshal(body, &create); err != nil {
			t.Fatal(err)
		}
		bURI, note := b.BaseURL+"/users/bea", testenv.InnerOf(create)
		for _, doc := range []map[string]any{create, note} {
			if !slices.Equal(refs(doc["to"]), []string{bURI}) || doc["cc"] != nil || doc["bto"] != nil || doc["bcc"] != nil {
				t.Errorf("%s addressed to %v cc %v, want bea alone", doc["type"], doc["to"], doc["cc"])
			}
		}
		var inboxes []string
		testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
			rows, err := conn.Query(ctx, `SELECT j.args->>'inbox' FROM river_job j JOIN activities act ON act.id = (j.args->>'activity_id')::bigint
				WHERE j.kind = 'deliver' AND act.object_uri = $1`, dm.URI)
			if err != nil {
				return err
			}
			inboxes, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if !slices.Equal(inboxes, []string{b.BaseURL + "/inbox"}) {
			t.Errorf("delivered to %v, want bea's server's inbox only", inboxes)
		}
	})

	t.Run("a direct post mentioning a group stays out of it", func(t *testing.T) {
		words := "moderators, a private word about a member"
		st := must[*mastodon.Status](t, "direct post")(aliceApp.PostStatus(ctx, &mastodon.Toot{
			Status: "@moms @dave " + words, Visibility: "direct"}))
		var groupID *int64
		testenv.QueryOne(t, a, &groupID, `SELECT group_id FROM posts WHERE uri = $1`, st.URI)
		if groupID != nil {
			t.Errorf("the post went into group %d", *groupID)
		}
		daveApp, _ := mastodonClient(t, dave)
		conversationWith(t, ctx, daveApp, words)
		var list []any
		dave.Get("/api/v1/accounts/"+testenv.Lookup(t, dave, "moms").ID+"/statuses", &list)
		if strings.Contains(mustJSON(t, list), words) {
			t.Errorf("the group's statuses show the direct post")
		}
		for _, got := range mia.Received() {
			if strings.Contains(mustJSON(t, got), words) {
				t.Errorf("the group's member elsewhere received %v", got["type"])
			}
		}
	})
}

// An incoming direct Note in the shape Mastodon sends it (addressed to
// the people it mentions, a group among them) is stored as direct, shows
// only to the person it mentions, notifies her and fills her
// conversations, and the group it names never passes it on.
func TestAMastodonDirectNoteShowsOnlyToTheMentionedMember(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrConvMasto})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice, dave := v.User("alice"), v.User("dave")
	mia := testenv.NewRemote(t, "mia")
	testenv.JoinGroup(t, v, mia, "moms")
	fill := strings.NewReplacer("{{ACTOR}}", mia.ActorID, "{{ORIGIN}}", mia.Server.URL, "{{TARGET}}", v.BaseURL+"/users/alice",
		"{{GROUP}}", v.BaseURL+"/groups/moms", "{{HOST}}", strings.TrimPrefix(v.BaseURL, "http://"))
	if code := mia.Post(v.BaseURL+"/inbox", payload(t, "mastodon_direct_note.json", fill), time.Now()); code != http.StatusAccepted {
		t.Fatalf("the direct Note: %d", code)
	}
	noteURI := mia.ActorID + "/statuses/200"
	var visibility string
	var groupID *int64
	testenv.QueryOne(t, v, &visibility, `SELECT visibility FROM posts WHERE uri = $1`, noteURI)
	testenv.QueryOne(t, v, &groupID, `SELECT group_id FROM posts WHERE uri = $1`, noteURI)
	if visibility != "direct" || groupID != nil {
		t.Fatalf("stored as %s in a group (%v), want direct and in none", visibility, groupID != nil)
	}
	app, ctx := mastodonClient(t, alice)
	conv := conversationWith(t, ctx, app, "mastodon-direct")
	if !conv.Unread || len(conv.Accounts) != 1 || !strings.HasPrefix(conv.Accounts[0].Acct, "mia@") {
		t.Errorf("alice's conversation: unread %v, accounts %v", conv.Unread, conv.Accounts)
	}
	notes := must[[]*mastodon.Notification](t, "notifications")(app.GetNotifications(ctx, nil))
	if len(notes) != 1 || notes[0].Type != "mention" || notes[0].Status == nil || notes[0].Status.ID != conv.LastStatus.ID {
		t.Errorf("alice's notifications: %d", len(notes))
	}
	id := string(conv.LastStatus.ID)
	if code := dave.Do(http.MethodGet, "/api/v1/statuses/"+id, nil, nil); code != http.StatusNotFound {
		t.Errorf("dave reads it: %d, want 404", code)
	}
	for _, path := range []string{"/api/v1/timelines/public", "/api/v1/accounts/" + testenv.Lookup(t, dave, "moms").ID + "/statuses"} {
		var list []any
		dave.Get(path, &list)
		if strings.Contains(mustJSON(t, list), "mastodon-direct") {
			t.Errorf("%s shows the direct Note", path)
		}
	}
	if code, body := pageText(t, v.BaseURL+"/groups/moms"); code != 200 || strings.Contains(body, "mastodon-direct") {
		t.Errorf("the group's page: %d, or it shows the direct Note", code)
	}
	if n := len(testenv.ReceivedOfType(mia, "Announce")); n != 0 {
		t.Errorf("the group announced %d activities", n)
	}
}

// accountOn is the id under which c's instance knows name@host.
func accountOn(t *testing.T, c *testenv.Client, name, host string) string {
	t.Helper()
	if c.BaseURL == "http://"+host {
		return testenv.Lookup(t, c, name).ID
	}
	return testenv.Resolve(t, c, "@"+name+"@"+host).ID
}

// postIDOn is the id of the post uri on v (it must be stored there).
func postIDOn(t *testing.T, v *testenv.Village, uri string) string {
	t.Helper()
	var id string
	testenv.QueryOne(t, v, &id, `SELECT id::text FROM posts WHERE uri = $1`, uri)
	return id
}
