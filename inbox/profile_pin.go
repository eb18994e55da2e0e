package inbox

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// profilePin applies a remote person's Add or Remove of one of her own
// posts to her featured collection (her profile's pins), as Mastodon
// sends them: only the collection's owner changes it. A post not known
// here is read with the rest of her pins when someone asks for them.
func (p *Processor) profilePin(ctx context.Context, tx pgx.Tx, a *activity, added bool) error {
	post, err := models.PostByURI(ctx, tx, a.Ref("object"))
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil || post.AuthorID != a.signer.ID || post.DeletedAt != nil {
		return err
	}
	if !added {
		_, err := models.Unpin(ctx, tx, a.signer.ID, post.ID)
		return err
	}
	if post.Visibility != models.VisibilityPublicPost && post.Visibility != models.VisibilityUnlisted {
		return nil
	}
	return models.Pin(ctx, tx, a.signer.ID, post.ID)
}
