package models_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// Trends come from this instance's public groups only: their hashtags by
// people, their posts people answered, and groups to join nearest first.
func TestTrendsComeFromTheInstancesPublicGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, maria, lou := f.Alice(t), f.Maria(t), f.Lou(t)
	park, nearby, far, closed := f.BrooklynMoms(t), f.Group(t, "prospect", false), f.Group(t, "la_parents", false), f.Group(t, "nicu", true)
	for g, at := range map[*models.Actor][2]float64{park: {40.67, -73.97}, nearby: {40.68, -73.96}, far: {34.05, -118.24}} {
		if _, err := f.DB.Exec(ctx, `UPDATE groups SET latitude = $2, longitude = $3 WHERE actor_id = $1`, g.ID, at[0], at[1]); err != nil {
			t.Fatal(err)
		}
	}
	f.Follow(t, alice, park)
	answered := tagged(t, f, alice, models.VisibilityPublicPost, park, "rain")
	tagged(t, f, maria, models.VisibilityPublicPost, park, "rain", "sun")
	tagged(t, f, lou, models.VisibilityPublicPost, closed, "secret")
	tagged(t, f, lou, models.VisibilityPublicPost, nil, "solo")
	if _, err := models.PutLike(ctx, f.DB, maria.ID, answered, maria.URI+"#like"); err != nil {
		t.Fatal(err)
	}

	tags, err := models.TrendingTags(ctx, f.DB, time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tt := range tags {
		names = append(names, tt.Tag)
	}
	if !slices.Equal(names, []string{"rain", "sun"}) || tags[0].Accounts != 2 {
		t.Errorf("trending tags %+v, want rain (2 people) then sun, nothing from elsewhere", tags)
	}
	posts, err := models.TrendingPosts(ctx, f.DB, time.Now(), 10, 0)
	if err != nil || !slices.Equal(posts, []int64{answered}) {
		t.Errorf("trending posts %v (%v), want only the liked one %d", posts, err, answered)
	}
	groups, err := models.SuggestedGroups(ctx, f.DB, alice.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, g := range groups {
		got = append(got, g.ID)
	}
	if len(got) < 2 || got[0] != nearby.ID || got[1] != far.ID || slices.Contains(got, park.ID) || slices.Contains(got, closed.ID) {
		t.Errorf("suggested %v, want %d (near) before %d (far), never her own group or a members-only one", got, nearby.ID, far.ID)
	}
}
