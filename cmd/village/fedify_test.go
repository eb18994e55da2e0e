package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The addresses of the Fedify tests (ports picked at start).
const (
	addrFedify        = "127.0.0.4:0" // the Fedify peer of both tests
	addrFedifyFollows = "127.0.0.57:0"
)

// A Fedify server, code that is not ours, joins a Village group and is
// followed by a Village member, with Fedify's defaults: RFC 9421 signatures
// first (Village verifies them: no second knock with draft-cavage), Linked
// Data Signatures and Object Integrity Proofs in the body, compacted
// JSON-LD. Village's own deliveries to Fedify are RFC 9421 signed and
// taken at the first knock.
func TestFedifyPeerFollowsAVillageGroup(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFedifyFollows})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents", "--location", "Park Slope, Brooklyn")
	alice := v.User("alice")
	f := testenv.StartFedify(t, addrFedify, "fedi")
	groupURL := v.BaseURL + "/groups/park_slope"
	fedifyAcct := strings.TrimPrefix(f.Handle(), "@")

	// Fedify follows the group by its handle: WebFinger, a signed fetch of
	// the Group actor, a Follow; Village answers with an Accept that Fedify
	// verifies.
	followID := f.Follow("@park_slope@" + v.Addr)
	var accept map[string]any
	testenv.Eventually(t, 15*time.Second, "the group's Accept at the Fedify peer", func() bool {
		for _, a := range f.ReceivedOfType("Accept") {
			if a["actor"] == groupURL {
				accept = a
				return true
			}
		}
		return false
	})
	if id := testenv.ObjectID(accept["object"]); id != followID {
		t.Errorf("the Accept's object is %v, want the Follow %s", accept["object"], followID)
	}
	group := testenv.Lookup(t, alice, "park_slope")
	if got := followers(t, alice, group.ID); len(got) != 1 || got[0].Acct != fedifyAcct {
		t.Fatalf("the group's followers = %+v, want only %s", got, fedifyAcct)
	}

	// Fedify's POSTs to Village were signed with RFC 9421 and taken at once.
	if err := tookRFC9421(f.Sent(), v.BaseURL); err != nil {
		t.Errorf("%v; Fedify sent:\n%s", err, formatRequests(f.Sent()))
	}

	// A Village member follows the Fedify actor by its handle; Fedify
	// verifies Village's signed Follow and accepts it at once.
	fediOnV := testenv.Resolve(t, alice, f.Handle())
	if fediOnV.Acct != fedifyAcct {
		t.Errorf("resolved %s as %+v", f.Handle(), fediOnV)
	}
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+fediOnV.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 15*time.Second, "Fedify's Accept of alice's Follow", func() bool {
		return testenv.RelationshipOf(t, alice, fediOnV.ID).Following
	})
	var follows []map[string]any
	for _, a := range f.ReceivedOfType("Follow") {
		if a["actor"] == v.BaseURL+"/users/alice" && testenv.ObjectID(a["object"]) == f.ActorURL() {
			follows = append(follows, a)
		}
	}
	if len(follows) != 1 {
		t.Errorf("Fedify received %d Follows from alice, want 1", len(follows))
	}
	if got := f.Followers(); len(got) != 1 || got[0] != v.BaseURL+"/users/alice" {
		t.Errorf("Fedify's followers = %v, want alice", got)
	}

	// Fedify leaves the group.
	f.Unfollow("@park_slope@" + v.Addr)
	testenv.Eventually(t, 15*time.Second, "Fedify gone from the group's followers", func() bool {
		return len(followers(t, alice, group.ID)) == 0
	})
	if n := collectionTotal(t, groupURL+"/followers"); n != 0 {
		t.Errorf("the group's followers collection has %d items after Undo, want 0", n)
	}
	if r := f.Refused(); len(r) != 0 {
		t.Errorf("Fedify refused Village's activities: %v", r)
	}
	// Village's POSTs to Fedify (the Accept, alice's Follow) were signed
	// with RFC 9421, tried first, and verified by Fedify at the first knock.
	posts := 0
	for _, in := range f.Incoming() {
		if in.Method != http.MethodPost {
			continue
		}
		posts++
		if in.Signature != "rfc9421" || in.Status >= 300 {
			t.Errorf("Village POSTed %s signed %s, answered %d; want RFC 9421, accepted", in.Path, in.Signature, in.Status)
		}
	}
	if posts < 2 {
		t.Errorf("Fedify got %d POSTs from Village, want at least the Accept and alice's Follow", posts)
	}
}

