package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

// Reports for Lemmy: Lemmy files a Flag only from a person (Person,
// Service or Organization), to one community, about one post, with a
// reason; Village sends it that shape from its reports actor, a Service,
// and everyone else Mastodon's from the instance actor. Instances listen
// on 127.0.0.49 and 127.0.0.52.

const (
	addrReportsLemmy = "127.0.0.49:0"
	addrReportsActor = "127.0.0.52:0"
)

// lemmyCommunity is a peer playing a Lemmy server with one community,
// announcing posts written on other servers the way Lemmy does.
type lemmyCommunity struct {
	*testenv.Remote
}

func newLemmyCommunity(t *testing.T, name string) lemmyCommunity {
	t.Helper()
	c := lemmyCommunity{testenv.NewRemote(t, name)}
	c.Software = "lemmy"
	doc := c.ActorDocument()
	doc["type"] = "Group"
	doc["name"] = "Parents"
	doc["attributedTo"] = c.ActorID + "/moderators"
	doc["postingRestrictedToMods"] = false
	c.Serve("/users/"+name, doc)
	c.Serve("/users/"+name+"/moderators", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"type": "OrderedCollection", "id": c.ActorID + "/moderators", "orderedItems": []string{}})
	return c
}

// announce has the community share a post by author into v's inbox and
// returns the post's id.
func (c lemmyCommunity) announce(t *testing.T, v *testenv.Village, author *testenv.Remote, n int, title string) string {
	t.Helper()
	postID := fmt.Sprintf("%s/post/%d", author.Server.URL, n)
	page := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "type": "Page", "id": postID,
		"attributedTo": author.ActorID, "to": []string{c.ActorID, asPublic}, "audience": c.ActorID,
		"name": title, "content": "<p>" + title + "</p>", "published": time.Now().UTC().Format(time.RFC3339)}
	author.Serve(fmt.Sprintf("/post/%d", n), page)
	share := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": fmt.Sprintf("%s/activities/announce/create/%d", c.Server.URL, n), "type": "Announce",
		"actor": c.ActorID, "to": []string{asPublic}, "cc": []string{c.ActorID + "/followers"},
		"object": map[string]any{"id": fmt.Sprintf("%s/activities/create/%d", author.Server.URL, n), "type": "Create",
			"actor": author.ActorID, "to": []string{asPublic}, "cc": []string{c.ActorID}, "audience": c.ActorID, "object": page}})
	if code := c.Post(v.BaseURL+"/inbox", share, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the community's share of post %d: %d", n, code)
	}
	var inGroup bool
	testenv.QueryOne(t, v, &inGroup, `SELECT p.group_id = g.id FROM posts p, actors g WHERE p.uri = $1 AND g.uri = $2`, postID, c.ActorID)
	if !inGroup {
		t.Fatalf("post %d is not stored as the community's", n)
	}
	return postID
}

// oneRef is a property that must name exactly one id, as a string or a
// one-element array (Lemmy's deserialize_one takes both); "" otherwise.
func oneRef(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) == 1 {
			s, _ := x[0].(string)
			return s
		}
	}
	return ""
}

// checkSignedBy verifies the HTTP signature of the POST that carried the
// activity with this id, as Lemmy would: the keyId names the actor's key,
// the actor's document (fetched from the sender) is a person type Lemmy
// takes, and its publicKeyPem verifies the signature. It returns the
// actor's document.
func checkSignedBy(t *testing.T, peer *testenv.Remote, activityID, actorID string) map[string]any {
	t.Helper()
	var d *testenv.Delivery
	for _, got := range peer.Deliveries() {
		var m map[string]any
		if json.Unmarshal(got.Body, &m) == nil && m["id"] == activityID {
			d = &got
			break
		}
	}
	if d == nil {
		t.Fatalf("no POST of %s at %s", activityID, peer.Server.URL)
	}
	signed, err := signature.CheckRequest(d.Request, d.Body, d.At, signature.Options{Scheme: "http"})
	if err != nil {
		t.Fatalf("the POST of %s: %v", activityID, err)
	}
	if signed.KeyID != actorID+"#main-key" {
		t.Errorf("signed with key %s, want %s#main-key", signed.KeyID, actorID)
	}
	keyURL, _, _ := strings.Cut(signed.KeyID, "#")
	var doc map[string]any
	if code := testenv.GetActivity(t, keyURL, &doc); code != http.StatusOK {
		t.Fatalf("fetching the signer %s: %d", keyURL, code)
	}
	key, _ := doc["publicKey"].(map[string]any)
	if doc["id"] != actorID || key["id"] != signed.KeyID || key["owner"] != actorID {
		t.Fatalf("the signer's document: id %v, key %v; want %s and its key", doc["id"], key, actorID)
	}
	pemText, _ := key["publicKeyPem"].(string)
	pub, err := signature.ParsePublicKeyPEM(pemText)
	if err != nil {
		t.Fatalf("the signer's key: %v", err)
	}
	if err := signed.Verify(pub); err != nil {
		t.Errorf("the signature of %s does not verify with the fetched key: %v", activityID, err)
	}
	return doc
}

