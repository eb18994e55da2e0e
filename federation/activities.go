package federation

import (
	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// activityBase is what every activity we send has: an id, an actor, and an
// object given by IRI.
type activityBase interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsObject(vocab.ActivityStreamsObjectProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
}

func fill(a activityBase, id, actor string, to []string, object func(vocab.ActivityStreamsObjectProperty) error) error {
	idp, err := idProperty(id)
	if err != nil {
		return err
	}
	a.SetJSONLDId(idp)
	actorURL, err := iri(actor)
	if err != nil {
		return err
	}
	ap := streams.NewActivityStreamsActorProperty()
	ap.AppendIRI(actorURL)
	a.SetActivityStreamsActor(ap)
	op := streams.NewActivityStreamsObjectProperty()
	if err := object(op); err != nil {
		return err
	}
	a.SetActivityStreamsObject(op)
	if len(to) > 0 {
		tp := streams.NewActivityStreamsToProperty()
		for _, t := range to {
			u, err := iri(t)
			if err != nil {
				return err
			}
			tp.AppendIRI(u)
		}
		a.SetActivityStreamsTo(tp)
	}
	return nil
}

func objectIRI(s string) func(vocab.ActivityStreamsObjectProperty) error {
	return func(op vocab.ActivityStreamsObjectProperty) error {
		u, err := iri(s)
		if err != nil {
			return err
		}
		op.AppendIRI(u)
		return nil
	}
}

// NewFollow builds Follow{actor, object}, addressed to the followee.
func NewFollow(id, actor, object string) (vocab.ActivityStreamsFollow, error) {
	f := streams.NewActivityStreamsFollow()
	return f, fill(f, id, actor, []string{object}, objectIRI(object))
}

// FollowRef is a Follow we answer: its id and its two ends.
type FollowRef struct {
	ID, Actor, Object string
}

// followObject embeds the Follow being answered: Mastodon and Lemmy match
// an Accept by the embedded Follow's id, actor and object.
func followObject(f FollowRef) func(vocab.ActivityStreamsObjectProperty) error {
	return func(op vocab.ActivityStreamsObjectProperty) error {
		follow, err := NewFollow(f.ID, f.Actor, f.Object)
		if err != nil {
			return err
		}
		op.AppendActivityStreamsFollow(follow)
		return nil
	}
}

// NewAccept builds Accept{Follow} from the followee to the follower.
func NewAccept(id string, f FollowRef) (vocab.ActivityStreamsAccept, error) {
	a := streams.NewActivityStreamsAccept()
	return a, fill(a, id, f.Object, []string{f.Actor}, followObject(f))
}

// NewReject builds Reject{Follow} from the followee to the follower.
func NewReject(id string, f FollowRef) (vocab.ActivityStreamsReject, error) {
	r := streams.NewActivityStreamsReject()
	return r, fill(r, id, f.Object, []string{f.Actor}, followObject(f))
}

// NewUndoFollow builds Undo{Follow} from the follower to the followee.
func NewUndoFollow(id string, f FollowRef) (vocab.ActivityStreamsUndo, error) {
	u := streams.NewActivityStreamsUndo()
	return u, fill(u, id, f.Actor, []string{f.Object}, followObject(f))
}
