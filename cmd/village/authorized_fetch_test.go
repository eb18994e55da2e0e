package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The addresses of the authorized-fetch test (ports picked at start).
const (
	addrSecureA      = "127.0.0.140:0" // authorized fetch off
	addrSecureB      = "127.0.0.141:0" // authorized fetch on
	addrSecureFedify = "127.0.0.142:0"
)

// An instance with authorized fetch on still federates with another
// Village, which signs its fetches (as its instance actor) and its
// deliveries; its documents refuse unsigned fetches (401) and signed ones
// from a suspended server (403), and take Fedify's signed fetches of
// either scheme. Discovery and its instance actor stay open.
func TestAuthorizedFetchInstanceStillFederates(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrSecureA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrSecureB, Env: map[string]string{"VILLAGE_AUTHORIZED_FETCH": "true"}})
	b.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents", "--location", "Park Slope, Brooklyn")
	alice := a.User("alice")
	groupURL := b.BaseURL + "/groups/park_slope"

	// Unsigned: B's documents are refused, discovery and /actor are not;
	// A (authorized fetch off) serves its documents to anyone.
	for _, tt := range []struct {
		url  string
		want int
	}{
		{groupURL, http.StatusUnauthorized},
		{groupURL + "/followers", http.StatusUnauthorized},
		{b.BaseURL + "/actor", http.StatusOK},
		{a.BaseURL + "/users/alice", http.StatusOK},
	} {
		if code := testenv.GetActivity(t, tt.url, nil); code != tt.want {
			t.Errorf("unsigned GET %s: %d, want %d", tt.url, code, tt.want)
		}
	}
	resp, err := http.Get(b.BaseURL + "/.well-known/webfinger?resource=acct:park_slope@" + b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("WebFinger on B: %d, want 200", resp.StatusCode)
	}

	// A member of A joins B's group: A's signed fetch of the group and its
	// signed Follow pass, and B's Accept comes back.
	group := testenv.Resolve(t, alice, "@park_slope@"+b.Addr)
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "the group's Accept", func() bool {
		return testenv.RelationshipOf(t, alice, group.ID).Following
	})

	// Fedify's signed fetches of B's group: draft-cavage and RFC 9421 are
	// taken, an unsigned one is not; once Fedify's server is suspended on
	// B, its signed fetch is refused.
	f := testenv.StartFedify(t, addrSecureFedify, "fedi")
	if got := f.Fetch(groupURL, true); got.Status != http.StatusOK {
		t.Errorf("Fedify's draft-cavage signed fetch: %d %s", got.Status, got.Body)
	}
	if got := f.FetchRFC9421(groupURL); got.Status != http.StatusOK {
		t.Errorf("Fedify's RFC 9421 signed fetch: %d %s", got.Status, got.Body)
	}
	if got := f.Fetch(groupURL, false); got.Status != http.StatusUnauthorized {
		t.Errorf("Fedify's unsigned fetch: %d, want 401", got.Status)
	}
	b.Admin("admin", "domain", "block", f.Addr, "--reason", "test")
	testenv.Eventually(t, 10*time.Second, "the suspended server's signed fetch refused", func() bool {
		return f.Fetch(groupURL, true).Status == http.StatusForbidden
	})
	if got := f.FetchRFC9421(groupURL); got.Status != http.StatusForbidden {
		t.Errorf("the suspended server's RFC 9421 signed fetch: %d, want 403", got.Status)
	}
}
