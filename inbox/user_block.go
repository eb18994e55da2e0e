package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// userBlock applies a remote person's Block of someone here (Mastodon's
// Block{actor, object}, no target): the follows between them end both
// ways, and the block is kept, so that the person here cannot follow them
// again and is told why.
func (p *Processor) userBlock(ctx context.Context, tx pgx.Tx, a *activity) error {
	if err := singleRefs(a.Object, "object"); err != nil {
		return err
	}
	ref, ok := p.urls.ParseLocalActor(a.Ref("object"))
	if !ok || ref.Instance {
		return nil // not about someone here
	}
	blocked, err := models.LocalActorByRef(ctx, tx, false, ref.Group, ref.Username)
	if errors.Is(err, models.ErrNotFound) {
		return refuse(http.StatusNotFound, "no local actor %s", a.Ref("object"))
	}
	if err != nil {
		return err
	}
	_, err = models.PutBlock(ctx, tx, a.signer.ID, blocked.ID, a.ID())
	return err
}

// undoUserBlock applies Undo{Block} of a remote person's block: by the
// Block's id, or, for servers that re-mint ids, by whom it blocked.
func (p *Processor) undoUserBlock(ctx context.Context, tx pgx.Tx, a *activity, inner federation.Object) error {
	removed, err := models.DeleteBlockByURI(ctx, tx, a.signer.ID, inner.ID())
	if err != nil || removed {
		return err
	}
	ref, ok := p.urls.ParseLocalActor(inner.Ref("object"))
	if !ok || ref.Instance {
		return nil
	}
	blocked, err := models.LocalActorByRef(ctx, tx, false, ref.Group, ref.Username)
	if err != nil {
		return ignoreNotFound(err)
	}
	_, err = models.DeleteBlock(ctx, tx, a.signer.ID, blocked.ID)
	return err
}
