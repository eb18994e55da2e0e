package inbox

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// userBlock applies a remote person's Block of someone here.
// Scaffold: the instance moderation work fills it in.
func (p *Processor) userBlock(ctx context.Context, tx pgx.Tx, a *activity) error { return nil }
