package inbox_test

import (
	"context"
	"testing"

	"github.com/village-social/village/models"
)

// A remote reply that names two people here, one of whom wrote the post it
// answers, tells each of them once; sent again, it tells nobody again.
func TestAReplyNamingPeopleHereTellsEachOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	alice, bo, maria := e.Alice(t), e.Person(t, "bo"), e.Maria(t)
	boPost := &models.Post{URI: e.URLs.Actor(bo) + "/statuses/1", AuthorID: bo.ID, Type: "Note", Local: true,
		Content: "<p>Who else is up at 4?</p>", Visibility: models.VisibilityPublicPost}
	if _, err := models.InsertPost(ctx, e.DB, boPost); err != nil {
		t.Fatal(err)
	}
	n := e.reply(maria, "me, every night", boPost.URI)
	var tags []any
	for _, p := range []*models.Actor{alice, bo} {
		tags = append(tags, map[string]any{"type": "Mention", "href": e.URLs.Actor(p), "name": "@" + p.Username})
		n["cc"] = append(n["cc"].([]any), e.URLs.Actor(p))
	}
	n["tag"] = tags
	for range 2 {
		e.accept(t, maria, create(maria, n))
	}
	reply := e.post(t, n["id"].(string))
	if reply == nil || reply.InReplyToID == nil || *reply.InReplyToID != boPost.ID {
		t.Fatalf("the reply is stored as %+v, want it under bo's post", reply)
	}
	for _, p := range []*models.Actor{alice, bo} {
		got, err := models.Notifications(ctx, e.DB, p.ID, nil, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Type != models.NotifyMention || got[0].PostID == nil || *got[0].PostID != reply.ID {
			t.Errorf("%s's notifications: %d, want one mention of the reply", p.Username, len(got))
		}
	}
}
