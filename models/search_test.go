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

// said stores a post by author with text, in group when given.
func said(t *testing.T, f *testenv.Fixtures, author *models.Actor, visibility string, group *models.Actor, text string) int64 {
	t.Helper()
	p := &models.Post{URI: fmt.Sprintf("%s/posts/%d", author.URI, time.Now().UnixNano()), AuthorID: author.ID, Type: "Note",
		Content: "<p>" + text + "</p>", Visibility: visibility, Local: author.IsLocal()}
	if group != nil {
		p.GroupID = &group.ID
	}
	if _, err := models.InsertPost(context.Background(), f.DB, p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// A member finds, by the start of its words, what she has a right and a
// reason to find again: her own posts, her groups' (here or elsewhere,
// not while banned), and posts she liked; never a members-only group's she
// is not in, a stranger's, or a message not to her.
func TestSearchPostsFindsOnlyWhatTheSearcherMaySee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := testenv.NewFixtures(t)
	alice, maria, lou := f.Alice(t), f.Maria(t), f.Lou(t)
	moms, nicu, other := f.BrooklynMoms(t), f.Group(t, "nicu", true), f.Group(t, "others", true)
	f.Follow(t, alice, moms)
	f.Follow(t, alice, nicu)
	own := said(t, f, alice, models.VisibilityPublicPost, nil, "Which pediatrician do you see?")
	inGroup := said(t, f, maria, models.VisibilityPublicPost, moms, "Dr. Okafor is a great Pediatrician near the park")
	inClosed := said(t, f, lou, "private", nicu, "our pediatrician visits the NICU on Fridays")
	notHers := said(t, f, lou, "private", other, "pediatrician secrets of another group")
	stranger := said(t, f, lou, models.VisibilityPublicPost, nil, "my pediatrician story")
	liked := said(t, f, maria, models.VisibilityPublicPost, nil, "pediatrician open on Sundays")
	said(t, f, maria, "direct", nil, "pediatrician between two others")
	if _, err := models.PutLike(ctx, f.DB, alice.ID, liked, maria.URI+"#like"); err != nil {
		t.Fatal(err)
	}
	search := func(text string, mod func(*models.PostSearch)) []int64 {
		t.Helper()
		s := models.PostSearch{ViewerID: alice.ID, Text: text}
		if mod != nil {
			mod(&s)
		}
		got, err := models.SearchPosts(ctx, f.DB, s)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := search("pediatr", nil), []int64{liked, inClosed, inGroup, own}; !slices.Equal(got, want) {
		t.Fatalf("alice finds %v, want %v (not %d, %d)", got, want, notHers, stranger)
	}
	if got, want := search("pediatrician okafor", nil), []int64{inGroup}; !slices.Equal(got, want) {
		t.Errorf("every word must match: %v, want %v", got, want)
	}
	if got, want := search("pediatrician", func(s *models.PostSearch) { s.AccountID = maria.ID }), []int64{liked, inGroup}; !slices.Equal(got, want) {
		t.Errorf("by maria: %v, want %v", got, want)
	}
	if got := search("<script> & | !", nil); len(got) != 0 {
		t.Errorf("punctuation alone found %v", got)
	}
	if _, err := f.DB.Exec(ctx, `INSERT INTO group_bans (group_id, actor_id) VALUES ($1, $2)`, moms.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if got := search("okafor", nil); len(got) != 0 {
		t.Errorf("banned from the group, alice still finds %v", got)
	}
}
