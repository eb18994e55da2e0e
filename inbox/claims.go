package inbox

import (
	"context"
	"fmt"
	"net/http"

	"github.com/village-social/village/federation"
)

// An object carried inside an activity is a claim, not a fact: a server
// speaks only for the objects of its own origin (scheme, host and port of
// the signer's actor id). An embedded object of another origin is read
// again from its own origin, or named by id only; nothing of the embedded
// copy is stored, shown or passed on. The rules, and where they hold:
//
//   - Create and Update use an embedded post only when its id is on the
//     signer's origin, and federation.PostFromObject refuses one whose
//     attributedTo is on another origin than its id (preparePost); any
//     other is fetched from its origin (fetchClaimed).
//   - Announce always reads what it shares from the origin
//     (prepareAnnounce), and a remote group's restored post as well.
//   - Like, EmojiReact, Delete, Block, Lock, Add, Remove, Flag and
//     Accept/Reject (whose Follow is looked up among ours) read only ids.
//   - Undo takes back only the signer's own activity (undoneBySigner).
//   - An activity that changes things names one object (oneObject).
//   - What a local group passes on is rebuilt from what we stored
//     (federation.Retold): a Like, Delete or undone Like names the post by
//     id, a Create or Update carries the stored, sanitized post.

// errServedOther is an origin that answered with something else than the
// object claimed.
type errServedOther struct{ id, claimed, served string }

func (e errServedOther) Error() string {
	return fmt.Sprintf("the origin of %s serves a %s, not the %s claimed", e.id, e.served, e.claimed)
}

// fetchClaimed reads an object named in an activity from its own origin.
// What the origin serves must be the object claimed: its id (checked by
// the resolver) and, when the activity embedded a copy with a type, that
// type; a post must also be attributed to an actor of its own origin,
// which federation.PostFromObject checks where posts are read.
func (p *Processor) fetchClaimed(ctx context.Context, id, claimedType string) (federation.Object, error) {
	obj, err := p.resolver.FetchObject(ctx, id)
	if err != nil {
		return nil, err
	}
	if claimedType != "" && obj.Type() != claimedType {
		return nil, errServedOther{id: id, claimed: claimedType, served: obj.Type()}
	}
	return obj, nil
}

// claimedType is the type an activity's embedded copy of an object says
// it has ("" when the object is given by id only).
func claimedType(o federation.Object, key string) string {
	if e := o.Embedded(key); e != nil {
		return e.Type()
	}
	return ""
}

// oneObject refuses an activity that changes things (all but a Flag, which
// names a person and her posts) when its object is a list of several:
// only the first would be read, and the rest would still travel in what a
// group passes on.
func oneObject(a *activity) error {
	if a.Type() == "Flag" || !changesState(a.Type()) {
		return nil
	}
	if list, ok := a.Object["object"].([]any); ok && len(list) > 1 {
		return refuse(http.StatusBadRequest, "a %s names one object, not %d", a.Type(), len(list))
	}
	return nil
}

// undoneBySigner refuses an Undo whose embedded activity is not the
// signer's own: by another actor, or with an id on another origin.
func undoneBySigner(a *activity, inner federation.Object) error {
	if inner == nil {
		return nil
	}
	if actor := inner.Ref("actor"); actor != "" && actor != a.signer.URI {
		return refuse(http.StatusForbidden, "%s may undo only its own activities, not one of %s", a.signer.URI, actor)
	}
	if id := inner.ID(); id != "" && !federation.SameOrigin(id, a.signer.URI) {
		return refuse(http.StatusForbidden, "the undone activity %s is not on the origin of %s", id, a.signer.URI)
	}
	return nil
}
