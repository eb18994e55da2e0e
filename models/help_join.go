package models

import (
	"context"
	"fmt"
)

// Claims that come from other servers, at the calendar's home: a Join of
// a slot names the claim by its sender and slot, and the Join's id is
// kept to answer and match it later.

// HelpClaimBy is the claim actorID holds in a slot of the calendar;
// ErrNotFound when she holds none.
func HelpClaimBy(ctx context.Context, db DB, calendarID, slotID, actorID int64) (*HelpClaim, error) {
	c, err := scanHelpClaim(db.QueryRow(ctx, `SELECT `+helpClaimColumns+` FROM help_claims k
		JOIN help_slots s ON s.id = k.slot_id WHERE s.calendar_id = $1 AND k.slot_id = $2 AND k.actor_id = $3`,
		calendarID, slotID, actorID))
	if err != nil && err != ErrNotFound {
		return nil, fmt.Errorf("models: help claim by: %w", err)
	}
	return c, err
}

// SetHelpClaimJoin keeps the Join that made or last changed a claim.
func SetHelpClaimJoin(ctx context.Context, db DB, claimID int64, joinURI string) error {
	if _, err := db.Exec(ctx, `UPDATE help_claims SET join_uri = $2 WHERE id = $1`, claimID, joinURI); err != nil {
		return fmt.Errorf("models: help claim join: %w", err)
	}
	return nil
}
