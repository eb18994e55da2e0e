package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// requireWarnings refuses a remote member's post into a local group that
// asks for a content warning on one of the post's topics, when it has none:
// the group neither stores nor shares it, and the sender is told why.
func (p *Processor) requireWarnings(ctx context.Context, tx pgx.Tx, groups []*models.Actor, post *models.Post) error {
	for _, g := range groups {
		err := outbox.CheckTopics(ctx, tx, g, post)
		var warn *outbox.WarningRequiredError
		if errors.As(err, &warn) {
			return refuse(http.StatusForbidden, "%s", warn.Error())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// requireWarningsOnEdit holds an edit of a post in a local group to the
// same rule: it may not take away the warning a topic needs.
func (p *Processor) requireWarningsOnEdit(ctx context.Context, tx pgx.Tx, edited *models.Post) error {
	if edited.GroupID == nil {
		return nil
	}
	g, err := models.ActorByID(ctx, tx, *edited.GroupID)
	if err != nil || !g.IsLocal() {
		return err
	}
	return p.requireWarnings(ctx, tx, []*models.Actor{g}, edited)
}
