package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// Featuring a hashtag: a bad name or an eleventh is refused and writes
// nothing; featuring one twice keeps one.
func TestFeatureTagRefusesBadNamesAndTooMany(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice := f.Alice(t)
	for i := range models.MaxFeaturedTags - 1 {
		if _, err := models.FeatureTag(ctx, f.DB, alice.ID, fmt.Sprintf("tag%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		feature string
		wantErr error
		want    int // featured after
	}{
		{name: "a tenth with its hash, as written", feature: "#Strollers", want: 10},
		{name: "the same again keeps one", feature: "strollers", want: 10},
		{name: "an eleventh is refused", feature: "naps", wantErr: models.ErrTooManyFeaturedTags, want: 10},
		{name: "spaces are no hashtag", feature: "two words", wantErr: models.ErrBadTag, want: 10},
		{name: "a hash alone is no hashtag", feature: "#", wantErr: models.ErrBadTag, want: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := models.FeatureTag(ctx, f.DB, alice.ID, tt.feature)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("FeatureTag(%q) = %v, want %v", tt.feature, err, tt.wantErr)
			}
			if got := count(t, f.DB, "featured_tags"); got != tt.want {
				t.Errorf("%d featured, want %d", got, tt.want)
			}
		})
	}
	tags, err := models.FeaturedTags(ctx, f.DB, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := tags[len(tags)-1]; last.Name != "Strollers" || last.Tag != "strollers" {
		t.Errorf("last featured = %+v, want Strollers as written", last)
	}
}

// A featured tag counts its owner's live public and unlisted posts with
// it and dates the last; suggestions are tags she used, not featured yet.
func TestFeaturedTagCountsAndSuggestions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice := f.Alice(t)
	n := 0
	post := func(visibility string, tags ...string) {
		t.Helper()
		n++
		var tt []models.Tag
		for _, tag := range tags {
			tt = append(tt, models.Tag{Type: "Hashtag", Name: "#" + tag})
		}
		p := &models.Post{URI: fmt.Sprintf("%s/statuses/t%d", alice.URI, n), AuthorID: alice.ID,
			Type: "Note", Content: "<p>x</p>", Visibility: visibility, Local: true, Tags: tt}
		if _, err := models.InsertPost(ctx, f.DB, p); err != nil {
			t.Fatal(err)
		}
	}
	post(models.VisibilityPublicPost, "strollers", "naps")
	post(models.VisibilityUnlisted, "Strollers")
	post(models.VisibilityPrivate, "strollers")
	post(models.VisibilityPublicPost, "naps")
	post(models.VisibilityPublicPost, "naps", "bikes")
	ft, err := models.FeatureTag(ctx, f.DB, alice.ID, "strollers")
	if err != nil {
		t.Fatal(err)
	}
	if ft.StatusesCount != 2 || ft.LastStatusAt == nil {
		t.Errorf("strollers: %d posts, last %v; want 2 (public and unlisted) and a date", ft.StatusesCount, ft.LastStatusAt)
	}
	got, err := models.FeaturedTagSuggestions(ctx, f.DB, alice.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"naps", "bikes"}; !slices.Equal(got, want) {
		t.Errorf("suggestions = %v, want %v", got, want)
	}
	if err := models.UnfeatureTag(ctx, f.DB, alice.ID, ft.ID); err != nil {
		t.Fatal(err)
	}
	if err := models.UnfeatureTag(ctx, f.DB, alice.ID, ft.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unfeaturing twice: %v, want ErrNotFound", err)
	}
}
