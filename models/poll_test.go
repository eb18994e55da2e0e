package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// pollFixture is a local poll by alice ("Park", "Library", "Pool") and
// three voters, bob and carol here and maria on Mastodon.
type pollFixture struct {
	db                       models.DB
	alice, bob, carol, maria *models.Actor
}

func newPollFixture(t *testing.T) *pollFixture {
	t.Helper()
	f := testenv.NewFixtures(t)
	return &pollFixture{db: f.DB, alice: f.Alice(t), bob: f.Person(t, "bob"), carol: f.Person(t, "carol"), maria: f.Maria(t)}
}

// poll stores a post with a poll; local says whose counts it keeps.
func (f *pollFixture) poll(t *testing.T, local, multiple bool, expires time.Time) *models.Poll {
	t.Helper()
	ctx := context.Background()
	author := f.alice
	if !local {
		author = f.maria
	}
	post := &models.Post{URI: "https://example.test/polls/" + time.Now().Format(time.RFC3339Nano), AuthorID: author.ID,
		Type: "Question", Content: "<p>Where on Saturday?</p>", Visibility: models.VisibilityPublicPost, Local: local}
	if _, err := models.InsertPost(ctx, f.db, post); err != nil {
		t.Fatal(err)
	}
	p := &models.Poll{PostID: post.ID, Options: []string{"Park", "Library", "Pool"}, Multiple: multiple, ExpiresAt: &expires}
	if !local {
		zero := 0
		p.VotersCount = &zero
	}
	if err := models.InsertPoll(ctx, f.db, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *pollFixture) load(t *testing.T, postID int64) *models.Poll {
	t.Helper()
	p, err := models.PollOf(context.Background(), f.db, postID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantCounts(t *testing.T, p *models.Poll, counts []int, voters int) {
	t.Helper()
	for i := range counts {
		if p.Counts[i] != counts[i] {
			t.Fatalf("counts = %v, want %v", p.Counts, counts)
		}
	}
	if p.Voters() != voters {
		t.Errorf("voters = %d, want %d", p.Voters(), voters)
	}
}

func TestCastVotesRefusesWhatMastodonRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPollFixture(t)
	now := time.Now()
	cases := []struct {
		name     string
		multiple bool
		expires  time.Duration
		voter    func() *models.Actor
		before   []int // bob's earlier vote
		choices  []int
		want     error
	}{
		{"an option that does not exist", false, time.Hour, func() *models.Actor { return f.bob }, nil, []int{3}, models.ErrPollUnknownOption},
		{"a negative option", false, time.Hour, func() *models.Actor { return f.bob }, nil, []int{-1}, models.ErrPollUnknownOption},
		{"no option", false, time.Hour, func() *models.Actor { return f.bob }, nil, nil, models.ErrPollNoChoice},
		{"two options in a single-choice poll", false, time.Hour, func() *models.Actor { return f.bob }, nil, []int{0, 1}, models.ErrPollOneChoice},
		{"the same option twice", true, time.Hour, func() *models.Actor { return f.bob }, nil, []int{1, 1}, models.ErrPollUnknownOption},
		{"after the end", false, -time.Minute, func() *models.Actor { return f.bob }, nil, []int{0}, models.ErrPollExpired},
		{"a second vote", true, time.Hour, func() *models.Actor { return f.bob }, []int{0}, []int{1}, models.ErrPollAlreadyVoted},
		{"in one's own poll", false, time.Hour, func() *models.Actor { return f.alice }, nil, []int{0}, models.ErrPollOwn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := f.poll(t, true, c.multiple, now.Add(c.expires))
			if c.before != nil {
				if _, err := models.CastVotes(ctx, f.db, p.PostID, f.bob.ID, c.before, now); err != nil {
					t.Fatal(err)
				}
			}
			before := f.load(t, p.PostID).Counts
			if _, err := models.CastVotes(ctx, f.db, p.PostID, c.voter().ID, c.choices, now); !errors.Is(err, c.want) {
				t.Fatalf("CastVotes = %v, want %v", err, c.want)
			}
			after := f.load(t, p.PostID)
			wantCounts(t, after, before, len(c.before)/max(1, len(c.before)))
		})
	}
}

func TestVotesAreCountedOncePerVoterAndOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPollFixture(t)
	now := time.Now()
	p := f.poll(t, true, true, now.Add(time.Hour))
	if _, err := models.CastVotes(ctx, f.db, p.PostID, f.bob.ID, []int{0, 2}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CastVotes(ctx, f.db, p.PostID, f.carol.ID, []int{2}, now); err != nil {
		t.Fatal(err)
	}
	// Maria's server sends one Note per option, and may send one twice.
	for _, v := range []struct {
		choice int
		uri    string
		fresh  bool
	}{{1, "https://mastodon.example/users/maria#votes/1", true}, {1, "https://mastodon.example/users/maria#votes/2", false},
		{2, "https://mastodon.example/users/maria#votes/3", true}, {2, "https://mastodon.example/users/maria#votes/3", false}} {
		fresh, err := models.AddRemoteVote(ctx, f.db, p.PostID, f.maria.ID, v.choice, v.uri, now)
		if err != nil || fresh != v.fresh {
			t.Fatalf("AddRemoteVote(%d, %s) = %v, %v; want %v", v.choice, v.uri, fresh, err, v.fresh)
		}
	}
	got := f.load(t, p.PostID)
	// Five choices by three people: votes_count and voters_count differ.
	wantCounts(t, got, []int{1, 1, 3}, 3)
	if got.VotesCount() != 5 {
		t.Errorf("votes_count = %d, want 5", got.VotesCount())
	}
	own, err := models.OwnVotes(ctx, f.db, []int64{p.PostID}, f.bob.ID)
	if err != nil || len(own[p.PostID]) != 2 || own[p.PostID][0] != 0 || own[p.PostID][1] != 2 {
		t.Errorf("bob's own votes = %v, %v; want [0 2]", own, err)
	}
}

func TestRemoteVotesFollowTheSingleChoiceAndEndRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPollFixture(t)
	now := time.Now()
	single := f.poll(t, true, false, now.Add(time.Hour))
	if _, err := models.AddRemoteVote(ctx, f.db, single.PostID, f.maria.ID, 0, "https://mastodon.example/v/1", now); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		postID func() int64
		choice int
		want   error
	}{
		{"a second option in a single-choice poll", func() int64 { return single.PostID }, 1, models.ErrPollAlreadyVoted},
		{"an option that does not exist", func() int64 { return single.PostID }, 7, models.ErrPollUnknownOption},
		{"a closed poll", func() int64 { return f.poll(t, true, false, now.Add(-time.Second)).PostID }, 0, models.ErrPollExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := c.postID()
			before := f.load(t, id)
			if _, err := models.AddRemoteVote(ctx, f.db, id, f.maria.ID, c.choice, "https://mastodon.example/v/"+c.name, now); !errors.Is(err, c.want) {
				t.Fatalf("AddRemoteVote = %v, want %v", err, c.want)
			}
			wantCounts(t, f.load(t, id), before.Counts, before.Voters())
		})
	}
}

