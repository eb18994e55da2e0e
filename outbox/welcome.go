package outbox

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// EnsureWelcome writes a group's welcome note, once: a public Note by the
// group itself with what it is, its place and rules, and how to join,
// pinned to its featured collection (what Mastodon shows on its profile).
func (o *Outbox) EnsureWelcome(ctx context.Context, g *models.Group) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		existing, err := models.LockWelcome(ctx, tx, g.Actor.ID)
		if err != nil || existing != 0 {
			return err
		}
		post := &models.Post{Content: welcomeHTML(g, o.urls.Host()), Visibility: models.VisibilityPublicPost,
			Local: true, Type: "Note", AuthorID: g.Actor.ID, GroupID: &g.Actor.ID}
		if post.ID, err = models.NextPostID(ctx, tx); err != nil {
			return err
		}
		post.URI = o.urls.Actor(g.Actor) + "/statuses/" + strconv.FormatInt(post.ID, 10)
		post.URL = post.URI
		if _, err := models.InsertPost(ctx, tx, post); err != nil {
			return err
		}
		if err := models.Pin(ctx, tx, g.Actor.ID, post.ID); err != nil {
			return err
		}
		if err := models.SetWelcome(ctx, tx, g.Actor.ID, post.ID); err != nil {
			return err
		}
		pub := Publication{Author: g.Actor, Post: post}
		aud, err := o.audienceOf(ctx, tx, pub)
		if err != nil {
			return err
		}
		return o.sendAbout(ctx, tx, g.Actor, post, aud, "Create")
	})
	if err != nil {
		return fmt.Errorf("outbox: welcome note: %w", err)
	}
	return nil
}

func welcomeHTML(g *models.Group, host string) string {
	var b strings.Builder
	b.WriteString("<p>Welcome to " + html.EscapeString(g.Title) + "!")
	if g.Location != "" {
		b.WriteString(" We are parents in " + html.EscapeString(g.Location) + ".")
	}
	b.WriteString("</p>")
	if s := strings.TrimSpace(g.Summary); s != "" {
		b.WriteString("<p>" + html.EscapeString(s) + "</p>")
	}
	if r := strings.TrimSpace(g.Rules); r != "" {
		b.WriteString("<p>Our rules:<br>" + strings.ReplaceAll(html.EscapeString(r), "\n", "<br>") + "</p>")
	}
	handle := "@" + g.Actor.Username + "@" + host
	if g.MembersOnly() {
		b.WriteString("<p>This group is for members: follow " + handle + " to ask to join, and a moderator will let you in.</p>")
	} else {
		b.WriteString("<p>Follow " + handle + " to join; mention it in a post to share the post with every member.</p>")
	}
	return b.String()
}
