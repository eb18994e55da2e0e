package models

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A local member's place in a copy's slot: kept here at once (pending),
// confirmed when the group accepts her Join, gone when it refuses.

// HelpCopyClaim is a local claim of a copy's slot, with what a Join or a
// Leave of it names.
type HelpCopyClaim struct {
	ClaimID     int64
	CalendarID  int64
	ActorID     int64
	Pending     bool
	JoinURI     string
	SlotURI     string
	CalendarURI string
	GroupID     int64
}

const helpCopyClaimFrom = `SELECT k.id, c.id, k.actor_id, k.pending, coalesce(k.join_uri, ''), s.uri, c.uri, c.group_id
	FROM help_claims k JOIN help_slots s ON s.id = k.slot_id JOIN help_calendars c ON c.id = s.calendar_id
	WHERE c.uri IS NOT NULL AND k.actor_id IS NOT NULL AND `

func scanHelpCopyClaim(row pgx.Row, what string) (*HelpCopyClaim, error) {
	var k HelpCopyClaim
	err := row.Scan(&k.ClaimID, &k.CalendarID, &k.ActorID, &k.Pending, &k.JoinURI, &k.SlotURI, &k.CalendarURI, &k.GroupID)
	if err != nil {
		return nil, notFoundOr(err, "models: "+what)
	}
	return &k, nil
}

// ClaimHelpCopySlot keeps a member's claim of a copy's slot, pending
// until the group answers joinURI, under the rules a claim at home
// follows, with the places home counts as taken.
func ClaimHelpCopySlot(ctx context.Context, tx pgx.Tx, calendarID, slotID, actorID int64, bringing, joinURI string) (*HelpCopyClaim, error) {
	bringing, err := checkBringing(bringing)
	if err != nil {
		return nil, err
	}
	var places, taken int
	var status string
	var groupID int64
	var over, mine bool
	err = tx.QueryRow(ctx, `SELECT s.places, coalesce(s.remote_taken, 0), c.status, c.group_id,
			s.day < (now() AT TIME ZONE c.time_zone)::date
		FROM help_slots s JOIN help_calendars c ON c.id = s.calendar_id
		WHERE s.id = $1 AND s.calendar_id = $2 AND c.uri IS NOT NULL FOR UPDATE OF s`, slotID, calendarID).
		Scan(&places, &taken, &status, &groupID, &over)
	if err != nil {
		return nil, notFoundOr(err, "models: claim help copy slot")
	}
	var pending int
	err = tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pending), bool_or(actor_id = $2) IS TRUE
		FROM help_claims WHERE slot_id = $1`, slotID, actorID).Scan(&pending, &mine)
	if err != nil {
		return nil, fmt.Errorf("models: claim help copy slot: %w", err)
	}
	member, err := HelpMember(ctx, tx, groupID, actorID)
	if err != nil {
		return nil, err
	}
	switch {
	case !member:
		return nil, ErrHelpNotMember
	case status != HelpOpen:
		return nil, ErrHelpNotOpen
	case over:
		return nil, ErrHelpSlotOver
	case mine:
		return nil, ErrHelpAlreadyClaimed
	case taken+pending >= places:
		return nil, ErrHelpSlotFull
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO help_claims (slot_id, actor_id, bringing, pending, join_uri)
		VALUES ($1, $2, $3, true, $4) RETURNING id`, slotID, actorID, bringing, joinURI).Scan(&id); err != nil {
		return nil, fmt.Errorf("models: claim help copy slot: %w", err)
	}
	return scanHelpCopyClaim(tx.QueryRow(ctx, helpCopyClaimFrom+`k.id = $1`, id), "claim help copy slot")
}

// ownCopyClaim locks a member's own claim of a copy's slot.
func ownCopyClaim(ctx context.Context, tx pgx.Tx, calendarID, claimID, actorID int64) (*HelpCopyClaim, error) {
	if err := ownOpenClaim(ctx, tx, calendarID, claimID, actorID); err != nil {
		return nil, err
	}
	return scanHelpCopyClaim(tx.QueryRow(ctx, helpCopyClaimFrom+`k.id = $1`, claimID), "help copy claim")
}

