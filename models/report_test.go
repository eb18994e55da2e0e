package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestParallelReportsCannotSlipPastTheHourlyLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DBWithConns(t, 24)
	alice, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password-alice"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "bob", Password: "password-bob"})
	if err != nil {
		t.Fatal(err)
	}
	const tries, limit = 20, 10
	var mu sync.Mutex
	filed, refused := 0, 0
	var wg sync.WaitGroup
	for range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := models.InTx(ctx, db, func(tx pgx.Tx) error {
				_, err := models.CreateReport(ctx, tx, &models.Report{ReporterID: &alice.Actor.ID, TargetID: bob.Actor.ID}, limit)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				filed++
			case errors.Is(err, models.ErrTooManyReports):
				refused++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if filed != limit || refused != tries-limit || count(t, db, "reports") != limit {
		t.Errorf("%d filed, %d refused, %d stored; want %d, %d, %d", filed, refused, count(t, db, "reports"), limit, tries-limit, limit)
	}
	// The limit is the reporter's own: bob may still report.
	if _, err := models.CreateReport(ctx, db, &models.Report{ReporterID: &bob.Actor.ID, TargetID: alice.Actor.ID}, limit); err != nil {
		t.Errorf("bob's report: %v", err)
	}
}

func TestAFlagIsFiledOnceAndDecidedOnceInItsOwnQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	alice, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password-alice"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "park", Title: "Park"})
	if err != nil {
		t.Fatal(err)
	}
	remote, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorApplication, Username: "social.example",
		Domain: "social.example", URI: "https://social.example/actor", PublicKeyPEM: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		r := &models.Report{ReporterID: &remote.ID, TargetID: alice.Actor.ID, GroupID: &g.Actor.ID, FlagURI: "https://social.example/flags/1"}
		created, err := models.CreateReport(ctx, db, r, 10)
		if err != nil || created != want {
			t.Fatalf("Flag delivery %d: created %v, %v; want %v", i, created, err, want)
		}
	}
	list, total, err := models.Reports(ctx, db, models.ReportFilter{GroupID: &g.Actor.ID, State: models.ReportOpen})
	if err != nil || total != 1 || len(list) != 1 || !list[0].Remote() {
		t.Fatalf("the group's queue: %+v %d %v", list, total, err)
	}
	id := list[0].ID
	if _, err := models.DecideReport(ctx, db, id, nil, alice.Actor.ID, models.ReportResolved); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("deciding a group's report in the instance's queue: %v, want not found", err)
	}
	r, err := models.DecideReport(ctx, db, id, &g.Actor.ID, alice.Actor.ID, models.ReportDismissed)
	if err != nil || r.State != models.ReportDismissed || r.ActionedByID == nil || *r.ActionedByID != alice.Actor.ID || r.ActionedAt == nil {
		t.Errorf("dismissed: %+v %v", r, err)
	}
	if _, err := models.DecideReport(ctx, db, id, &g.Actor.ID, alice.Actor.ID, models.ReportResolved); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("deciding a closed report again: %v, want not found", err)
	}
	if n, err := models.CountOpenReports(ctx, db, &g.Actor.ID); err != nil || n != 0 {
		t.Errorf("open reports after the decision: %d %v", n, err)
	}
}
