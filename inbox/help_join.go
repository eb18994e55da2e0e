package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Claims of a local calendar's slots from members on other Villages
// (docs/help-calendars.md): Join{slot} takes a place, or changes what she
// brings when she holds one; Leave{slot} gives it back. A Join the slot
// cannot take (full, paused, over) is answered with Reject saying why,
// and nothing is kept; a sender who is not a member is refused.

// localHelpSlot is the local calendar and slot a Join's object names;
// ok false when it names something else (a meetup).
func (p *Processor) localHelpSlot(ctx context.Context, tx pgx.Tx, a *activity) (cal *models.HelpCalendar, slotID int64, ok bool, err error) {
	calURI, slotID, isSlot := federation.ParseHelpSlotID(a.Ref("object"))
	if !isSlot {
		return nil, 0, false, nil
	}
	calID, local := p.outbox.HelpCalendarID(calURI)
	if !local {
		return nil, 0, true, refuse(http.StatusNotFound, "no help calendar %s here", calURI)
	}
	cal, err = models.HelpCalendarByID(ctx, tx, calID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, 0, true, refuse(http.StatusNotFound, "no help calendar %s here", calURI)
	}
	return cal, slotID, true, err
}

// helpJoin applies Join{slot}; false when the Join is of something else.
func (p *Processor) helpJoin(ctx context.Context, tx pgx.Tx, a *activity) (bool, error) {
	cal, slotID, ok, err := p.localHelpSlot(ctx, tx, a)
	if !ok || err != nil {
		return ok, err
	}
	who := a.signer
	bringing := p.sanitizeText(a.String("bringing"))
	held, err := models.HelpClaimBy(ctx, tx, cal.ID, slotID, who.ID)
	switch {
	case err == nil:
		err = models.ChangeHelpClaim(ctx, tx, cal.ID, held.ID, who.ID, bringing)
	case errors.Is(err, models.ErrNotFound):
		held, err = models.ClaimHelpSlot(ctx, tx, cal.ID, slotID, who.ID, bringing)
	}
	var input *models.HelpInputError
	switch {
	case errors.As(err, &input):
		return true, refuse(http.StatusUnprocessableEntity, "%v", err)
	case errors.Is(err, models.ErrHelpNotMember):
		return true, refuse(http.StatusForbidden, "only members of the group may claim its slots")
	case errors.Is(err, models.ErrNotFound):
		return true, refuse(http.StatusNotFound, "no slot %s", a.Ref("object"))
	case errors.Is(err, models.ErrHelpSlotFull), errors.Is(err, models.ErrHelpNotOpen),
		errors.Is(err, models.ErrHelpSlotOver), errors.Is(err, models.ErrHelpClosed):
		return true, p.outbox.AnswerHelpJoin(ctx, tx, cal, a.ID(), who, a.Ref("object"), nil, err.Error())
	case err != nil:
		return true, err
	}
	if err := models.SetHelpClaimJoin(ctx, tx, held.ID, a.ID()); err != nil {
		return true, err
	}
	if err := p.outbox.AnswerHelpJoin(ctx, tx, cal, a.ID(), who, a.Ref("object"), held, ""); err != nil {
		return true, err
	}
	return true, p.outbox.HelpChanged(ctx, tx, cal.ID)
}

// helpLeave applies Leave{slot}: her place is given back. A Leave of a
// slot she holds nothing in changes nothing.
func (p *Processor) helpLeave(ctx context.Context, tx pgx.Tx, a *activity) (bool, error) {
	cal, slotID, ok, err := p.localHelpSlot(ctx, tx, a)
	if !ok || err != nil {
		return ok, err
	}
	held, err := models.HelpClaimBy(ctx, tx, cal.ID, slotID, a.signer.ID)
	if errors.Is(err, models.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	err = models.GiveBackHelpClaim(ctx, tx, cal.ID, held.ID, a.signer.ID)
	if errors.Is(err, models.ErrHelpClosed) {
		return true, nil // a closed calendar keeps its history; nothing to give back
	}
	if err != nil {
		return true, err
	}
	return true, p.outbox.HelpChanged(ctx, tx, cal.ID)
}