func TestAReportInALemmyCommunityReachesLemmyFromTheReportsActor(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrReportsLemmy})
	parents := newLemmyCommunity(t, "parents")
	ann := testenv.NewRemote(t, "ann") // writes in the community from a Mastodon server
	ann.Software = "mastodon"
	first := parents.announce(t, v, ann, 1, "Selling formula, DM me")
	second := parents.announce(t, v, ann, 2, "Selling formula again")
	alice := v.User("alice")
	reportsActor := v.BaseURL + "/actors/reports"
	host, _, _ := strings.Cut(strings.TrimPrefix(v.BaseURL, "http://"), ":")

	var annID int64
	testenv.QueryOne(t, v, &annID, `SELECT id FROM actors WHERE uri = $1`, ann.ActorID)
	for i, c := range []struct {
		name, post, comment, summary string
	}{
		{"with a comment", first, "reselling donated formula", "reselling donated formula"},
		{"without a comment", second, "", "Reported by a member of " + host},
	} {
		t.Run(c.name, func(t *testing.T) {
			var postID int64
			testenv.QueryOne(t, v, &postID, `SELECT id FROM posts WHERE uri = $1`, c.post)
			if code := alice.Do(http.MethodPost, "/api/v1/reports", url.Values{"account_id": {strconv.FormatInt(annID, 10)},
				"status_ids[]": {strconv.FormatInt(postID, 10)}, "comment": {c.comment}, "forward": {"true"}}, nil); code != http.StatusOK {
				t.Fatalf("alice's report: %d", code)
			}
			testenv.Eventually(t, 30*time.Second, "the Flag at the Lemmy server", func() bool { return len(flagsTo(parents.Remote)) == i+1 })
			testenv.Eventually(t, 30*time.Second, "the Flag at ann's server", func() bool { return len(flagsTo(ann)) == i+1 })

			// The Lemmy server: Lemmy's shape, from the reports actor.
			flag := flagsTo(parents.Remote)[i]
			if flag["actor"] != reportsActor {
				t.Errorf("the Lemmy server's Flag comes from %v, want the reports actor %s", flag["actor"], reportsActor)
			}
			if to := oneRef(flag["to"]); to != parents.ActorID {
				t.Errorf("the Lemmy server's Flag is to %v, want the community alone", flag["to"])
			}
			if obj, ok := flag["object"].(string); !ok || obj != c.post {
				t.Errorf("the Lemmy server's Flag names %v, want the post's id alone", flag["object"])
			}
			if flag["summary"] != c.summary || flag["content"] != c.summary {
				t.Errorf("the Lemmy server's Flag has summary %q and content %q, want %q", flag["summary"], flag["content"], c.summary)
			}
			id, _ := flag["id"].(string)
			doc := checkSignedBy(t, parents.Remote, id, reportsActor)
			if doc["type"] != "Service" || doc["preferredUsername"] == "" || doc["inbox"] == nil || doc["outbox"] == nil {
				t.Errorf("the reports actor is %v with preferredUsername %v, inbox %v, outbox %v; Lemmy needs a Service with all three",
					doc["type"], doc["preferredUsername"], doc["inbox"], doc["outbox"])
			}

			// ann's server (Mastodon): the instance actor's Flag, as before.
			mastodon := flagsTo(ann)[i]
			if mastodon["actor"] != v.BaseURL+"/actor" {
				t.Errorf("ann's server's Flag comes from %v, want the instance actor", mastodon["actor"])
			}
			if objects := objectsOf(mastodon); !has(objects, ann.ActorID) || !has(objects, c.post) {
				t.Errorf("ann's server's Flag names %v, want ann and her post", objects)
			}
			checkSignedBy(t, ann, mastodon["id"].(string), v.BaseURL+"/actor")

			for _, f := range []map[string]any{flag, mastodon} {
				for _, who := range []string{v.BaseURL + "/users/alice", "alice"} {
					if mentions(t, f, who) {
						t.Errorf("a Flag names the reporter (%q): %v", who, f)
					}
				}
			}
		})
	}
	for _, f := range flagsTo(parents.Remote) {
		if f["actor"] != reportsActor {
			t.Errorf("the Lemmy server also got a Flag from %v", f["actor"])
		}
	}
}

