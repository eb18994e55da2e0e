package inbox_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// followState is the state of follower's follow of followee, "" for none.
func (e *env) followState(t *testing.T, follower, followee *models.Actor) string {
	t.Helper()
	f, err := models.FollowBetween(context.Background(), e.DB, follower.ID, followee.ID)
	if errors.Is(err, models.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.State
}

// TestFollowOfALocalGroup: a Follow of a public group is accepted at
// once; a members-only group's, or one from a silenced server, waits for
// a moderator and only remote moderators hear of it; a banned person's is
// answered with Reject, until the ban ends.
func TestFollowOfALocalGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	moms, nicu := e.BrooklynMoms(t), e.NICUParents(t)
	mastodon := e.Mastodon(t)

	tests := []struct {
		name string
		// setup returns who follows which group, and what each inbox
		// should get (by kind).
		setup     func(t *testing.T) (follower, group *models.Actor, want map[string][]string)
		wantState string // "" for no follow kept
	}{
		{
			name: "a public group accepts at once and sends Accept to the follower's own inbox",
			setup: func(t *testing.T) (*models.Actor, *models.Actor, map[string][]string) {
				maria := e.Maria(t)
				return maria, moms, map[string][]string{maria.InboxURL: {"Accept{Follow}"}}
			},
			wantState: models.FollowAccepted,
		},
		{
			name: "a members-only group waits for a moderator and sends nothing",
			setup: func(t *testing.T) (*models.Actor, *models.Actor, map[string][]string) {
				return e.Lou(t), nicu, nil
			},
			wantState: models.FollowPending,
		},
		{
			name: "a members-only group tells only its moderators on other servers of the request",
			setup: func(t *testing.T) (*models.Actor, *models.Actor, map[string][]string) {
				mod := e.Lemmy(t).Person(t, "mo")
				e.Moderate(t, mod, nicu, models.GroupModerator)
				return mastodon.Person(t, "nina"), nicu, map[string][]string{mod.SharedInboxURL: {"Announce{Follow}"}}
			},
			wantState: models.FollowPending,
		},
		{
			name: "a public group keeps a follow from a silenced server waiting",
			setup: func(t *testing.T) (*models.Actor, *models.Actor, map[string][]string) {
				limited := e.NewServer(t, testenv.SmallShape)
				if _, err := models.PutDomainBlock(ctx, e.DB, models.DomainBlock{Domain: limited.Host, Severity: models.BlockSilence}, nil); err != nil {
					t.Fatal(err)
				}
				return limited.Person(t, "sam"), moms, nil
			},
			wantState: models.FollowPending,
		},
		{
			name: "a banned person is refused with Reject and no follow is kept",
			setup: func(t *testing.T) (*models.Actor, *models.Actor, map[string][]string) {
				bob := mastodon.Person(t, "bob")
				if err := models.PutBan(ctx, e.DB, models.GroupBan{GroupID: moms.ID, ActorID: bob.ID, Reason: "shaming"}); err != nil {
					t.Fatal(err)
				}
				return bob, moms, map[string][]string{bob.InboxURL: {"Reject{Follow}"}}
			},
			wantState: "",
		},
		{
			name: "a person whose ban has ended is accepted again",
			setup: func(t *testing.T) (*models.Actor, *models.Actor, map[string][]string) {
				ben := mastodon.Person(t, "ben")
				ended := time.Now().Add(-time.Hour)
				if err := models.PutBan(ctx, e.DB, models.GroupBan{GroupID: moms.ID, ActorID: ben.ID, EndsAt: &ended}); err != nil {
					t.Fatal(err)
				}
				return ben, moms, map[string][]string{ben.InboxURL: {"Accept{Follow}"}}
			},
			wantState: models.FollowAccepted,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			follower, group, want := tt.setup(t)
			mark := e.QueueMark(t)
			follow := e.activity(follower, "Follow", e.URLs.Actor(group))
			e.accept(t, follower, follow)

			if got := e.followState(t, follower, group); got != tt.wantState {
				t.Errorf("follow state %q, want %q", got, tt.wantState)
			}
			q := e.WantQueued(t, mark, want)
			for _, d := range q {
				// Answers and news name the Follow by its id, as Mastodon finds it.
				if inner := d.Doc.Embedded("object"); inner == nil || inner.ID() != follow["id"] {
					t.Errorf("%s to %s does not embed the Follow %s: %s", d.Kind(), d.Inbox, follow["id"], d.Activity.Body)
				}
			}
		})
	}
}

