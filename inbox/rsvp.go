package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Answers to meetups from other servers (outbox/rsvp.go has the rules of
// who is told what):
//   - Mobilizon: Join{Event} (going), Leave{Event} or Undo{Join};
//   - Friendica and Gathio: Accept (going), TentativeAccept (maybe),
//     Reject (not going) of the Event, and their Undo;
//   - Mastodon and its kin: a vote in the group's RSVP poll,
//     Create{Note{name: option, inReplyTo: the poll}};
//   - and, for local people's answers to remote meetups, the organizer's
//     Accept{Join} or Reject{Join}.
// Accept and Reject of anything else (a Follow) go on to the follow path.

// maxParticipationMessage bounds what a Join says to the organizer.
const maxParticipationMessage = 1000

// localMeetup is the local meetup whose post is uri, nil when uri names
// none (an answer about something else).
func (p *Processor) localMeetup(ctx context.Context, tx pgx.Tx, uri string) (*outbox.Meetup, error) {
	if uri == "" || !p.urls.IsLocal(uri) {
		return nil, nil
	}
	post, err := models.PostByURI(ctx, tx, uri)
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrGone) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if post.Type != "Event" {
		return nil, nil
	}
	m, err := outbox.LoadMeetup(ctx, tx, post.ID)
	if errors.Is(err, outbox.ErrNotMeetup) {
		return nil, refuse(http.StatusNotFound, "no meetup %s", uri)
	}
	return m, err
}

// mayAnswer refuses an answer from someone the meetup's group banned, or
// from a non-member for a members-only group's meetup.
func (p *Processor) mayAnswer(ctx context.Context, tx pgx.Tx, m *outbox.Meetup, who *models.Actor) error {
	if m.Group == nil {
		return nil
	}
	err := outbox.MayAnswer(ctx, tx, m.Group.ID, who.ID)
	switch {
	case errors.Is(err, outbox.ErrBanned):
		return refuse(http.StatusForbidden, "%s is banned from %s", who.URI, p.urls.Actor(m.Group))
	case errors.Is(err, outbox.ErrRSVPNotMember):
		return refuse(http.StatusForbidden, "only members of %s may answer its meetups", p.urls.Actor(m.Group))
	}
	return err
}

// answerRefusal turns the meetup's refusals into the sender's 422.
func answerRefusal(err error) error {
	switch {
	case errors.Is(err, models.ErrEventCancelled), errors.Is(err, models.ErrEventOver), errors.Is(err, models.ErrBadRSVP):
		return refuse(http.StatusUnprocessableEntity, "%v", err)
	}
	return err
}

// answer records a remote person's answer to a local meetup under its
// rules, and sends what it calls for.
func (p *Processor) answer(ctx context.Context, tx pgx.Tx, m *outbox.Meetup, a *activity, ans models.Answer) error {
	if err := p.mayAnswer(ctx, tx, m, a.signer); err != nil {
		return err
	}
	ans.EventID, ans.ActorID, ans.ActivityURI = m.Event.PostID, a.signer.ID, a.ID()
	out, err := models.AnswerEvent(ctx, tx, ans)
	if err != nil {
		return err
	}
	return p.outbox.AfterRSVP(ctx, tx, m, a.signer, outbox.RSVPNews{Via: ans.Via, ActivityURI: a.ID(), Outcome: out, Own: true})
}

// joinMeetup applies Mobilizon's Join{Event}: going, under the meetup's
// rules. A Join the meetup cannot take (cancelled, over) is answered
// with Reject{Join}, which is what Mobilizon understands.
func (p *Processor) joinMeetup(ctx context.Context, tx pgx.Tx, a *activity) error {
	m, err := p.localMeetup(ctx, tx, a.Ref("object"))
	if err != nil || m == nil {
		return err // a Join of something else (a Mobilizon group): recorded only
	}
	message := content.CutRunes(p.sanitizeText(a.String("participationMessage")), maxParticipationMessage)
	err = p.answer(ctx, tx, m, a, models.Answer{Want: models.RSVPGoing, Via: models.RSVPViaJoin, Message: message})
	if errors.Is(err, models.ErrEventCancelled) || errors.Is(err, models.ErrEventOver) {
		return p.outbox.AfterRSVP(ctx, tx, m, a.signer, outbox.RSVPNews{Via: models.RSVPViaJoin, ActivityURI: a.ID(),
			Outcome: models.Outcome{Previous: models.RSVPPending}, Decided: true})
	}
	return err
}

// leaveMeetup applies Mobilizon's Leave{Event}: the answer is withdrawn
// and a place it frees goes to the first on the waitlist.
func (p *Processor) leaveMeetup(ctx context.Context, tx pgx.Tx, a *activity) error {
	m, err := p.localMeetup(ctx, tx, a.Ref("object"))
	if err != nil || m == nil {
		return err
	}
	return p.withdraw(ctx, tx, m, a.signer)
}

func (p *Processor) withdraw(ctx context.Context, tx pgx.Tx, m *outbox.Meetup, who *models.Actor) error {
	out, err := models.WithdrawRSVP(ctx, tx, m.Event.PostID, who.ID)
	if err != nil || out.Previous == "" {
		return err
	}
	return p.outbox.AfterRSVP(ctx, tx, m, who, outbox.RSVPNews{Outcome: out, Own: true})
}

