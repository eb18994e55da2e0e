package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// WarningRequiredError refuses a post into a group that asks a content
// warning of posts about one of its topics, when the post has none.
type WarningRequiredError struct {
	Group string // the group's name
	Topic models.Topic
}

func (e *WarningRequiredError) Error() string {
	return fmt.Sprintf("%s asks for a content warning on posts about %q: add one (spoiler_text)", e.Group, e.Topic.Name)
}

// CheckTopics refuses a post into a local group whose text (not its
// markup) mentions one of the group's sensitive topics without a content
// warning.
func CheckTopics(ctx context.Context, db models.DB, group *models.Actor, post *models.Post) error {
	if group == nil || !group.IsLocal() {
		return nil
	}
	s, err := models.SpeakingOf(ctx, db, group.ID)
	if err != nil {
		return err
	}
	text := content.PlainText(post.Content)
	if post.Name != "" {
		text = post.Name + "\n" + text
	}
	if t := models.TopicWithoutWarning(s.Topics, text, post.Summary); t != nil {
		return &WarningRequiredError{Group: group.Username, Topic: *t}
	}
	return nil
}

// checkTopics is CheckTopics inside a publication's transaction.
func (o *Outbox) checkTopics(ctx context.Context, tx pgx.Tx, group *models.Actor, post *models.Post) error {
	return CheckTopics(ctx, tx, group, post)
}