// TestFollowReadsTheFollowersServerSoftwareFromNodeInfo: the first Follow
// from a server not known yet has its NodeInfo read (from a loopback
// server) and kept; it decides how the group shares posts with it.
func TestFollowReadsTheFollowersServerSoftwareFromNodeInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	moms := e.BrooklynMoms(t)
	shape := testenv.MastodonShape
	shape.Unknown = true
	server := e.NewServer(t, shape)
	newcomer := server.Person(t, "nora")

	e.accept(t, newcomer, e.activity(newcomer, "Follow", e.URLs.Actor(moms)))

	software, known, err := models.InstanceSoftware(ctx, e.DB, server.Host)
	if err != nil || !known || software != "mastodon" {
		t.Fatalf("stored software %q (known %v, %v), want mastodon", software, known, err)
	}
	if !slices.Contains(server.Fetched(), "/.well-known/nodeinfo") {
		t.Errorf("the follower's server was never asked for its NodeInfo: %v", server.Fetched())
	}
	// What the group sends her server from now on is a boost by id.
	member := e.Maria(t)
	e.Follow(t, member, moms)
	mark := e.QueueMark(t)
	e.posted(t, member, moms)
	e.WantQueued(t, mark, map[string][]string{server.SharedInbox(): {"Announce{id}"}, member.SharedInboxURL: {"Announce{id}"}})
}

// TestUndoFollow: the follower's Undo ends the follow (a request to join
// is withdrawn, and the group's remote moderators hear so); anyone else's
// is refused and the follow stays.
func TestUndoFollow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moms, nicu := e.BrooklynMoms(t), e.NICUParents(t)
	maria, lou := e.Maria(t), e.Lou(t)
	// On a Lemmy server: since issue 11, a Mastodon-family server, which
	// would read the group's Announce{Undo{Follow}} as a boost, is not sent it.
	mod := e.Lemmy(t).Person(t, "mo")
	e.Moderate(t, mod, nicu, models.GroupModerator)

	tests := []struct {
		name      string
		follower  *models.Actor // whose follow it is
		group     *models.Actor
		pending   bool
		by        *models.Actor // who sends the Undo
		status    int
		wantState string
		want      map[string][]string
	}{
		{name: "by the follower ends the follow", follower: maria, group: moms, by: maria},
		{name: "of someone else's follow is refused and the follow stays", follower: lou, group: moms, by: maria,
			status: http.StatusForbidden, wantState: models.FollowAccepted},
		{name: "of a request to join tells the group's moderators elsewhere it was withdrawn", follower: lou, group: nicu,
			pending: true, by: lou, want: map[string][]string{mod.SharedInboxURL: {"Announce{Undo}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var follow *models.Follow
			if tt.pending {
				follow = e.AskToFollow(t, tt.follower, tt.group)
			} else {
				follow = e.Follow(t, tt.follower, tt.group)
			}
			mark := e.QueueMark(t)
			undo := e.activity(tt.by, "Undo", map[string]any{"id": follow.URI, "type": "Follow",
				"actor": tt.follower.URI, "object": e.URLs.Actor(tt.group)})

			wantStatus(t, e.process(t, tt.by, undo), tt.status)
			if got := e.followState(t, tt.follower, tt.group); got != tt.wantState {
				t.Errorf("follow state %q, want %q", got, tt.wantState)
			}
			e.WantQueued(t, mark, tt.want)
		})
	}
}
