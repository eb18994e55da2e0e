package models_test

import (
	"context"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestDeferInboxActivitiesStoresABatchAndTellsWhichWereNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	uri := "https://example.org/users/bea"
	bea, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: "bea", Domain: "example.org",
		URI: uri, InboxURL: uri + "/inbox", PublicKeyID: uri + "#main-key", PublicKeyPEM: "key"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(id string) models.DeferredInboxActivity {
		return models.DeferredInboxActivity{URI: uri + "/" + id, Type: "Like", ActorID: bea.ID,
			Body: []byte(`{"id":"` + uri + "/" + id + `","type":"Like"}`)}
	}
	if fresh, err := models.DeferInboxActivity(ctx, db, uri+"/seen", "Like", bea.ID, []byte(`{}`), ""); err != nil || !fresh {
		t.Fatalf("first store: %v %v", fresh, err)
	}
	got, err := models.DeferInboxActivities(ctx, db, []models.DeferredInboxActivity{row("a"), row("seen"), row("b"), row("a")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("fresh %v, want %v (one seen before, one twice in the batch)", got, want)
	}
	if n, err := models.PendingInboxActivities(ctx, db); err != nil || n != 3 {
		t.Errorf("%d pending (%v), want 3", n, err)
	}
	// A batch with an actor that does not exist fails whole: nothing of it stored.
	bad := row("c")
	bad.ActorID = bea.ID + 1000
	if _, err := models.DeferInboxActivities(ctx, db, []models.DeferredInboxActivity{row("d"), bad}); err == nil {
		t.Fatal("a batch naming a missing actor was stored")
	}
	if n, err := models.PendingInboxActivities(ctx, db); err != nil || n != 3 {
		t.Errorf("%d pending after a failed batch (%v), want still 3", n, err)
	}
}
