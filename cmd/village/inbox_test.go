package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

// stored counts what an instance's inbox has kept: activities recorded,
// follows, and outgoing activities.
func stored(t *testing.T, v *testenv.Village) string {
	t.Helper()
	ctx := context.Background()
	conn := v.DB()
	var inbox, follows, activities, actors int
	err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox_activities), (SELECT count(*) FROM follows),
		(SELECT count(*) FROM activities), (SELECT count(*) FROM actors)`).Scan(&inbox, &follows, &activities, &actors)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("inbox_activities=%d follows=%d activities=%d actors=%d", inbox, follows, activities, actors)
}

// signWithout signs a POST like a sender that leaves digest out of the
// signed headers.
func signWithout(t *testing.T, r *testenv.Remote, req *http.Request, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	signing := fmt.Sprintf("(request-target): post %s\nhost: %s\ndate: %s", req.URL.RequestURI(), req.URL.Host, req.Header.Get("Date"))
	h := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, r.Key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="(request-target) host date",signature="%s"`,
		r.KeyID, base64.StdEncoding.EncodeToString(sig)))
}

func TestInboxRefusesBadRequestsAndStoresNothing(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.64:0"})
	v.User("alice")
	remote := testenv.NewRemote(t, "mallory")
	other := testenv.NewRemote(t, "oscar")
	inbox := v.BaseURL + "/users/alice/inbox"
	follow := func(id string) []byte {
		return testenv.Activity(t, map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": remote.ActorID + "/follows/" + id,
			"type": "Follow", "actor": remote.ActorID, "object": v.BaseURL + "/users/alice",
		})
	}
	before := stored(t, v)

	tests := []struct {
		name string
		send func() int
		want int
	}{
		{"unsigned POST", func() int {
			return testenv.Send(t, remote.NewPost(inbox, follow("unsigned")))
		}, 401},
		{"digest not matching the body", func() int {
			body := follow("digest")
			req := remote.NewPost(inbox, body)
			if err := signature.SignRequest(req, body, remote.KeyID, remote.Key, time.Now()); err != nil {
				t.Fatal(err)
			}
			tampered := bytes.Replace(body, []byte("alice"), []byte("alicf"), 1)
			req2 := remote.NewPost(inbox, tampered)
			req2.Header = req.Header.Clone()
			return testenv.Send(t, req2)
		}, 401},
		{"signature not covering digest", func() int {
			body := follow("nodigest")
			req := remote.NewPost(inbox, body)
			signWithout(t, remote, req, body)
			return testenv.Send(t, req)
		}, 401},
		{"stale Date", func() int {
			return remote.Post(inbox, follow("stale"), time.Now().Add(-3*time.Hour))
		}, 401},
		{"Date far in the future", func() int {
			return remote.Post(inbox, follow("future"), time.Now().Add(3*time.Hour))
		}, 401},
		{"key owner is not the activity's actor", func() int {
			body := testenv.Activity(t, map[string]any{"id": other.ActorID + "/follows/1", "type": "Follow",
				"actor": other.ActorID, "object": v.BaseURL + "/users/alice"})
			return remote.Post(inbox, body, time.Now())
		}, 401},
		{"RFC 9421 signature only", func() int {
			req := remote.NewPost(inbox, follow("rfc9421"))
			req.Header.Set("Signature-Input", `sig1=("@method" "@target-uri" "content-digest");created=1;keyid="`+remote.KeyID+`"`)
			req.Header.Set("Signature", "sig1=:AAAA:")
			return testenv.Send(t, req)
		}, 401},
		{"body over the limit", func() int {
			body := []byte(`{"type":"Follow","pad":"` + strings.Repeat("x", 2<<20) + `"}`)
			return remote.Post(inbox, body, time.Now())
		}, 413},
		{"invalid JSON", func() int {
			return remote.Post(inbox, []byte(`{"type": "Follow", `), time.Now())
		}, 400},
		{"JSON that is not an object", func() int {
			return remote.Post(inbox, []byte(`["Follow"]`), time.Now())
		}, 400},
		{"activity without id", func() int {
			return remote.Post(inbox, testenv.Activity(t, map[string]any{"type": "Follow", "actor": remote.ActorID,
				"object": v.BaseURL + "/users/alice"}), time.Now())
		}, 400},
		{"activity id on another origin", func() int {
			return remote.Post(inbox, testenv.Activity(t, map[string]any{"id": "http://127.0.0.9:1/x", "type": "Follow",
				"actor": remote.ActorID, "object": v.BaseURL + "/users/alice"}), time.Now())
		}, 400},
		{"wrong content type", func() int {
			body := follow("ctype")
			req := remote.NewPost(inbox, body)
			req.Header.Set("Content-Type", "text/plain")
			if err := signature.SignRequest(req, body, remote.KeyID, remote.Key, time.Now()); err != nil {
				t.Fatal(err)
			}
			return testenv.Send(t, req)
		}, 415},
		{"inbox of nobody", func() int {
			return remote.Post(v.BaseURL+"/users/nobody/inbox", follow("nobody"), time.Now())
		}, 404},
		{"follow of an unknown local actor", func() int {
			return remote.Post(v.BaseURL+"/inbox", testenv.Activity(t, map[string]any{"id": remote.ActorID + "/follows/x",
				"type": "Follow", "actor": remote.ActorID, "object": v.BaseURL + "/users/nobody"}), time.Now())
		}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.send(); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
			// Refusals store nothing (the signer's actor may be cached: that is not the request's doing).
			if after := stored(t, v); !sameExceptActors(before, after) {
				t.Errorf("stored %s, was %s", after, before)
			}
		})
	}
}