func TestTheReportsActorIsAServiceAndNoAccount(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrReportsActor})
	alice := v.User("alice")
	id := v.BaseURL + "/actors/reports"
	host, _, _ := strings.Cut(v.Addr, ":")

	// Its document, served as ActivityPub JSON.
	req, err := http.NewRequest(http.MethodGet, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/activity+json") {
		t.Fatalf("GET %s: %d %q %v", id, resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	key, _ := doc["publicKey"].(map[string]any)
	pemText, _ := key["publicKeyPem"].(string)
	summary, _ := doc["summary"].(string)
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"type Service", doc["type"] == "Service"},
		{"its id", doc["id"] == id},
		{"preferredUsername reports", doc["preferredUsername"] == "reports"},
		{"name Reports from HOST", doc["name"] == "Reports from "+host},
		{"a summary saying reports are anonymous", strings.Contains(summary, "nobody learns who sent a report")},
		{"its inbox", doc["inbox"] == id+"/inbox"},
		{"its outbox", doc["outbox"] == id+"/outbox"},
		{"its key", key["id"] == id+"#main-key" && key["owner"] == id && strings.HasPrefix(pemText, "-----BEGIN PUBLIC KEY-----")},
		{"no followers to follow into", doc["followers"] == nil},
		{"not discoverable", doc["discoverable"] == false},
		{"approving followers by hand", doc["manuallyApprovesFollowers"] == true},
	} {
		if !c.ok {
			t.Errorf("the reports actor's document lacks %s: %v", c.what, doc)
		}
	}
	if _, err := signature.ParsePublicKeyPEM(pemText); err != nil {
		t.Errorf("its key: %v", err)
	}
	page, err := http.Get(id) // a browser gets a small page saying what it is
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(html), "Reports from "+host) {
		t.Errorf("the reports actor's page: %d\n%s", page.StatusCode, html)
	}
	var outbox map[string]any
	if code := testenv.GetActivity(t, id+"/outbox", &outbox); code != http.StatusOK || outbox["type"] != "OrderedCollection" || outbox["totalItems"] != float64(0) {
		t.Errorf("its outbox: %d %v, want an empty OrderedCollection", code, outbox)
	}

	// Its inbox takes signed POSTs and keeps nothing; a Follow makes no follower.
	rex := testenv.NewRemote(t, "rex")
	follow := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": rex.ActorID + "/follows/1",
		"type": "Follow", "actor": rex.ActorID, "object": id}
	if resp, body := rex.Deliver(id+"/inbox", follow); resp.StatusCode != http.StatusAccepted {
		t.Errorf("a signed Follow at its inbox: %d %s, want 202", resp.StatusCode, body)
	}
	unsigned := rex.NewPost(id+"/inbox", testenv.Activity(t, follow))
	if code := testenv.Send(t, unsigned); code != http.StatusUnauthorized {
		t.Errorf("an unsigned POST at its inbox: %d, want 401", code)
	}
	follow["id"] = rex.ActorID + "/follows/2"
	if resp, body := rex.Deliver(v.BaseURL+"/inbox", follow); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a Follow of it at the shared inbox: %d %s, want 422", resp.StatusCode, body)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM follows f JOIN actors a ON a.id = f.followee_id WHERE a.type = 'Service'`); n != 0 {
		t.Errorf("the reports actor has %d followers, want none", n)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM activities WHERE uri LIKE $1`, rex.ActorID+"/follows/%"); n != 0 {
		t.Errorf("%d Follows of the reports actor were stored", n)
	}

	// WebFinger and the client API know no such account.
	var serviceID int64
	testenv.QueryOne(t, v, &serviceID, `SELECT id FROM actors WHERE domain IS NULL AND type = 'Service'`)
	for _, resource := range []string{"acct:reports@" + v.Addr, id, "acct:reports-service@" + v.Addr} {
		if code := testenv.GetActivity(t, v.BaseURL+"/.well-known/webfinger?"+url.Values{"resource": {resource}}.Encode(), nil); code != http.StatusNotFound {
			t.Errorf("WebFinger of %s: %d, want 404", resource, code)
		}
	}
	for _, path := range []string{"/api/v1/accounts/lookup?acct=reports", "/api/v1/accounts/lookup?acct=reports-service",
		"/api/v1/accounts/" + strconv.FormatInt(serviceID, 10)} {
		if code := alice.Do(http.MethodGet, path, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
	for _, q := range []url.Values{{"q": {"reports"}}, {"q": {id}, "resolve": {"true"}}, {"q": {"reports@" + v.Addr}, "resolve": {"true"}}} {
		var res struct {
			Accounts []testenv.Account `json:"accounts"`
		}
		if code := alice.Do(http.MethodGet, "/api/v2/search?"+q.Encode(), nil, &res); code != http.StatusOK || len(res.Accounts) != 0 {
			t.Errorf("search %v: %d %+v, want no accounts", q, code, res.Accounts)
		}
	}
	if code := alice.Do(http.MethodPost, "/api/v1/accounts/"+strconv.FormatInt(serviceID, 10)+"/follow", url.Values{}, nil); code != http.StatusNotFound {
		t.Errorf("following it from the API: %d, want 404", code)
	}
}
