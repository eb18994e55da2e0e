package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// tagged stores a post by author with the given hashtags (as they came, any case).
func tagged(t *testing.T, f *testenv.Fixtures, author *models.Actor, visibility string, group *models.Actor, tags ...string) int64 {
	t.Helper()
	p := &models.Post{URI: fmt.Sprintf("%s/posts/%d", author.URI, time.Now().UnixNano()), AuthorID: author.ID, Type: "Note",
		Content: "<p>hi</p>", Visibility: visibility, Local: author.IsLocal()}
	if group != nil {
		p.GroupID = &group.ID
	}
	for _, tag := range tags {
		p.Tags = append(p.Tags, models.Tag{Type: "Hashtag", Href: "https://x.example/tags/" + tag, Name: "#" + tag})
	}
	p.Tags = append(p.Tags, models.Tag{Type: "Mention", Href: author.URI, Name: "@someone"})
	if _, err := models.InsertPost(context.Background(), f.DB, p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func entryIDs(entries []models.Entry) []int64 {
	var out []int64
	for _, e := range entries {
		out = append(out, e.PostID)
	}
	return out
}

func TestTagTimelineFindsPublicPostsOfTheTagInAnyCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, maria := f.Alice(t), f.Maria(t)
	closed := f.Group(t, "nicu", true)
	park := tagged(t, f, alice, models.VisibilityPublicPost, nil, "Playground", "brooklyn")
	remote := tagged(t, f, maria, models.VisibilityPublicPost, nil, "playground")
	both := tagged(t, f, alice, models.VisibilityPublicPost, nil, "playground", "rain")
	tagged(t, f, alice, models.VisibilityUnlisted, nil, "playground")      // not public
	tagged(t, f, alice, models.VisibilityPublicPost, closed, "playground") // a members-only group's
	tagged(t, f, alice, models.VisibilityPublicPost, nil, "playgrounds")   // another tag
	for _, tc := range []struct {
		name string
		q    models.TagQuery
		want []int64
	}{
		{"the tag, newest first", models.TagQuery{Tag: "playground"}, []int64{both, remote, park}},
		{"local posts only", models.TagQuery{Tag: "playground", LocalOnly: true}, []int64{both, park}},
		{"with all of", models.TagQuery{Tag: "playground", All: []string{"rain"}}, []int64{both}},
		{"with none of", models.TagQuery{Tag: "playground", None: []string{"rain", "brooklyn"}}, []int64{remote}},
		{"any of", models.TagQuery{Tag: "rain", Any: []string{"brooklyn"}}, []int64{both, park}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := models.TagTimeline(ctx, f.DB, tc.q, models.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(entryIDs(got), tc.want) {
				t.Fatalf("posts %v, want %v", entryIDs(got), tc.want)
			}
		})
	}
	history, err := models.TagHistory(ctx, f.DB, "playground", time.Now())
	if err != nil || len(history) != 7 || history[0].Uses != 3 || history[0].Accounts != 2 {
		t.Fatalf("history %+v (%v), want 3 uses by 2 accounts today", history, err)
	}
}

func TestFollowedTagsBringPublicPostsHomeOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, maria, lou := f.Alice(t), f.Maria(t), f.Lou(t)
	f.Follow(t, alice, lou)
	strangers := tagged(t, f, maria, models.VisibilityPublicPost, nil, "Carpool")
	followed := tagged(t, f, lou, models.VisibilityPublicPost, nil, "carpool") // already home: once
	tagged(t, f, maria, models.VisibilityUnlisted, nil, "carpool")
	home := func() []int64 {
		t.Helper()
		got, err := models.HomeTimeline(ctx, f.DB, alice.ID, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return entryIDs(got)
	}
	if got := home(); !slices.Equal(got, []int64{followed}) {
		t.Fatalf("home before following the tag: %v", got)
	}
	if err := models.FollowTag(ctx, f.DB, alice.ID, "carpool"); err != nil {
		t.Fatal(err)
	}
	if err := models.FollowTag(ctx, f.DB, alice.ID, "carpool"); err != nil {
		t.Fatalf("following a tag twice: %v", err)
	}
	if got := home(); !slices.Equal(got, []int64{followed, strangers}) {
		t.Fatalf("home after following #carpool: %v, want %v", got, []int64{followed, strangers})
	}
	list, err := models.FollowedTags(ctx, f.DB, alice.ID, models.Page{})
	if err != nil || len(list) != 1 || list[0].Tag != "carpool" {
		t.Fatalf("followed tags %v (%v)", list, err)
	}
	if err := models.UnfollowTag(ctx, f.DB, alice.ID, "carpool"); err != nil {
		t.Fatal(err)
	}
	if got := home(); !slices.Equal(got, []int64{followed}) {
		t.Fatalf("home after unfollowing: %v", got)
	}
}

func TestNormalizeTagKeepsWordsAndRefusesTheRest(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"#Playground": "playground", "Café": "café", "school_run": "school_run", "Kita2026": "kita2026"} {
		if got, err := models.NormalizeTag(in); err != nil || got != want {
			t.Errorf("NormalizeTag(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "#", "two words", "a/b", "<b>"} {
		if _, err := models.NormalizeTag(in); err == nil {
			t.Errorf("NormalizeTag(%q) accepted", in)
		}
	}
}
