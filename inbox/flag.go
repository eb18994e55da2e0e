package inbox

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// flag files a remote report (Flag) in the moderation queue.
// Scaffold: the reports work fills it in.
func (p *Processor) flag(ctx context.Context, tx pgx.Tx, a *activity) error { return nil }
