package testenv

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// What the end-to-end tests read of the client API's answers, and the
// calls many of them make.

// Account is the part of Mastodon's Account the tests read.
type Account struct {
	ID       string `json:"id"`
	Acct     string `json:"acct"`
	Username string `json:"username"`
	Group    bool   `json:"group"`
	Locked   bool   `json:"locked"`
}

// Relationship is the part of Mastodon's Relationship follows change.
type Relationship struct {
	ID         string `json:"id"`
	Following  bool   `json:"following"`
	Requested  bool   `json:"requested"`
	FollowedBy bool   `json:"followed_by"`
}

// BlockRelationship is the part of Mastodon's Relationship blocks change.
type BlockRelationship struct {
	Following  bool `json:"following"`
	FollowedBy bool `json:"followed_by"`
	Blocking   bool `json:"blocking"`
	BlockedBy  bool `json:"blocked_by"`
	Muting     bool `json:"muting"`
}

// Status is the part of Mastodon's Status the tests read.
type Status struct {
	ID              string   `json:"id"`
	URI             string   `json:"uri"`
	Content         string   `json:"content"`
	SpoilerText     string   `json:"spoiler_text"`
	InReplyToID     *string  `json:"in_reply_to_id"`
	FavouritesCount int      `json:"favourites_count"`
	Account         Account  `json:"account"`
	Reblog          *Status  `json:"reblog"`
	Group           *Account `json:"group"`
}

// Resolve finds a handle through the API's search with resolve=true.
func Resolve(t testing.TB, c *Client, handle string) Account {
	t.Helper()
	var res struct {
		Accounts []Account `json:"accounts"`
	}
	c.Get("/api/v2/search?"+url.Values{"q": {handle}, "resolve": {"true"}, "type": {"accounts"}}.Encode(), &res)
	if len(res.Accounts) != 1 {
		t.Fatalf("search %s: %d accounts, want 1", handle, len(res.Accounts))
	}
	return res.Accounts[0]
}

// Lookup finds an account this instance knows by its acct.
func Lookup(t testing.TB, c *Client, acct string) Account {
	t.Helper()
	var out Account
	c.Get("/api/v1/accounts/lookup?acct="+acct, &out)
	return out
}

// RelationshipOf is c's relationship to the account id.
func RelationshipOf(t testing.TB, c *Client, id string) Relationship {
	t.Helper()
	return relationshipOf[Relationship](t, c, id)
}

// BlockRelationshipOf is c's relationship to the account id, as blocks change it.
func BlockRelationshipOf(t testing.TB, c *Client, id string) BlockRelationship {
	t.Helper()
	return relationshipOf[BlockRelationship](t, c, id)
}

// relationshipOf reads c's relationship to the account id into the part T.
func relationshipOf[T any](t testing.TB, c *Client, id string) T {
	t.Helper()
	var rels []T
	c.Get("/api/v1/accounts/relationships?id[]="+id, &rels)
	if len(rels) != 1 {
		t.Fatalf("relationships of %s: %v", id, rels)
	}
	return rels[0]
}

// PostStatus posts a status through the API.
func PostStatus(t testing.TB, c *Client, form url.Values) Status {
	t.Helper()
	var s Status
	c.Post("/api/v1/statuses", form, &s)
	return s
}

// StatusCode is the API's answer to GET /api/v1/statuses/:id.
func StatusCode(c *Client, id string) int {
	return c.Do(http.MethodGet, "/api/v1/statuses/"+id, nil, nil)
}

// JoinLocalGroup has a local user join a local group through the API.
func JoinLocalGroup(t testing.TB, c *Client, group string) {
	t.Helper()
	var rel Relationship
	c.Post("/api/v1/accounts/"+Lookup(t, c, group).ID+"/follow", nil, &rel)
	if !rel.Following {
		t.Fatalf("follow %s: %+v", group, rel)
	}
}

// JoinFromVillage makes a local user of one instance join a group on another.
func JoinFromVillage(t testing.TB, c *Client, handle string) Account {
	t.Helper()
	g := Resolve(t, c, handle)
	var rel Relationship
	c.Post("/api/v1/accounts/"+g.ID+"/follow", nil, &rel)
	Eventually(t, 30*time.Second, "the follow of "+handle+" accepted", func() bool { return RelationshipOf(t, c, g.ID).Following })
	return g
}