func sameExceptActors(a, b string) bool {
	cut := func(s string) string { return s[:strings.Index(s, " actors=")] }
	return cut(a) == cut(b)
}

func TestInboxAppliesTheSameActivityOnce(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.64:0"})
	alice := v.User("alice")
	remote := testenv.NewRemote(t, "rosa")
	body := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": remote.ActorID + "/follows/1", "type": "Follow", "actor": remote.ActorID, "object": v.BaseURL + "/users/alice"})
	for i := 0; i < 3; i++ {
		if code := remote.Post(v.BaseURL+"/inbox", body, time.Now()); code != 202 {
			t.Fatalf("delivery %d: %d", i+1, code)
		}
	}
	testenv.Eventually(t, 30*time.Second, "the Accept", func() bool { return len(remote.Received()) >= 1 })
	time.Sleep(time.Second) // room for a wrong second Accept to arrive
	if got := remote.Received(); len(got) != 1 || got[0]["type"] != "Accept" {
		t.Fatalf("remote received %v, want one Accept", got)
	}
	accept := remote.Received()[0]
	if obj, _ := accept["object"].(map[string]any); obj["id"] != remote.ActorID+"/follows/1" || accept["actor"] != v.BaseURL+"/users/alice" {
		t.Errorf("Accept does not embed the Follow: %v", accept)
	}
	if s := stored(t, v); !strings.HasPrefix(s, "inbox_activities=1 follows=1 activities=1") {
		t.Errorf("stored %s, want one activity, one follow, one Accept", s)
	}
	if f := followers(t, alice, alice.MeID()); len(f) != 1 {
		t.Errorf("alice has %d followers, want 1", len(f))
	}
}

func TestFetchesOfPrivateAddressesAreRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.64:0", Env: map[string]string{"VILLAGE_ALLOW_PRIVATE": ""}})
	alice := v.User("alice")
	remote := testenv.NewRemote(t, "lena")
	var res struct {
		Accounts []testenv.Account `json:"accounts"`
	}
	alice.Get("/api/v2/search?"+url.Values{"q": {remote.ActorID}, "resolve": {"true"}}.Encode(), &res)
	if len(res.Accounts) != 0 || remote.Hits() != 0 {
		t.Errorf("loopback actor resolved (%d accounts, %d requests reached it)", len(res.Accounts), remote.Hits())
	}
	// Its signed Follow cannot be verified either: its key is out of reach.
	body := testenv.Activity(t, map[string]any{"id": remote.ActorID + "/f", "type": "Follow", "actor": remote.ActorID,
		"object": v.BaseURL + "/users/alice"})
	if code := remote.Post(v.BaseURL+"/inbox", body, time.Now()); code != 401 || remote.Hits() != 0 {
		t.Errorf("follow from a private address: %d with %d fetches, want 401 and none", code, remote.Hits())
	}
}

func TestFetchedDocumentWhoseIDIsNotItsURLIsDiscarded(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.64:0"})
	alice := v.User("alice")
	remote := testenv.NewRemote(t, "ivy")
	impostor := remote.ActorDocument() // ivy's document, served at another address
	remote.Serve("/users/impostor", impostor)
	before := stored(t, v)
	var res struct {
		Accounts []testenv.Account `json:"accounts"`
	}
	alice.Get("/api/v2/search?"+url.Values{"q": {remote.Server.URL + "/users/impostor"}, "resolve": {"true"}}.Encode(), &res)
	if len(res.Accounts) != 0 {
		t.Errorf("resolved %v from a document whose id is not its URL", res.Accounts)
	}
	if after := stored(t, v); after != before {
		t.Errorf("stored %s, was %s", after, before)
	}
	// The real one resolves.
	alice.Get("/api/v2/search?"+url.Values{"q": {remote.ActorID}, "resolve": {"true"}}.Encode(), &res)
	if len(res.Accounts) != 1 || res.Accounts[0].Acct != "ivy@"+strings.TrimPrefix(remote.Server.URL, "http://") {
		t.Errorf("resolving the real actor: %v", res.Accounts)
	}
}

