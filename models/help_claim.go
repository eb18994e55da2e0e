package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Why a claim, or an organizer's change of one, is refused.
var (
	ErrHelpSlotFull       = errors.New("every place of that slot is taken")
	ErrHelpAlreadyClaimed = errors.New("you already took a place in that slot")
	ErrHelpNotOpen        = errors.New("the calendar takes no sign-ups now")
	ErrHelpClosed         = errors.New("the calendar is closed")
	ErrHelpSlotOver       = errors.New("that day is over")
	ErrHelpNotYours       = errors.New("that is someone else's sign-up")
	ErrHelpNotOrganizer   = errors.New("only the calendar's organizers may do that")
)

// HelpClaim is one place of a slot taken: by a member (ActorID), or by
// an organizer for someone not on Village (Name).
type HelpClaim struct {
	ID        int64
	SlotID    int64
	ActorID   *int64
	Name      string
	Bringing  string // "lasagna, no nuts"
	FilledBy  *int64 // the organizer who filled it
	CreatedAt time.Time
}

// By reports whether actorID made the claim.
func (c *HelpClaim) By(actorID int64) bool { return c.ActorID != nil && *c.ActorID == actorID }

const helpClaimColumns = `k.id, k.slot_id, k.actor_id, k.name, k.bringing, k.filled_by, k.created_at`

func scanHelpClaim(row pgx.Row) (*HelpClaim, error) {
	var c HelpClaim
	err := row.Scan(&c.ID, &c.SlotID, &c.ActorID, &c.Name, &c.Bringing, &c.FilledBy, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &c, err
}

func calendarClaims(ctx context.Context, db DB, calendarID int64) ([]*HelpClaim, error) {
	return queryList(ctx, db, "help claims", scanHelpClaim,
		`SELECT `+helpClaimColumns+` FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
		WHERE s.calendar_id = $1 ORDER BY k.created_at, k.id`, calendarID)
}

// lockedSlot is a slot read with its row locked, so that claims of it
// take turns: two people cannot take its last place.
type lockedSlot struct {
	places  int
	taken   int
	status  string
	groupID int64
	over    bool // its day has passed in the calendar's zone
}

func lockSlot(ctx context.Context, tx pgx.Tx, calendarID, slotID int64) (*lockedSlot, error) {
	var l lockedSlot
	err := tx.QueryRow(ctx, `SELECT s.places, c.status, c.group_id, s.day < (now() AT TIME ZONE c.time_zone)::date
		FROM help_slots s JOIN help_calendars c ON c.id = s.calendar_id
		WHERE s.id = $1 AND s.calendar_id = $2 FOR UPDATE OF s`, slotID, calendarID).Scan(&l.places, &l.status, &l.groupID, &l.over)
	if err != nil {
		return nil, notFoundOr(err, "models: lock help slot")
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM help_claims WHERE slot_id = $1`, slotID).Scan(&l.taken); err != nil {
		return nil, fmt.Errorf("models: count help claims: %w", err)
	}
	return &l, nil
}

func checkBringing(bringing string) (string, error) {
	bringing = strings.TrimSpace(bringing)
	if utf8.RuneCountInString(bringing) > HelpBringingMax {
		return "", helpInput("bringing", fmt.Sprintf("at most %d characters", HelpBringingMax))
	}
	return bringing, nil
}

// ClaimHelpSlot takes a free place of a slot for a member, once per
// person and slot, in one transaction that holds the slot's row: an
// open calendar's slot whose day has not passed, with a place left.
func ClaimHelpSlot(ctx context.Context, db DB, calendarID, slotID, actorID int64, bringing string) (*HelpClaim, error) {
	bringing, err := checkBringing(bringing)
	if err != nil {
		return nil, err
	}
	var claim *HelpClaim
	err = InTx(ctx, db, func(tx pgx.Tx) error {
		l, err := lockSlot(ctx, tx, calendarID, slotID)
		if err != nil {
			return err
		}
		member, err := HelpMember(ctx, tx, l.groupID, actorID)
		if err != nil {
			return err
		}
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM help_claims WHERE slot_id = $1 AND actor_id = $2)`,
			slotID, actorID).Scan(&mine); err != nil {
			return fmt.Errorf("models: claim help slot: %w", err)
		}
		switch {
		case !member:
			return ErrHelpNotMember
		case l.status != HelpOpen:
			return ErrHelpNotOpen
		case l.over:
			return ErrHelpSlotOver
		case mine:
			return ErrHelpAlreadyClaimed
		case l.taken >= l.places:
			return ErrHelpSlotFull
		}
		claim, err = scanHelpClaim(tx.QueryRow(ctx, `INSERT INTO help_claims AS k (slot_id, actor_id, bringing) VALUES ($1, $2, $3)
			RETURNING `+helpClaimColumns, slotID, actorID, bringing))
		if err != nil {
			return fmt.Errorf("models: claim help slot: %w", err)
		}
		return nil
	})
	return claim, err
}

// ownOpenClaim locks a claim of the calendar that actorID made, for her
// to change: ErrNotFound when there is none, ErrHelpNotYours when someone
// else made it, ErrHelpClosed when the calendar is closed.
func ownOpenClaim(ctx context.Context, db DB, calendarID, claimID, actorID int64) error {
	var owner *int64
	var status string
	err := db.QueryRow(ctx, `SELECT k.actor_id, c.status FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
		JOIN help_calendars c ON c.id = s.calendar_id WHERE k.id = $1 AND c.id = $2 FOR UPDATE OF k`,
		claimID, calendarID).Scan(&owner, &status)
	if err != nil {
		return notFoundOr(err, "models: help claim")
	}
	if owner == nil || *owner != actorID {
		return ErrHelpNotYours
	}
	if status == HelpClosed {
		return ErrHelpClosed
	}
	return nil
}