// The peer's control API, checked against the Go peer that records exactly
// what arrives: follow and unfollow, a Note mentioning an actor, a Like, an
// Update and a Delete; and a draft-cavage signed Follow from the Go peer is
// verified and accepted.
func TestFedifyPeerControlAPI(t *testing.T) {
	t.Parallel()
	r := testenv.NewRemote(t, "carol")
	f := testenv.StartFedify(t, addrFedify, "fedi")

	waitFor := func(what string, match func(map[string]any) bool) map[string]any {
		t.Helper()
		var found map[string]any
		testenv.Eventually(t, 10*time.Second, what+" at the Go peer", func() bool {
			for _, a := range r.Received() {
				if match(a) {
					found = a
					return true
				}
			}
			return false
		})
		return found
	}

	followID := f.Follow(r.ActorID)
	waitFor("Follow", func(a map[string]any) bool {
		return a["type"] == "Follow" && a["id"] == followID && a["object"] == r.ActorID && a["actor"] == f.ActorURL()
	})

	noteID := f.Note(testenv.FedifyNote{To: []string{r.ActorID}, Content: "anyone know a pediatrician near Prospect Park?"})
	create := waitFor("Create{Note}", func(a map[string]any) bool {
		return a["type"] == "Create" && testenv.ObjectID(a["object"]) == noteID
	})
	note, _ := create["object"].(map[string]any)
	if !strings.Contains(fmt.Sprint(note["content"]), "pediatrician") || note["attributedTo"] != f.ActorURL() {
		t.Errorf("note = %v", note)
	}
	if to := fmt.Sprint(note["to"]); !strings.Contains(to, r.ActorID) || !strings.Contains(to, "Public") {
		t.Errorf("note addressed to %v, want Public and %s", note["to"], r.ActorID)
	}
	if tag := fmt.Sprint(note["tag"]); !strings.Contains(tag, "Mention") || !strings.Contains(tag, r.ActorID) {
		t.Errorf("note tags = %v, want a Mention of %s", note["tag"], r.ActorID)
	}
	if create["proof"] == nil || create["signature"] == nil {
		t.Errorf("Create carries no Object Integrity Proof or Linked Data Signature: %v", create)
	}
	if code := testenv.GetActivity(t, noteID, nil); code != http.StatusOK {
		t.Errorf("GET %s: %d", noteID, code)
	}

	r.Serve("/notes/1", map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": r.Server.URL + "/notes/1", "type": "Note",
		"attributedTo": r.ActorID, "content": "hello", "to": "https://www.w3.org/ns/activitystreams#Public",
	})
	likeID := f.Like(r.Server.URL + "/notes/1")
	waitFor("Like", func(a map[string]any) bool {
		return a["type"] == "Like" && a["id"] == likeID && a["object"] == r.Server.URL+"/notes/1"
	})

	updateID := f.Update(noteID, "found one, thanks!")
	update := waitFor("Update{Note}", func(a map[string]any) bool { return a["id"] == updateID })
	if o, _ := update["object"].(map[string]any); update["type"] != "Update" || !strings.Contains(fmt.Sprint(o["content"]), "found one") {
		t.Errorf("update = %v", update)
	}

	deleteID := f.Delete(noteID)
	del := waitFor("Delete", func(a map[string]any) bool { return a["id"] == deleteID })
	if del["type"] != "Delete" || testenv.ObjectID(del["object"]) != noteID {
		t.Errorf("delete = %v", del)
	}
	if code := testenv.GetActivity(t, noteID, nil); code == http.StatusOK {
		t.Errorf("GET %s after Delete: %d", noteID, code)
	}

	f.Unfollow(r.ActorID)
	waitFor("Undo{Follow}", func(a map[string]any) bool {
		return a["type"] == "Undo" && testenv.ObjectID(a["object"]) == followID
	})

	// A draft-cavage signed Follow (as Village sends) is verified and accepted.
	follow := testenv.Activity(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": r.ActorID + "/follows/1", "type": "Follow",
		"actor": r.ActorID, "object": f.ActorURL(),
	})
	if code := r.Post(f.ActorURL()+"/inbox", follow, time.Now()); code >= 300 {
		t.Fatalf("signed Follow to the Fedify inbox: %d; refused: %v", code, f.Refused())
	}
	waitFor("Accept{Follow}", func(a map[string]any) bool {
		return a["type"] == "Accept" && testenv.ObjectID(a["object"]) == r.ActorID+"/follows/1"
	})
	if got := f.Followers(); len(got) != 1 || got[0] != r.ActorID {
		t.Errorf("Fedify's followers = %v, want %s", got, r.ActorID)
	}

	// An unsigned Follow is refused.
	bad := testenv.Activity(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": r.ActorID + "/follows/2", "type": "Follow",
		"actor": r.ActorID, "object": f.ActorURL(),
	})
	req := r.NewPost(f.ActorURL()+"/inbox", bad)
	if code := testenv.Send(t, req); code < 400 {
		t.Errorf("unsigned Follow to the Fedify inbox: %d, want a refusal", code)
	}
}

// tookRFC9421 checks that every POST Fedify sent to base was signed with
// RFC 9421 and accepted, and that there was at least one.
func tookRFC9421(sent []testenv.FedifyRequest, base string) error {
	n := 0
	for _, s := range sent {
		if s.Method != http.MethodPost || !strings.HasPrefix(s.URL, base+"/") {
			continue
		}
		n++
		if s.Signature != "rfc9421" || s.Status < 200 || s.Status >= 300 {
			return fmt.Errorf("POST %s signed %s was answered %d, want RFC 9421 accepted at once", s.URL, s.Signature, s.Status)
		}
	}
	if n == 0 {
		return fmt.Errorf("Fedify sent no POST to %s", base)
	}
	return nil
}

func formatRequests(sent []testenv.FedifyRequest) string {
	var b strings.Builder
	for _, s := range sent {
		fmt.Fprintf(&b, "  %s %s [%s] %d %s\n", s.Method, s.URL, s.Signature, s.Status, s.Error)
	}
	return b.String()
}
