package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// moderationFixture is a group and two people, alice and bob.
func moderationFixture(t *testing.T) (models.DB, *models.Group, *models.Account, *models.Account) {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "moms", Title: "Moms"})
	if err != nil {
		t.Fatal(err)
	}
	var accs []*models.Account
	for _, name := range []string{"alice", "bob"} {
		acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: name, Password: "correct horse " + name})
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, acc)
	}
	return db, g, accs[0], accs[1]
}

func TestABanCountsUntilItsEndTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, g, alice, bob := moderationFixture(t)
	future, past := time.Now().Add(time.Hour), time.Now().Add(-time.Minute)
	cases := []struct {
		name   string
		endsAt *time.Time
		banned bool
	}{
		{"until lifted", nil, true},
		{"ends later", &future, true},
		{"ended", &past, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := models.PutBan(ctx, db, models.GroupBan{GroupID: g.Actor.ID, ActorID: bob.Actor.ID, ModeratorID: &alice.Actor.ID,
				Reason: "spam", EndsAt: tc.endsAt, ActivityURI: "https://village.example/activities/" + tc.name})
			if err != nil {
				t.Fatal(err)
			}
			banned, err := models.IsBanned(ctx, db, g.Actor.ID, bob.Actor.ID)
			if err != nil {
				t.Fatal(err)
			}
			list, err := models.GroupBans(ctx, db, g.Actor.ID)
			if err != nil {
				t.Fatal(err)
			}
			if banned != tc.banned || (len(list) == 1) != tc.banned {
				t.Errorf("banned %v, listed %d; want %v", banned, len(list), tc.banned)
			}
			if tc.banned && (list[0].Actor.Username != "bob" || list[0].Reason != "spam") {
				t.Errorf("listed %+v", list[0])
			}
		})
	}
	if n := count(t, db, "group_bans"); n != 1 {
		t.Errorf("banning again kept %d rows, want 1", n)
	}
	if b, err := models.DeleteBan(ctx, db, g.Actor.ID, bob.Actor.ID); err != nil || b.ActivityURI != "https://village.example/activities/ended" {
		t.Errorf("lifting the ban: %+v, %v", b, err)
	}
	if _, err := models.DeleteBan(ctx, db, g.Actor.ID, bob.Actor.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("lifting it again: %v, want ErrNotFound", err)
	}
}

func TestALockedPostLocksEveryReplyBelowIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, g, alice, _ := moderationFixture(t)
	var chain []*models.Post
	for i := range 3 {
		id, err := models.NextPostID(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		p := &models.Post{ID: id, AuthorID: alice.Actor.ID, GroupID: &g.Actor.ID, Local: true, Type: "Note",
			URI: fmt.Sprintf("https://village.example/users/alice/statuses/%d", id), Content: fmt.Sprintf("<p>%d</p>", i),
			Visibility: models.VisibilityPublicPost}
		if i > 0 {
			p.InReplyToURI, p.InReplyToID = chain[i-1].URI, &chain[i-1].ID
		}
		if _, err := models.InsertPost(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		chain = append(chain, p)
	}
	locked := func(p *models.Post) bool {
		ok, err := models.ThreadLocked(ctx, db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if locked(chain[2]) {
		t.Fatal("a thread nobody locked is locked")
	}
	if changed, err := models.SetThreadLocked(ctx, db, chain[1].ID, true); err != nil || !changed {
		t.Fatalf("lock: %v, %v", changed, err)
	}
	if changed, _ := models.SetThreadLocked(ctx, db, chain[1].ID, true); changed {
		t.Errorf("locking a locked post changed something")
	}
	if locked(chain[0]) || !locked(chain[1]) || !locked(chain[2]) {
		t.Errorf("locked: top %v, middle %v, bottom %v; want false, true, true", locked(chain[0]), locked(chain[1]), locked(chain[2]))
	}
	if changed, err := models.SetThreadLocked(ctx, db, chain[1].ID, false); err != nil || !changed || locked(chain[2]) {
		t.Errorf("unlock: %v, %v; bottom still locked: %v", changed, err, locked(chain[2]))
	}
}

func TestNamingAModeratorNeverDemotesAnOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, g, alice, bob := moderationFixture(t)
	steps := []struct {
		who     *models.Account
		role    string
		changed bool
		want    string
	}{
		{alice, models.GroupOwner, true, models.GroupOwner},
		{alice, models.GroupModerator, false, models.GroupOwner},
		{bob, models.GroupModerator, true, models.GroupModerator},
		{bob, models.GroupModerator, false, models.GroupModerator},
		{bob, models.GroupOwner, true, models.GroupOwner},
	}
	for i, s := range steps {
		changed, err := models.PutGroupModerator(ctx, db, g.Actor.ID, s.who.Actor.ID, s.role)
		if err != nil {
			t.Fatal(err)
		}
		role, err := models.ModeratorRole(ctx, db, g.Actor.ID, s.who.Actor.ID)
		if err != nil {
			t.Fatal(err)
		}
		if changed != s.changed || role != s.want {
			t.Errorf("step %d: changed %v, role %q; want %v, %q", i, changed, role, s.changed, s.want)
		}
	}
	if removed, err := models.RemoveGroupModerator(ctx, db, g.Actor.ID, bob.Actor.ID); err != nil || !removed {
		t.Errorf("remove: %v, %v", removed, err)
	}
	if role, _ := models.ModeratorRole(ctx, db, g.Actor.ID, bob.Actor.ID); role != "" {
		t.Errorf("a removed moderator keeps role %q", role)
	}
}

func TestARemovedPostComesBackAsItWasUnlessItsAuthorDeletedIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, g, alice, _ := moderationFixture(t)
	newPost := func(text string) *models.Post {
		id, err := models.NextPostID(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		p := &models.Post{ID: id, AuthorID: alice.Actor.ID, GroupID: &g.Actor.ID, Local: true, Type: "Note",
			URI: fmt.Sprintf("https://village.example/users/alice/statuses/%d", id), Content: "<p>" + text + "</p>",
			Summary: "cw " + text, Visibility: models.VisibilityPublicPost, Tags: []models.Tag{{Type: "Hashtag", Name: "#swap"}}}
		if _, err := models.InsertPost(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	remove := func(p *models.Post) {
		if err := models.KeepRemoved(ctx, db, p.ID, g.Actor.ID, p.URI+"#delete"); err != nil {
			t.Fatal(err)
		}
		if _, err := models.TombstonePost(ctx, db, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	kept, forgotten := newPost("stroller"), newPost("crib")
	remove(kept)
	remove(forgotten)
	if list, err := models.RemovedPosts(ctx, db, g.Actor.ID, 10); err != nil || len(list) != 2 || list[1].Post.Content != "<p>stroller</p>" {
		t.Fatalf("removed posts: %+v, %v", list, err)
	}
	if err := models.ForgetRemoved(ctx, db, forgotten.ID); err != nil { // its author deleted it
		t.Fatal(err)
	}
	for _, tc := range []struct {
		post     *models.Post
		delete   string
		restored bool
	}{
		{kept, kept.URI + "#delete", true},
		{forgotten, "", false},
		{kept, "", true}, // restoring twice changes nothing more
	} {
		uri, err := models.RestoreRemoved(ctx, db, tc.post.ID)
		if err != nil || uri != tc.delete {
			t.Errorf("restore %s: %q, %v; want %q", tc.post.URI, uri, err, tc.delete)
		}
		p, _ := models.PostByID(ctx, db, tc.post.ID)
		if (p.DeletedAt == nil) != tc.restored {
			t.Errorf("%s live: %v, want %v", tc.post.URI, p.DeletedAt == nil, tc.restored)
		}
		if tc.restored && (p.Content != tc.post.Content || p.Summary != tc.post.Summary || len(p.Tags) != 1) {
			t.Errorf("restored as %+v", p)
		}
	}
}
