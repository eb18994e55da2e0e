package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// Help calendars of groups on other Villages (docs: notes/help-wire.md),
// as their members here receive them: the group's Create or Update of a
// Note carrying helpCalendar is kept as a copy (models/help_copy.go),
// never as a post; its Delete removes the copy; its Accept or Reject of
// a member's Join of a slot settles her claim.

// helpCopy keeps the help calendar a Create or Update carries. It reports
// false for any other object. Only the group itself sends its calendars;
// one no member here follows is accepted and forgotten.
func (p *Processor) helpCopy(ctx context.Context, tx pgx.Tx, a *activity) (bool, error) {
	obj := a.Embedded("object")
	if obj == nil || !federation.IsHelpCalendar(obj) {
		return false, nil
	}
	doc, err := federation.HelpCalendarFromObject(obj)
	if err != nil {
		return true, refuse(http.StatusBadRequest, "%v", err)
	}
	if doc.Group != a.signer.URI || a.signer.Type != models.ActorGroup {
		return true, refuse(http.StatusForbidden, "%s may not send %s: a help calendar comes from its group", a.signer.URI, doc.ID)
	}
	followed, err := models.HasLocalFollower(ctx, tx, a.signer.ID)
	if err != nil || !followed {
		return true, err
	}
	in := models.HelpCopyInput{URI: doc.ID, GroupID: a.signer.ID, Title: p.sanitizeText(doc.Title), Story: p.sanitize(doc.Story),
		Kind: doc.Kind, Status: doc.Status, StartsOn: doc.StartsOn, EndsOn: doc.EndsOn, TimeZone: doc.TimeZone,
		RecipientName: content.CutRunes(p.sanitizeText(doc.RecipientName), models.HelpNameMax), FundURL: doc.FundURL,
		FundNote: p.sanitizeText(doc.FundNote)}
	if in.Title == "" {
		return true, refuse(http.StatusBadRequest, "help calendar %s has no name", doc.ID)
	}
	for _, s := range doc.Slots {
		slot := models.HelpCopySlot{URI: s.ID, Label: p.sanitizeText(s.Name), Day: s.Day, At: s.At, Places: s.Places, Taken: s.Taken}
		if slot.Label == "" {
			return true, refuse(http.StatusBadRequest, "slot %s has no name", s.ID)
		}
		if slot.Helpers, err = p.localHelpers(ctx, tx, s.Helpers); err != nil {
			return true, err
		}
		in.Slots = append(in.Slots, slot)
	}
	kept, err := models.KeepHelpCopy(ctx, tx, in)
	if err != nil {
		return true, err
	}
	if len(kept.Released) > 0 {
		p.logger.InfoContext(ctx, "inbox: places in a help calendar released by its group", "calendar", doc.ID, "members", len(kept.Released))
	}
	return true, nil
}

// localHelpers are the members of this instance among a slot's helpers.
func (p *Processor) localHelpers(ctx context.Context, tx pgx.Tx, uris []string) ([]int64, error) {
	var ids []int64
	for _, uri := range uris {
		ref, ok := p.urls.ParseLocalActor(uri)
		if !ok || ref.Username == "" || ref.Group {
			continue
		}
		a, err := models.LocalActorByName(ctx, tx, ref.Username)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// helpCopyGone removes the copy of a calendar its group deleted; false
// when uri names no copy.
func (p *Processor) helpCopyGone(ctx context.Context, tx pgx.Tx, a *activity, uri string) (bool, error) {
	if _, err := models.HelpCopyByURI(ctx, tx, uri); errors.Is(err, models.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return true, err
	}
	gone, err := models.DeleteHelpCopy(ctx, tx, uri, a.signer.ID)
	if err == nil && !gone {
		err = refuse(http.StatusForbidden, "only its group may delete %s", uri)
	}
	return true, err
}

// helpJoinAnswered applies the group's Accept or Reject of a Join a
// member here sent for a slot of its calendar: accepted, her place is
// confirmed and the private details kept for her; refused, it goes and
// she is told. False for an answer to anything else.
func (p *Processor) helpJoinAnswered(ctx context.Context, tx pgx.Tx, a *activity) (bool, error) {
	join := a.Ref("object")
	if a.Type() == "TentativeAccept" || join == "" || !p.urls.IsLocal(join) {
		return false, nil
	}
	k, err := models.HelpCopyClaimByJoin(ctx, tx, join)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if a.signer.ID != k.GroupID {
		return true, refuse(http.StatusForbidden, "%s may not answer a Join of %s", a.signer.URI, k.SlotURI)
	}
	if a.Type() == "Reject" {
		p.logger.InfoContext(ctx, "inbox: a help calendar's group refused a member's place", "slot", k.SlotURI,
			"reason", content.CutRunes(p.sanitizeText(a.String("content")), 200))
		return true, models.RejectHelpCopyClaim(ctx, tx, k)
	}
	var details *models.HelpPrivate
	if d, ok := federation.HelpDetailsFrom(a.Object); ok {
		details = &d
	}
	return true, models.AcceptHelpCopyClaim(ctx, tx, k, details)
}
