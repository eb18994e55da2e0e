package outbox

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// How a remote meetup's server takes answers, by its NodeInfo software.
const (
	formJoin    = "join"    // Mobilizon: Join (going) and Leave; no maybe
	formAccept  = "accept"  // Friendica, Gathio: Accept, TentativeAccept, Reject of the Event
	formVillage = "village" // Village: Join (going), TentativeAccept (maybe), Reject (not going), Leave
)

func answerForm(software string) string {
	switch strings.ToLower(software) {
	case "friendica", "gathio":
		return formAccept
	case "village":
		return formVillage
	}
	return formJoin // Mobilizon, and the FEP-8a8e default for servers we do not know
}

// remoteAnswer sends a local person's answer to a remote meetup in the
// form its server takes, and keeps it (models.RecordRemoteRSVP): going
// through a Join waits for the organizer's Accept (pending until then);
// the others stand as sent. Mobilizon knows no "maybe": there, maybe
// withdraws a Join and is kept here only.
func (o *Outbox) remoteAnswer(ctx context.Context, tx pgx.Tx, m *Meetup, who *models.Actor, want string) (models.Outcome, error) {
	if want != models.RSVPGoing && want != models.RSVPMaybe && want != models.RSVPNotGoing {
		return models.Outcome{}, models.ErrBadRSVP
	}
	if m.Event.Cancelled() {
		return models.Outcome{}, models.ErrEventCancelled
	}
	software, _, err := models.InstanceSoftware(ctx, tx, m.Organizer.Domain)
	if err != nil {
		return models.Outcome{}, err
	}
	prev, err := models.RSVPOf(ctx, tx, m.Event.PostID, who.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return models.Outcome{}, err
	}
	out := models.Outcome{}
	if prev != nil {
		out.Previous = prev.Status
	}
	joined := prev != nil && prev.Via == models.RSVPViaJoin
	form := answerForm(software)
	answer := models.Answer{EventID: m.Event.PostID, ActorID: who.ID, Want: want, Via: models.RSVPViaAccept}
	status := want
	switch {
	case want == models.RSVPGoing && joined:
		out.Status = prev.Status // asked already: the organizer's answer stands
		return out, nil
	case want == models.RSVPGoing && form != formAccept:
		answer.Via, status = models.RSVPViaJoin, models.RSVPPending
		answer.ActivityURI = o.urls.NewActivityID()
		join := federation.JoinRef{ID: answer.ActivityURI, Actor: o.urls.Actor(who), Event: m.Post.URI}
		if err := o.sendTo(ctx, tx, who, m, federation.JoinDocument(join, o.meetupHosts(m), ""), m.Post.URI); err != nil {
			return out, err
		}
	case form == formJoin:
		// No other answer exists there: a Join is left, the rest stays here.
		if joined {
			if err := o.sendLeave(ctx, tx, who, m); err != nil {
				return out, err
			}
		}
		answer.Via = models.RSVPViaLocal
	default:
		answer.ActivityURI = o.urls.NewActivityID()
		doc := federation.EventAnswerDocument(federation.EventAnswerType(want), answer.ActivityURI, o.urls.Actor(who),
			m.Post.URI, o.meetupHosts(m))
		if err := o.sendTo(ctx, tx, who, m, doc, m.Post.URI); err != nil {
			return out, err
		}
	}
	out.Status = status
	return out, models.RecordRemoteRSVP(ctx, tx, answer, status)
}

// remoteWithdraw takes back a local person's answer to a remote meetup:
// Leave for a Join, Undo for an answer sent as Accept, TentativeAccept or
// Reject.
func (o *Outbox) remoteWithdraw(ctx context.Context, tx pgx.Tx, m *Meetup, who *models.Actor) (models.Outcome, error) {
	prev, err := models.RSVPOf(ctx, tx, m.Event.PostID, who.ID)
	if errors.Is(err, models.ErrNotFound) {
		return models.Outcome{}, nil
	}
	if err != nil {
		return models.Outcome{}, err
	}
	switch {
	case prev.Via == models.RSVPViaJoin:
		err = o.sendLeave(ctx, tx, who, m)
	case prev.Via == models.RSVPViaAccept && prev.ActivityURI != "":
		id := o.urls.NewActivityID()
		inner := map[string]any{"id": prev.ActivityURI, "type": federation.EventAnswerType(prev.Status),
			"actor": o.urls.Actor(who), "object": m.Post.URI}
		err = o.sendTo(ctx, tx, who, m, federation.UndoDocument(id, o.urls.Actor(who), inner, o.meetupHosts(m)), prev.ActivityURI)
	}
	if err != nil {
		return models.Outcome{}, err
	}
	if _, err := models.ForgetRSVP(ctx, tx, m.Event.PostID, who.ID); err != nil {
		return models.Outcome{}, err
	}
	return models.Outcome{Previous: prev.Status}, nil
}

func (o *Outbox) sendLeave(ctx context.Context, tx pgx.Tx, who *models.Actor, m *Meetup) error {
	id := o.urls.NewActivityID()
	return o.sendTo(ctx, tx, who, m, federation.LeaveDocument(id, o.urls.Actor(who), m.Post.URI, o.meetupHosts(m)), m.Post.URI)
}

// meetupHosts are whom an answer to a remote meetup is addressed to: its
// organizer, and its group, which Mobilizon lets manage it too.
func (o *Outbox) meetupHosts(m *Meetup) []string {
	to := []string{m.Organizer.URI}
	if m.Group != nil && !m.Group.IsLocal() && m.Group.URI != m.Organizer.URI {
		to = append(to, m.Group.URI)
	}
	return to
}

// sendTo sends a local person's answer to a remote meetup's organizer and group.
func (o *Outbox) sendTo(ctx context.Context, tx pgx.Tx, who *models.Actor, m *Meetup, doc map[string]any, objectURI string) error {
	inboxes := []string{o.urls.DeliveryInbox(m.Organizer)}
	if m.Group != nil && !m.Group.IsLocal() {
		inboxes = append(inboxes, o.urls.DeliveryInbox(m.Group))
	}
	id, _ := doc["id"].(string)
	_, err := o.Send(ctx, tx, Message{Actor: who, ID: id, Document: doc, ObjectURI: objectURI, Inboxes: unique(inboxes)})
	return err
}
