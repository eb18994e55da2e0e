package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances and peers of the poll tests (127.0.0.150-159 are theirs).
const (
	addrPollsA      = "127.0.0.150:0"
	addrPollsB      = "127.0.0.151:0"
	addrPollsShapes = "127.0.0.152:0"
	addrPollsRemote = "127.0.0.153"
)

// pollEntity is Mastodon's Poll as the tests read it.
type pollEntity struct {
	ID          string `json:"id"`
	Expired     bool   `json:"expired"`
	Multiple    bool   `json:"multiple"`
	VotesCount  int    `json:"votes_count"`
	VotersCount *int   `json:"voters_count"`
	Options     []struct {
		Title      string `json:"title"`
		VotesCount *int   `json:"votes_count"`
	} `json:"options"`
	Voted    *bool `json:"voted"`
	OwnVotes []int `json:"own_votes"`
}

type statusWithPoll struct {
	testenv.Status
	Poll *pollEntity `json:"poll"`
}

// findPoll returns the status (or the status a boost carries) whose text contains text.
func findPoll(t *testing.T, c *testenv.Client, path, text string) *statusWithPoll {
	t.Helper()
	var list []struct {
		statusWithPoll
		Reblog *statusWithPoll `json:"reblog"`
	}
	c.Get(path, &list)
	for _, s := range list {
		if s.Reblog != nil && contains(s.Reblog.Content, text) {
			return s.Reblog
		}
		if contains(s.Content, text) {
			s := s.statusWithPoll
			return &s
		}
	}
	return nil
}

func contains(s, sub string) bool { return len(sub) > 0 && len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func votes(p *pollEntity, i int) int {
	if p == nil || i >= len(p.Options) || p.Options[i].VotesCount == nil {
		return -1
	}
	return *p.Options[i].VotesCount
}

func TestARemoteMemberVotesInAGroupsPollAndBothSidesCount(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPollsA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPollsB})
	a.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents")
	alice, bob := a.User("alice"), b.User("bob")
	var rel testenv.Relationship
	groupOnA := testenv.Lookup(t, alice, "park_slope")
	alice.Post("/api/v1/accounts/"+groupOnA.ID+"/follow", nil, &rel)
	group := testenv.Resolve(t, bob, "@park_slope@"+a.Addr)
	bob.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "alice and bob in the group", func() bool {
		return testenv.RelationshipOf(t, alice, groupOnA.ID).Following && testenv.RelationshipOf(t, bob, group.ID).Following
	})

	// Alice asks the group, with a poll.
	var asked statusWithPoll
	alice.Post("/api/v1/statuses", url.Values{"status": {"@park_slope Saturday meetup: where?"},
		"poll[options][]": {"Prospect Park", "Library"}, "poll[expires_in]": {"3600"}}, &asked)
	if asked.Poll == nil || asked.Group == nil {
		t.Fatalf("the poll is not in the group: %+v", asked)
	}

	// Bob, on B, sees it through the group, with its options, and votes.
	var onB *statusWithPoll
	testenv.Eventually(t, 30*time.Second, "the poll on B", func() bool {
		onB = findPoll(t, bob, "/api/v1/accounts/"+group.ID+"/statuses", "Saturday meetup")
		return onB != nil
	})
	if onB.Poll == nil || len(onB.Poll.Options) != 2 || onB.Poll.Options[1].Title != "Library" || onB.Poll.Expired {
		t.Fatalf("the poll on B: %+v", onB.Poll)
	}
	// Carol votes on A: A sends its counts at once (none went out in the
	// last minute), and B shows what it could learn only from A.
	carol := a.User("carol")
	carol.Post("/api/v1/accounts/"+groupOnA.ID+"/follow", nil, &rel)
	carol.Post("/api/v1/polls/"+asked.ID+"/votes", url.Values{"choices[]": {"0"}}, nil)
	testenv.Eventually(t, 30*time.Second, "A's counts on B after its Update{Question}", func() bool {
		var p pollEntity
		bob.Get("/api/v1/polls/"+onB.Poll.ID, &p)
		return votes(&p, 0) == 1 && votes(&p, 1) == 0 && p.VotersCount != nil && *p.VotersCount == 1
	})

	// Bob votes on B; A counts it, once.
	var voted pollEntity
	bob.Post("/api/v1/polls/"+onB.Poll.ID+"/votes", url.Values{"choices[]": {"1"}}, &voted)
	if len(voted.OwnVotes) != 1 || voted.OwnVotes[0] != 1 || votes(&voted, 1) != 1 || votes(&voted, 0) != 1 {
		t.Errorf("bob's vote on B: %+v", voted)
	}
	testenv.Eventually(t, 30*time.Second, "bob's vote counted on A", func() bool {
		var p pollEntity
		alice.Get("/api/v1/polls/"+asked.ID, &p)
		return votes(&p, 1) == 1 && votes(&p, 0) == 1 && p.VotersCount != nil && *p.VotersCount == 2
	})

	// A second vote is refused on B, and nothing more reaches A.
	var refusal map[string]any
	if code := bob.Do(http.MethodPost, "/api/v1/polls/"+onB.Poll.ID+"/votes", url.Values{"choices[]": {"0"}}, &refusal); code != http.StatusUnprocessableEntity {
		t.Errorf("a second vote: %d %v, want 422", code, refusal)
	}
	time.Sleep(time.Second)
	var p pollEntity
	alice.Get("/api/v1/polls/"+asked.ID, &p)
	if votes(&p, 0) != 1 || votes(&p, 1) != 1 {
		t.Errorf("counts on A after the refused vote: %+v", p.Options)
	}
	var n int
	testenv.QueryOne(t, a, &n, `SELECT count(*) FROM posts WHERE type = 'Note' AND name <> ''`)
	if n != 0 {
		t.Errorf("a vote was stored as a post on A (%d)", n)
	}
}