func TestActorUpdatesAndDeletesApply(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.64:0"})
	alice := v.User("alice")
	remote := testenv.NewRemote(t, "june")
	follow := testenv.Activity(t, map[string]any{"id": remote.ActorID + "/follows/1", "type": "Follow",
		"actor": remote.ActorID, "object": v.BaseURL + "/users/alice"})
	if code := remote.Post(v.BaseURL+"/inbox", follow, time.Now()); code != 202 {
		t.Fatalf("follow: %d", code)
	}
	juneAcct := "june@" + strings.TrimPrefix(remote.Server.URL, "http://")
	june := testenv.Lookup(t, alice, juneAcct)

	// A new display name is applied.
	doc := remote.ActorDocument()
	doc["name"] = "June Carter"
	update := testenv.Activity(t, map[string]any{"id": remote.ActorID + "#updates/1", "type": "Update",
		"actor": remote.ActorID, "object": doc})
	if code := remote.Post(v.BaseURL+"/inbox", update, time.Now()); code != 202 {
		t.Fatalf("update: %d", code)
	}
	var got struct {
		DisplayName string `json:"display_name"`
	}
	alice.Get("/api/v1/accounts/"+june.ID, &got)
	if got.DisplayName != "June Carter" {
		t.Errorf("display name %q after Update", got.DisplayName)
	}

	// A new key the actor's own origin does not confirm is refused.
	forged := remote.ActorDocument()
	forged["publicKey"].(map[string]any)["publicKeyPem"] = otherKeyPEM(t)
	update = testenv.Activity(t, map[string]any{"id": remote.ActorID + "#updates/2", "type": "Update",
		"actor": remote.ActorID, "object": forged})
	if code := remote.Post(v.BaseURL+"/inbox", update, time.Now()); code != 400 {
		t.Errorf("update with an unconfirmed key: %d, want 400", code)
	}
	like := testenv.Activity(t, map[string]any{"id": remote.ActorID + "#likes/1", "type": "Like",
		"actor": remote.ActorID, "object": v.BaseURL + "/users/alice"})
	if code := remote.Post(v.BaseURL+"/inbox", like, time.Now()); code != 202 {
		t.Errorf("signed with the old key after a refused key change: %d, want 202", code)
	}
	// An actor may not update another.
	other := testenv.NewRemote(t, "kim")
	update = testenv.Activity(t, map[string]any{"id": remote.ActorID + "#updates/3", "type": "Update",
		"actor": remote.ActorID, "object": other.ActorDocument()})
	if code := remote.Post(v.BaseURL+"/inbox", update, time.Now()); code != 403 {
		t.Errorf("update of another actor: %d, want 403", code)
	}
	// Deleting itself removes the actor and its follow.
	del := testenv.Activity(t, map[string]any{"id": remote.ActorID + "#delete", "type": "Delete",
		"actor": remote.ActorID, "object": remote.ActorID})
	if code := remote.Post(v.BaseURL+"/inbox", del, time.Now()); code != 202 {
		t.Fatalf("delete: %d", code)
	}
	if f := followers(t, alice, alice.MeID()); len(f) != 0 {
		t.Errorf("alice still has %d followers after the follower's Delete", len(f))
	}
	if code := alice.Do("GET", "/api/v1/accounts/"+june.ID, nil, nil); code != 404 {
		t.Errorf("deleted actor still served: %d", code)
	}
}

func otherKeyPEM(t *testing.T) string {
	t.Helper()
	return testenv.NewRemote(t, "keyholder").ActorDocument()["publicKey"].(map[string]any)["publicKeyPem"].(string)
}

func TestARotatedKeyIsFetchedAgainOnce(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.64:0"})
	v.User("alice")
	remote := testenv.NewRemote(t, "nora")
	like := func(n int) []byte {
		return testenv.Activity(t, map[string]any{"id": fmt.Sprintf("%s#likes/%d", remote.ActorID, n), "type": "Like",
			"actor": remote.ActorID, "object": v.BaseURL + "/users/alice"})
	}
	for i := 1; i <= 3; i++ {
		if code := remote.Post(v.BaseURL+"/inbox", like(i), time.Now()); code != 202 {
			t.Fatalf("like %d: %d", i, code)
		}
	}
	if n := remote.ActorFetches(); n != 1 {
		t.Errorf("actor fetched %d times for 3 activities, want once (keys are cached)", n)
	}
	remote.RotateKey()
	if code := remote.Post(v.BaseURL+"/inbox", like(4), time.Now()); code != 202 {
		t.Fatalf("signed with the rotated key: %d, want 202", code)
	}
	if n := remote.ActorFetches(); n != 2 {
		t.Errorf("actor fetched %d times in all, want 2 (one re-fetch for the new key)", n)
	}
}
