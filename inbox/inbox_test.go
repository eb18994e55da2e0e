package inbox_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/village-social/village/models"
)

// rowCounts counts the rows an applied activity may add or remove.
func (e *env) rowCounts(t *testing.T) string {
	t.Helper()
	var posts, likes, follows, boosts, activities, received int
	err := e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM likes),
		(SELECT count(*) FROM follows), (SELECT count(*) FROM boosts), (SELECT count(*) FROM activities),
		(SELECT count(*) FROM inbox_activities)`).Scan(&posts, &likes, &follows, &boosts, &activities, &received)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("posts %d, likes %d, follows %d, boosts %d, activities sent %d, received %d",
		posts, likes, follows, boosts, activities, received)
}

// TestAReplayOfAnActivityChangesNothing: servers retry deliveries, and
// each activity is applied once by its id: a second delivery, even with
// another body, stores nothing, changes nothing and queues nothing.
func TestAReplayOfAnActivityChangesNothing(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	nina, nell := e.Mastodon(t).Person(t, "nina"), e.Mastodon(t).Person(t, "nell")
	note := e.note(maria, "Lost a blue mitten at the playground.", moms)
	createNote := create(maria, note)
	edited := maps.Clone(note)
	edited["content"] = "<p>Replaced.</p>"
	like := e.activity(lou, "Like", note["id"])
	follow := e.activity(nina, "Follow", e.URLs.Actor(moms))
	// Taken back, then delivered again: only the activity's id tells
	// that it was seen already.
	relike := e.activity(nell, "Like", note["id"])
	refollow := e.activity(nell, "Follow", e.URLs.Actor(moms))

	tests := []struct {
		name   string
		signer *models.Actor
		first  []map[string]any // applied in turn
		then   map[string]any   // delivered again
	}{
		{"a Create into a group", maria, []map[string]any{createNote}, createNote},
		{"a Create replayed with other words", maria, []map[string]any{createNote}, create(maria, edited)},
		{"a Like", lou, []map[string]any{like}, like},
		{"a Follow", nina, []map[string]any{follow}, follow},
		{"a Like after its Undo", nell, []map[string]any{relike, e.activity(nell, "Undo", relike)}, relike},
		{"a Follow after its Undo", nell, []map[string]any{refollow, e.activity(nell, "Undo", refollow)}, refollow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, a := range tt.first {
				e.accept(t, tt.signer, a)
			}
			before, mark := e.rowCounts(t), e.QueueMark(t)
			e.accept(t, tt.signer, tt.then)
			if after := e.rowCounts(t); after != before {
				t.Errorf("the replay changed %s into %s", before, after)
			}
			e.WantQueued(t, mark, nil)
		})
	}
	if got := e.post(t, note["id"].(string)).Content; !strings.Contains(got, "mitten") {
		t.Errorf("a replay changed the post to %q", got)
	}
}

// TestAnActivityMustComeFromItsSigner: the activity's actor must be the
// key's owner (401), and its id must be on the actor's origin (400);
// either way nothing is recorded or applied.
func TestAnActivityMustComeFromItsSigner(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	nina := e.Mastodon(t).Person(t, "nina") // no member
	note := e.note(maria, "Signed by someone else.", moms)
	elsewhere := e.activity(nina, "Follow", e.URLs.Actor(moms))
	elsewhere["id"] = e.RemoteID(lou, "follows")
	tests := []struct {
		name     string
		signer   *models.Actor
		activity map[string]any
		status   int
	}{
		{"a Follow in another's name", lou, e.activity(nina, "Follow", e.URLs.Actor(moms)), http.StatusUnauthorized},
		{"a Create in another's name", lou, create(maria, note), http.StatusUnauthorized},
		{"an id on another server than its actor's", nina, elsewhere, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.wantRefused(t, tt.signer, tt.activity, tt.status, e.rowCounts) })
	}
	if got := e.followState(t, nina, moms); got != "" {
		t.Errorf("nina follows the group: %q", got)
	}
}

// TestAFlagCountsOnlyWhenItNamesSomethingOfOurs: a report about nothing
// here is refused (400) and filed nowhere; one about a member's post in a
// group lands in that group's moderation queue.
func TestAFlagCountsOnlyWhenItNamesSomethingOfOurs(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	stranger := e.Mastodon(t).Person(t, "stranger") // in no group of ours
	_, post := e.posted(t, maria, moms)
	momsURI := e.URLs.Actor(moms)

	flag := func(to string, objects ...string) map[string]any {
		f := e.activity(lou, "Flag", objects)
		f["content"] = "Shaming another parent."
		if to != "" {
			f["to"] = []string{to}
		}
		return f
	}
	tests := []struct {
		name      string
		flag      map[string]any
		status    int
		wantGroup int // new reports in the group's queue
		wantOurs  int // new reports in the instance's queue
	}{
		{"naming only things unknown here", flag("", lou.URI+"/post/404", e.Mastodon(t).URL+"/users/nobody"), http.StatusBadRequest, 0, 0},
		{"naming a remote person in none of our groups, to a group", flag(momsURI, stranger.URI), http.StatusBadRequest, 0, 0},
		{"naming a member and her post in the group", flag(momsURI, maria.URI, post.URI), 0, 1, 0},
	}
	reports := func(t *testing.T) (group, ours int) {
		return must(models.CountOpenReports(ctx, e.DB, &moms.ID))(t), must(models.CountOpenReports(ctx, e.DB, nil))(t)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := e.QueueMark(t)
			groupBefore, oursBefore := reports(t)
			wantStatus(t, e.process(t, lou, tt.flag), tt.status)
			group, ours := reports(t)
			if group, ours = group-groupBefore, ours-oursBefore; group != tt.wantGroup || ours != tt.wantOurs {
				t.Errorf("new reports: %d in the group's queue, %d in the instance's; want %d and %d", group, ours, tt.wantGroup, tt.wantOurs)
			}
			if tt.status != 0 {
				e.wantNoTrace(t, mark, tt.flag)
			}
		})
	}
}

// TestAnAnnouncedPostIsReadFromItsOrigin: a boost of a post from another
// server is not believed as it comes: the post is fetched from its own
// origin (a loopback server here) and stored as that origin says. A
// replay of the boost is answered before anything is fetched.
func TestAnAnnouncedPostIsReadFromItsOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mastodon := e.Mastodon(t)
	lou := e.Lou(t)
	carol := mastodon.Person(t, "carol")

	tests := []struct {
		name   string
		served bool // whether the origin serves the post
		stored string
	}{
		{"a post its origin serves is stored as served", true, "The real words."},
		{"a post its origin does not serve is not stored", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			original := e.note(carol, "The real words.")
			id := original["id"].(string)
			if tt.served {
				mastodon.Serve(strings.TrimPrefix(id, mastodon.URL), original)
			}
			forged := e.note(carol, "Forged words.")
			forged["id"] = id
			announce := e.activity(lou, "Announce", forged)
			e.accept(t, lou, announce)

			post := e.post(t, id)
			switch {
			case tt.stored == "" && post != nil:
				t.Errorf("stored %q", post.Content)
			case tt.stored != "" && (post == nil || !strings.Contains(post.Content, tt.stored)):
				t.Fatalf("stored %+v, want the words %q", post, tt.stored)
			case tt.stored != "":
				if boost, err := models.BoostURI(context.Background(), e.DB, lou.ID, post.ID); err != nil || boost == "" {
					t.Errorf("lou's boost was not kept (%v)", err)
				}
			}
			path := strings.TrimPrefix(id, mastodon.URL)
			e.accept(t, lou, announce)
			if n := fetches(mastodon, path); n != 1 {
				t.Errorf("the post's origin was asked for it %d times, want once (and not for the replay): %v", n, mastodon.Fetched())
			}
		})
	}
}
