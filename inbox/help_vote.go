package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// helpVote applies a vote in a help calendar's sign-up poll:
// Create{Note{name: option, inReplyTo: {base}/help/ID/signup}} from a
// Mastodon-family member. A vote for a free place claims it; the group
// answers every vote it can take with a direct note (the details, or the
// open slots), since Mastodon shows its members no refusal. It is never a
// post. It reports false for any other Create.
func (p *Processor) helpVote(ctx context.Context, tx pgx.Tx, a *activity, in *incomingPost) (bool, error) {
	if in == nil || in.Post.Name == "" {
		return false, nil
	}
	calendarID, ok := federation.HelpSignupCalendar(p.urls.Base, in.Post.InReplyToURI)
	if !ok {
		return false, nil
	}
	if in.Author != a.signer.URI {
		return true, refuse(http.StatusForbidden, "%s may not vote as %s", a.signer.URI, in.Author)
	}
	cal, err := models.HelpCalendarByID(ctx, tx, calendarID)
	if errors.Is(err, models.ErrNotFound) {
		return true, refuse(http.StatusNotFound, "no help calendar %s", in.Post.InReplyToURI)
	}
	if err != nil {
		return true, err
	}
	group, err := models.ActorByID(ctx, tx, cal.GroupID)
	if err != nil {
		return true, err
	}
	if !group.IsLocal() {
		return true, refuse(http.StatusNotFound, "no help calendar %s", in.Post.InReplyToURI)
	}
	if err := p.mayHelp(ctx, tx, cal, a.signer); err != nil {
		return true, err
	}
	slots, err := models.HelpSlots(ctx, tx, cal.ID)
	if err != nil {
		return true, err
	}
	slot := federation.HelpOptionSlot(in.Post.Name, slots)
	if slot == nil {
		return true, refuse(http.StatusUnprocessableEntity, "%q is no option of %s", in.Post.Name, in.Post.InReplyToURI)
	}
	reply := outbox.HelpVoteNotOpen
	if cal.Status == models.HelpOpen {
		_, err = models.ClaimHelpSlot(ctx, tx, cal.ID, slot.ID, a.signer.ID, "")
		switch {
		case err == nil:
			reply = outbox.HelpVoteClaimed
		case errors.Is(err, models.ErrHelpAlreadyClaimed):
			reply = outbox.HelpVoteAlready
		case errors.Is(err, models.ErrHelpSlotFull):
			reply = outbox.HelpVoteTaken
		case errors.Is(err, models.ErrHelpSlotOver):
			reply = outbox.HelpVoteOver
		case errors.Is(err, models.ErrHelpNotOpen):
			// paused between the read and the claim
		case errors.Is(err, models.ErrHelpNotMember):
			return true, refuse(http.StatusForbidden, "only members of the group may sign up")
		default:
			return true, err
		}
	}
	if err := p.outbox.AnswerHelpVote(ctx, tx, cal, slot, a.signer, reply); err != nil {
		return true, err
	}
	if reply != outbox.HelpVoteClaimed {
		return true, nil
	}
	return true, p.outbox.HelpChanged(ctx, tx, cal.ID)
}

// mayHelp refuses a vote from someone the group banned or who is not
// its member: a calendar is for the group's members only.
func (p *Processor) mayHelp(ctx context.Context, tx pgx.Tx, cal *models.HelpCalendar, who *models.Actor) error {
	banned, err := models.IsBanned(ctx, tx, cal.GroupID, who.ID)
	if err != nil {
		return err
	}
	if banned {
		return refuse(http.StatusForbidden, "%s is banned from the group of help calendar %d", who.URI, cal.ID)
	}
	member, err := models.HelpMember(ctx, tx, cal.GroupID, who.ID)
	if err != nil {
		return err
	}
	if !member {
		return refuse(http.StatusForbidden, "only members of the group may sign up for help calendar %d", cal.ID)
	}
	return nil
}