// ChangeHelpCopyClaim changes what a member brings; the Join that says so
// (joinURI) is the one the group answers next. A confirmed place stays
// confirmed meanwhile: home changes what she brings, not whether she comes.
func ChangeHelpCopyClaim(ctx context.Context, tx pgx.Tx, calendarID, claimID, actorID int64, bringing, joinURI string) (*HelpCopyClaim, error) {
	bringing, err := checkBringing(bringing)
	if err != nil {
		return nil, err
	}
	k, err := ownCopyClaim(ctx, tx, calendarID, claimID, actorID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE help_claims SET bringing = $2, join_uri = $3, updated_at = now() WHERE id = $1`,
		claimID, bringing, joinURI); err != nil {
		return nil, fmt.Errorf("models: change help copy claim: %w", err)
	}
	k.JoinURI = joinURI
	return k, nil
}

// GiveBackHelpCopyClaim removes a member's claim of a copy's slot and
// returns it, for the Leave that tells the group.
func GiveBackHelpCopyClaim(ctx context.Context, tx pgx.Tx, calendarID, claimID, actorID int64) (*HelpCopyClaim, error) {
	k, err := ownCopyClaim(ctx, tx, calendarID, claimID, actorID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM help_claims WHERE id = $1`, claimID); err != nil {
		return nil, fmt.Errorf("models: give back help copy claim: %w", err)
	}
	if k.Pending {
		return k, nil
	}
	// Home counted her place: it is free again until its Update says otherwise.
	_, err = tx.Exec(ctx, `UPDATE help_slots SET remote_taken = greatest(coalesce(remote_taken, 0) - 1, 0)
		WHERE uri = $1 AND calendar_id = $2`, k.SlotURI, k.CalendarID)
	if err != nil {
		return nil, fmt.Errorf("models: give back help copy claim: %w", err)
	}
	return k, nil
}

// HelpCopyClaimByJoin is the local claim a Join sent for; ErrNotFound
// when no claim of a copy waits on it.
func HelpCopyClaimByJoin(ctx context.Context, db DB, joinURI string) (*HelpCopyClaim, error) {
	return scanHelpCopyClaim(db.QueryRow(ctx, helpCopyClaimFrom+`k.join_uri = $1 FOR UPDATE OF k`, joinURI), "help copy claim")
}

// AcceptHelpCopyClaim confirms a claim the group accepted and keeps the
// private details it sent with the copy, where only those who may see
// them do (HelpStanding.SeesPrivate). Home counted her place: the copy
// counts it too, until home's next Update.
func AcceptHelpCopyClaim(ctx context.Context, tx pgx.Tx, k *HelpCopyClaim, details *HelpPrivate) error {
	if _, err := tx.Exec(ctx, `UPDATE help_claims SET pending = false WHERE id = $1`, k.ClaimID); err != nil {
		return fmt.Errorf("models: accept help copy claim: %w", err)
	}
	if k.Pending {
		_, err := tx.Exec(ctx, `UPDATE help_slots SET remote_taken = least(places, coalesce(remote_taken, 0) + 1)
			WHERE uri = $1 AND calendar_id = $2`, k.SlotURI, k.CalendarID)
		if err != nil {
			return fmt.Errorf("models: accept help copy claim: %w", err)
		}
	}
	if details == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE help_calendars SET address = $2, notes = $3, drop_off = $4, no_visits = $5 WHERE id = $1`,
		k.CalendarID, details.Address, details.Notes, details.DropOff, details.NoVisits)
	if err != nil {
		return fmt.Errorf("models: accept help copy claim: %w", err)
	}
	return nil
}

// RejectHelpCopyClaim removes a claim the group refused and tells her; a
// refused change of a confirmed place leaves the place as it was.
func RejectHelpCopyClaim(ctx context.Context, tx pgx.Tx, k *HelpCopyClaim) error {
	if !k.Pending {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM help_claims WHERE id = $1`, k.ClaimID); err != nil {
		return fmt.Errorf("models: reject help copy claim: %w", err)
	}
	return notifyHelp(ctx, tx, k.ActorID, NotifyHelpReleased, k.GroupID, k.CalendarID)
}
