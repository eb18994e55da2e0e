package outbox_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// TestAMembersOnlyGroupSharesNothingPublicly: what a members-only group
// passes on goes to its followers only, even about a post stored public
// (written before the group closed): a member's Like of it is announced
// to group/followers cc the group, never Public.
func TestAMembersOnlyGroupSharesNothingPublicly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	nicu := e.NICUParents(t)
	maria, lou := e.Maria(t), e.Lou(t)
	e.Follow(t, maria, nicu)
	e.Follow(t, lou, nicu)
	older := e.remotePost(t, maria, nicu, models.VisibilityPublicPost)
	like := e.activity(lou, "Like", older.URI)

	mark := e.QueueMark(t)
	err := models.InTx(ctx, e.DB, func(tx pgx.Tx) error {
		return e.outbox.Redistribute(ctx, tx, outbox.Share{Group: nicu, Post: older, AuthorURI: maria.URI, Activity: like, Kind: "Like"})
	})
	if err != nil {
		t.Fatal(err)
	}
	nicuURI := e.URLs.Actor(nicu)
	q := e.WantQueued(t, mark, map[string][]string{lou.SharedInboxURL: {"Announce{Like}"}})
	neverPublic(t, q)
	for _, d := range q {
		wantAddress(t, "the group's Announce", d.Doc, testenv.Addressed([]string{nicuURI + "/followers"}, []string{nicuURI}, nicuURI))
	}
}
