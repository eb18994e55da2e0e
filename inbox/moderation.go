package inbox

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Scaffold: the group moderation work fills these in.

// ban applies Block{object: user, target: group} from a group's moderator.
func (p *Processor) ban(ctx context.Context, tx pgx.Tx, a *activity) error { return nil }

// lock applies Lock{object: post} from a group's moderator.
func (p *Processor) lock(ctx context.Context, tx pgx.Tx, a *activity) error { return nil }

// collectionChange applies Add/Remove to a group's featured or moderators collection.
func (p *Processor) collectionChange(ctx context.Context, tx pgx.Tx, a *activity) error { return nil }
