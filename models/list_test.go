package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestListsRefuseBadInputAndKeepTheirLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, lou := f.Alice(t), f.Lou(t)
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name string
		in   models.ListInput
	}{
		{"no title", models.ListInput{Title: str("  ")}},
		{"a title too long", models.ListInput{Title: str(strings.Repeat("x", models.ListTitleMax+1))}},
		{"a replies policy nobody knows", models.ListInput{Title: str("ok"), RepliesPolicy: str("all")}},
	} {
		if _, err := models.CreateList(ctx, f.DB, alice.ID, tc.in); !errors.Is(err, models.ErrListInput) {
			t.Errorf("%s: %v, want ErrListInput", tc.name, err)
		}
	}
	var first *models.List
	for i := range models.ListsPerOwner {
		l, err := models.CreateList(ctx, f.DB, alice.ID, models.ListInput{Title: str("list")})
		if err != nil {
			t.Fatalf("list %d: %v", i+1, err)
		}
		if first == nil {
			first = l
		}
	}
	if _, err := models.CreateList(ctx, f.DB, alice.ID, models.ListInput{Title: str("one more")}); !errors.Is(err, models.ErrTooManyLists) {
		t.Errorf("list %d: %v, want ErrTooManyLists", models.ListsPerOwner+1, err)
	}
	if err := models.AddToList(ctx, f.DB, alice.ID, first.ID, []int64{lou.ID}); !errors.Is(err, models.ErrListNotFollowed) {
		t.Errorf("adding someone she does not follow: %v", err)
	}
	f.Follow(t, alice, lou)
	if err := models.AddToList(ctx, f.DB, alice.ID, first.ID, []int64{lou.ID, lou.ID}); err != nil {
		t.Errorf("adding lou (twice in one call): %v", err)
	}
	if err := models.AddToList(ctx, f.DB, lou.ID, first.ID, []int64{alice.ID}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("lou changing alice's list: %v, want ErrNotFound", err)
	}
}