// ChangeHelpClaim changes what a helper brings; only she may.
func ChangeHelpClaim(ctx context.Context, db DB, calendarID, claimID, actorID int64, bringing string) error {
	bringing, err := checkBringing(bringing)
	if err != nil {
		return err
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		if err := ownOpenClaim(ctx, tx, calendarID, claimID, actorID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE help_claims SET bringing = $2, updated_at = now() WHERE id = $1`, claimID, bringing); err != nil {
			return fmt.Errorf("models: change help claim: %w", err)
		}
		return nil
	})
}

// GiveBackHelpClaim frees a helper's place; only she may.
func GiveBackHelpClaim(ctx context.Context, db DB, calendarID, claimID, actorID int64) error {
	return InTx(ctx, db, func(tx pgx.Tx) error {
		if err := ownOpenClaim(ctx, tx, calendarID, claimID, actorID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM help_claims WHERE id = $1`, claimID); err != nil {
			return fmt.Errorf("models: give back help claim: %w", err)
		}
		return nil
	})
}

// IsHelpOrganizer reports whether actorID organizes the calendar.
func IsHelpOrganizer(ctx context.Context, db DB, calendarID, actorID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM help_organizers WHERE calendar_id = $1 AND actor_id = $2)`,
		calendarID, actorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: help organizer: %w", err)
	}
	return ok, nil
}

func requireOrganizer(ctx context.Context, db DB, calendarID, actorID int64) error {
	ok, err := IsHelpOrganizer(ctx, db, calendarID, actorID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrHelpNotOrganizer
	}
	return nil
}

// FillHelpSlot is an organizer taking every free place of a slot for
// someone not on Village ("Grandma"), paused or open.
func FillHelpSlot(ctx context.Context, db DB, calendarID, slotID, organizerID int64, name string) error {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return helpInput("name", "say who brings it")
	case utf8.RuneCountInString(name) > HelpNameMax:
		return helpInput("name", fmt.Sprintf("at most %d characters", HelpNameMax))
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		if err := requireOrganizer(ctx, tx, calendarID, organizerID); err != nil {
			return err
		}
		l, err := lockSlot(ctx, tx, calendarID, slotID)
		if err != nil {
			return err
		}
		switch {
		case l.status == HelpClosed:
			return ErrHelpClosed
		case l.taken >= l.places:
			return ErrHelpSlotFull
		}
		for range l.places - l.taken {
			if _, err := tx.Exec(ctx, `INSERT INTO help_claims (slot_id, name, filled_by) VALUES ($1, $2, $3)`,
				slotID, name, organizerID); err != nil {
				return fmt.Errorf("models: fill help slot: %w", err)
			}
		}
		return nil
	})
}

// ClearHelpSlot is an organizer freeing every place of a slot; it
// returns the members whose places were freed.
func ClearHelpSlot(ctx context.Context, db DB, calendarID, slotID, organizerID int64) ([]int64, error) {
	var freed []int64
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		if err := requireOrganizer(ctx, tx, calendarID, organizerID); err != nil {
			return err
		}
		l, err := lockSlot(ctx, tx, calendarID, slotID)
		if err != nil {
			return err
		}
		if l.status == HelpClosed {
			return ErrHelpClosed
		}
		rows, err := tx.Query(ctx, `DELETE FROM help_claims WHERE slot_id = $1 RETURNING coalesce(actor_id, 0)`, slotID)
		if err != nil {
			return fmt.Errorf("models: clear help slot: %w", err)
		}
		ids, err := collectIDs(rows)
		for _, id := range ids {
			if id != 0 {
				freed = append(freed, id)
			}
		}
		return err
	})
	return freed, err
}

// releaseFromToday frees claims of slots from today on (in each
// calendar's zone) that match the condition on k and c; past claims stay
// as the calendar's history.
func releaseFromToday(ctx context.Context, db DB, cond string, args ...any) (int, error) {
	tag, err := db.Exec(ctx, `DELETE FROM help_claims k USING help_slots s, help_calendars c
		WHERE s.id = k.slot_id AND c.id = s.calendar_id AND s.day >= (now() AT TIME ZONE c.time_zone)::date AND `+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("models: release help claims: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ReleaseHelpClaimsOf frees the places someone who is no longer a
// member of a group (banned, removed, or gone of her own accord) took in
// its calendars from today on, and ends her organizing of them (the
// group's moderators can still close them); it reports how many places it
// freed. She can no longer see the calendars: a place kept in her name
// would be a meal nobody brings.
func ReleaseHelpClaimsOf(ctx context.Context, db DB, groupID, actorID int64) (int, error) {
	n, err := releaseFromToday(ctx, db, `c.group_id = $1 AND k.actor_id = $2`, groupID, actorID)
	if err != nil {
		return 0, err
	}
	if _, err := db.Exec(ctx, `DELETE FROM help_organizers o USING help_calendars c
		WHERE c.id = o.calendar_id AND c.group_id = $1 AND o.actor_id = $2`, groupID, actorID); err != nil {
		return 0, fmt.Errorf("models: release help organizer: %w", err)
	}
	return n, nil
}