func TestAVoteInARemotePollShowsUntilItsAuthorSaysOtherwise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPollFixture(t)
	now := time.Now()
	p := f.poll(t, false, false, now.Add(time.Hour))
	if _, err := models.CastVotes(ctx, f.db, p.PostID, f.bob.ID, []int{1}, now); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f.load(t, p.PostID), []int{0, 1, 0}, 1)
	voters := 7
	fresh := &models.Poll{PostID: p.PostID, Options: p.Options, Counts: []int{3, 4, 0}, ExpiresAt: p.ExpiresAt, VotersCount: &voters}
	if err := models.RefreshRemotePoll(ctx, f.db, fresh); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f.load(t, p.PostID), []int{3, 4, 0}, 7)
	if own, _ := models.OwnVotes(ctx, f.db, []int64{p.PostID}, f.bob.ID); len(own[p.PostID]) != 1 {
		t.Errorf("bob's vote was lost on a refresh with the same options: %v", own)
	}
}

func TestEndedPollsAreToldToVotersAndAuthorOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newPollFixture(t)
	now := time.Now()
	p := f.poll(t, true, false, now.Add(time.Hour))
	if _, err := models.CastVotes(ctx, f.db, p.PostID, f.bob.ID, []int{0}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := models.AddRemoteVote(ctx, f.db, p.PostID, f.maria.ID, 1, "https://mastodon.example/v/9", now); err != nil {
		t.Fatal(err)
	}
	if n, err := models.NotifyEndedPolls(ctx, f.db, now); err != nil || n != 0 {
		t.Fatalf("an open poll: %d told, %v", n, err)
	}
	later := now.Add(2 * time.Hour)
	for range 2 {
		if _, err := models.NotifyEndedPolls(ctx, f.db, later); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []*models.Actor{f.alice, f.bob, f.carol} {
		list, err := models.Notifications(ctx, f.db, who.ID, []string{models.NotifyPoll}, models.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if who == f.carol {
			want = 0 // she did not vote
		}
		if len(list) != want || (want == 1 && (*list[0].PostID != p.PostID || list[0].FromID != f.alice.ID)) {
			t.Errorf("%s has %d poll notifications, want %d", who.Username, len(list), want)
		}
	}
}