// eventAnswer applies an Accept, TentativeAccept or Reject: of a local
// meetup (Friendica's and Gathio's answers), or of a Join a local person
// sent to a remote meetup. It reports false for anything else (Accept
// and Reject of a Follow), which the follow path takes.
func (p *Processor) eventAnswer(ctx context.Context, tx pgx.Tx, a *activity) (bool, error) {
	object := a.Ref("object")
	if done, err := p.joinAnswered(ctx, tx, a, object); done || err != nil {
		return true, err
	}
	m, err := p.localMeetup(ctx, tx, object)
	if err != nil || m == nil {
		return a.Type() == "TentativeAccept", err // a TentativeAccept of anything else means nothing here
	}
	want := models.RSVPGoing
	switch a.Type() {
	case "TentativeAccept":
		want = models.RSVPMaybe
	case "Reject":
		want = models.RSVPNotGoing
	}
	return true, answerRefusal(p.answer(ctx, tx, m, a, models.Answer{Want: want, Via: models.RSVPViaAccept}))
}

// joinAnswered applies the organizer's Accept{Join} or Reject{Join} of a
// Join a local person sent: accepted, she is going; rejected, her answer
// goes. Only the meetup's organizer or its group may answer it.
func (p *Processor) joinAnswered(ctx context.Context, tx pgx.Tx, a *activity, joinID string) (bool, error) {
	if a.Type() == "TentativeAccept" || joinID == "" || !p.urls.IsLocal(joinID) {
		return false, nil
	}
	r, err := models.RSVPByActivity(ctx, tx, joinID)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil || r.Via != models.RSVPViaJoin {
		return false, err
	}
	m, err := outbox.LoadMeetup(ctx, tx, r.EventID)
	if err != nil {
		return true, err
	}
	if m.Post.Local {
		return false, nil
	}
	if a.signer.ID != m.Organizer.ID && (m.Group == nil || a.signer.ID != m.Group.ID) {
		return true, refuse(http.StatusForbidden, "%s may not answer a Join of %s", a.signer.URI, m.Post.URI)
	}
	if a.Type() == "Reject" {
		_, err = models.ForgetRSVP(ctx, tx, r.EventID, r.ActorID)
		return true, err
	}
	if r.Status == models.RSVPGoing {
		return true, nil
	}
	err = models.RecordRemoteRSVP(ctx, tx, models.Answer{EventID: r.EventID, ActorID: r.ActorID, Via: models.RSVPViaJoin,
		ActivityURI: r.ActivityURI}, models.RSVPGoing)
	if err != nil {
		return true, err
	}
	return true, models.Notify(ctx, tx, r.ActorID, models.NotifyEventUpdate, a.signer.ID, &r.EventID, nil)
}

// undoAnswer applies Undo of a Join, Accept, TentativeAccept or Reject of
// a local meetup: the answer is withdrawn. It reports false for an Undo
// of anything else.
func (p *Processor) undoAnswer(ctx context.Context, tx pgx.Tx, a *activity) (bool, error) {
	inner := a.Embedded("object")
	var meetupURI string
	switch {
	case inner != nil:
		switch inner.Type() {
		case "Join", "Accept", "TentativeAccept", "Reject":
			meetupURI = inner.Ref("object")
		default:
			return false, nil
		}
	default:
		r, err := models.RSVPByActivity(ctx, tx, a.Ref("object"))
		if errors.Is(err, models.ErrNotFound) {
			return false, nil
		}
		if err != nil || r.ActorID != a.signer.ID {
			return false, err
		}
		post, err := models.PostByID(ctx, tx, r.EventID)
		if err != nil {
			return false, err
		}
		meetupURI = post.URI
	}
	m, err := p.localMeetup(ctx, tx, meetupURI)
	if err != nil || m == nil {
		return false, err
	}
	if err := undoneBySigner(a, inner); err != nil {
		return true, err
	}
	return true, p.withdraw(ctx, tx, m, a.signer)
}

// rsvpVote applies a vote in a meetup's RSVP poll: Create{Note{name:
// option, inReplyTo: the poll}} from a Mastodon-family member. It is an
// answer, never a post. It reports false for any other Create.
func (p *Processor) rsvpVote(ctx context.Context, tx pgx.Tx, a *activity, in *incomingPost) (bool, error) {
	if in == nil || in.Post.Name == "" {
		return false, nil
	}
	postURI, ok := federation.RSVPQuestionEvent(in.Post.InReplyToURI)
	if !ok {
		return false, nil
	}
	m, err := p.localMeetup(ctx, tx, postURI)
	if err != nil || m == nil {
		return false, err
	}
	if in.Author != a.signer.URI {
		return true, refuse(http.StatusForbidden, "%s may not vote as %s", a.signer.URI, in.Author)
	}
	want, ok := federation.RSVPOptionAnswer(in.Post.Name)
	if !ok {
		return true, refuse(http.StatusUnprocessableEntity, "%q is no option of %s", in.Post.Name, in.Post.InReplyToURI)
	}
	if err := p.mayAnswer(ctx, tx, m, a.signer); err != nil {
		return true, err
	}
	out, err := models.AnswerEvent(ctx, tx, models.Answer{EventID: m.Event.PostID, ActorID: a.signer.ID, Want: want,
		Via: models.RSVPViaPoll, ActivityURI: in.Post.URI})
	if errors.Is(err, models.ErrEventCancelled) {
		// A vote that crossed the poll's closing: Mastodon drops a 422
		// unseen, so she is told in a note, and nothing else is kept.
		return true, p.outbox.TellCancelled(ctx, tx, m, a.signer)
	}
	if err != nil {
		return true, answerRefusal(err)
	}
	return true, p.outbox.AfterRSVP(ctx, tx, m, a.signer, outbox.RSVPNews{Via: models.RSVPViaPoll, ActivityURI: in.Post.URI,
		Outcome: out, Own: true})
}
