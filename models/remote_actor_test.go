package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// TestAnActorFirstSeenByManyRequestsAtOnceIsStoredOnce: the first posts of
// an actor new to us arrive together, and each request stores the actor it
// fetched. Every one must succeed (a failure is a 500 and a retry for the
// sender) and they must end with one row.
func TestAnActorFirstSeenByManyRequestsAtOnceIsStoredOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	const actors, requests = 30, 8
	for i := range actors {
		uri := fmt.Sprintf("https://example.net/users/new%d", i)
		var wg sync.WaitGroup
		start := make(chan struct{})
		ids := make([]int64, requests)
		for r := range requests {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson,
					Username: fmt.Sprintf("new%d", i), Domain: "example.net", URI: uri, InboxURL: uri + "/inbox",
					PublicKeyID: uri + "#main-key", PublicKeyPEM: "key"})
				if err != nil {
					t.Errorf("actor %d, request %d: %v", i, r, err)
					return
				}
				ids[r] = a.ID
			}()
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			return
		}
		for r := range ids {
			if ids[r] != ids[0] {
				t.Fatalf("actor %d stored as %v", i, ids)
			}
		}
	}
}
