// Package inbox applies what arrives at Village's inboxes: each activity,
// already authenticated, is authorized, recorded once by its id, and applied
// in one transaction together with its side effects (an Accept, later a
// group's Announce), which the outbox queues.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Error is a refusal the sender should see: an HTTP status and why.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("inbox: %d: %s", e.Status, e.Reason) }

func refuse(status int, format string, args ...any) error {
	return &Error{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// Processor applies incoming activities.
type Processor struct {
	db       *pgxpool.Pool
	urls     federation.URLs
	resolver *federation.Resolver
	outbox   *outbox.Outbox
	auth     *federation.Authenticator
	logger   *slog.Logger
	// sanitize cleans remote HTML; sanitizeText makes remote text plain.
	sanitize     func(string) string
	sanitizeText func(string) string
	backlog      *backlog // what arrives while every synchronous apply is busy (backlog.go)
}

// New returns a processor. auth, when given, forgets what it cached about
// an actor that updates or deletes itself.
func New(db *pgxpool.Pool, u federation.URLs, resolver *federation.Resolver, out *outbox.Outbox, auth *federation.Authenticator, logger *slog.Logger) *Processor {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sanitizer := content.NewSanitizer()
	return &Processor{db: db, urls: u, resolver: resolver, outbox: out, auth: auth, logger: logger,
		sanitize: sanitizer.Sanitize, sanitizeText: content.PlainText, backlog: newBacklog(DefaultSyncApplies)}
}

// activity is an incoming activity and the actor that signed it.
type activity struct {
	federation.Object
	raw    []byte
	signer *models.Actor
}

// Process authorizes and applies one activity signed by signer. A replay of
// an id already recorded changes nothing. Refusals are *Error; any other
// error is ours, and the sender should retry.
func (p *Processor) Process(ctx context.Context, signer *models.Actor, body []byte) error {
	a, err := parseActivity(signer, body)
	if err != nil {
		return err
	}
	return p.processParsed(ctx, a)
}

// parseActivity reads body and checks what every activity must be: an id,
// a type and an actor, the actor its signer, the id on the actor's origin.
func parseActivity(signer *models.Actor, body []byte) (*activity, error) {
	obj, err := federation.ParseObject(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "body is not a JSON object: %v", err)
	}
	a := &activity{Object: obj, raw: body, signer: signer}
	id, typ, actor := a.ID(), a.Type(), a.Ref("actor")
	switch {
	case id == "":
		return nil, refuse(http.StatusBadRequest, "activity has no id")
	case typ == "":
		return nil, refuse(http.StatusBadRequest, "activity has no type")
	case actor == "":
		return nil, refuse(http.StatusBadRequest, "activity has no actor")
	case actor != signer.URI:
		return nil, refuse(http.StatusUnauthorized, "activity's actor %s is not the signer %s", actor, signer.URI)
	case !federation.SameOrigin(id, actor):
		return nil, refuse(http.StatusBadRequest, "activity id %s is not on the actor's origin", id)
	}
	if err := oneObject(a); err != nil {
		return nil, err
	}
	return a, nil
}

// processParsed applies a checked activity now: network work first, then
// one transaction that records its id and applies it.
func (p *Processor) processParsed(ctx context.Context, a *activity) error {
	id, typ, signer, body := a.ID(), a.Type(), a.signer, a.raw
	if changesState(typ) && fetchesFirst(typ) && !p.selfContainedPost(a) {
		// A replay needs no fetching: answer it before any network work.
		// Others are de-duplicated by the insert in the transaction alone,
		// which spares the hot path (likes, undos, posts that carry all
		// they need) a round trip.
		if seen, err := models.InboxActivitySeen(ctx, p.db, id); err != nil || seen {
			return err
		}
	}
	// Work that fetches from the network happens before the transaction.
	prepared, err := p.prepare(ctx, a)
	if err != nil {
		return err
	}
	if !changesState(typ) {
		// Nothing to apply yet: recording it is the whole transaction, and
		// one statement spares the inbox's hot path two round trips.
		_, err = models.RecordInboxActivity(ctx, p.db, id, typ, signer.ID, body)
	} else {
		err = models.InTx(ctx, p.db, func(tx pgx.Tx) error {
			fresh, err := models.RecordInboxActivity(ctx, tx, id, typ, signer.ID, body)
			if err != nil || !fresh {
				return err
			}
			return p.apply(ctx, tx, a, prepared)
		})
	}
	var refusal *Error
	if err != nil && !errors.As(err, &refusal) {
		return fmt.Errorf("inbox: %s %s: %w", typ, id, err)
	}
	if err == nil {
		p.applied(ctx, a)
	}
	return err
}

// applied is what follows an applied activity, whenever it was applied.
func (p *Processor) applied(ctx context.Context, a *activity) {
	p.logger.DebugContext(ctx, "inbox: applied", "type", a.Type(), "id", a.ID(), "actor", a.signer.URI)
	if (a.Type() == "Update" || a.Type() == "Delete") && p.auth != nil {
		p.auth.Forget(a.signer.URI) // its cached key and profile may be outdated now
	}
}

// prepared is what an activity needed from the network.
type prepared struct {
	actorUpdate *models.Actor    // Update of the signer's own actor document
	post        *incomingPost    // Create or Update of a post
	announced   *announced       // what an Announce carries
	remoteFlag  *remoteGroupNews // a Flag about a remote group moderated from here
}

func (p *Processor) prepare(ctx context.Context, a *activity) (*prepared, error) {
	switch a.Type() {
	case "Create":
		post, err := p.preparePost(ctx, a, "object")
		return &prepared{post: post}, err
	case "Announce":
		an, err := p.prepareAnnounce(ctx, a)
		return &prepared{announced: an}, err
	case "Follow":
		// How a group shares posts with a follower depends on its server's software.
		if ref, ok := p.urls.ParseLocalActor(a.Ref("object")); ok && ref.Group {
			if _, err := p.resolver.InstanceSoftware(ctx, a.signer.Domain); err != nil {
				return nil, err
			}
		}
		return &prepared{}, nil
	case "Flag":
		news, err := p.prepareRemoteGroupFlag(ctx, a)
		return &prepared{remoteFlag: news}, err
	case "Update":
	default:
		return &prepared{}, nil
	}
	obj := a.Embedded("object")
	if obj != nil && federation.IsPostType(obj.Type()) {
		post, err := p.preparePost(ctx, a, "object")
		return &prepared{post: post}, err
	}
	if obj == nil || !isActorType(obj.Type()) {
		return &prepared{}, nil
	}
	if obj.ID() != a.signer.URI {
		return nil, refuse(http.StatusForbidden, "an actor may update only itself")
	}
	updated, err := federation.ActorFromDocument(a.signer.URI, obj, p.sanitize)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", err)
	}
	if updated.PublicKeyPEM != a.signer.PublicKeyPEM || updated.PublicKeyID != a.signer.PublicKeyID {
		// No silent key change: a new key is believed only from the actor's
		// own origin, fetched now.
		p.logger.WarnContext(ctx, "inbox: Update carries a new key; asking the actor's origin", "actor", a.signer.URI)
		fetched, err := p.resolver.FetchActor(ctx, a.signer.URI)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "Update changes the actor's key and its origin cannot confirm it: %v", err)
		}
		if fetched.PublicKeyPEM != updated.PublicKeyPEM {
			return nil, refuse(http.StatusBadRequest, "Update changes the actor's key, and the actor's origin serves another key")
		}
		return &prepared{actorUpdate: fetched}, nil
	}
	return &prepared{actorUpdate: updated}, nil
}

func (p *Processor) apply(ctx context.Context, tx pgx.Tx, a *activity, pre *prepared) error {
	switch a.Type() {
	case "Follow":
		return p.follow(ctx, tx, a)
	case "Accept", "Reject", "TentativeAccept":
		// An answer to a member's Join of a help slot (help_copy.go), to a
		// meetup or to a Join (rsvp.go), else to a Follow.
		if handled, err := p.helpJoinAnswered(ctx, tx, a); handled || err != nil {
			return err
		}
		if handled, err := p.eventAnswer(ctx, tx, a); handled || err != nil {
			return err
		}
		return p.answerToFollow(ctx, tx, a, a.Type() == "Accept")
	case "Join":
		if handled, err := p.helpJoin(ctx, tx, a); handled || err != nil {
			return err // a claim of a help calendar's slot (help_join.go)
		}
		return p.joinMeetup(ctx, tx, a)
	case "Leave":
		if handled, err := p.helpLeave(ctx, tx, a); handled || err != nil {
			return err
		}
		return p.leaveMeetup(ctx, tx, a)
	case "Undo":
		if handled, err := p.undoAnswer(ctx, tx, a); handled || err != nil {
			return err
		}
		return p.undo(ctx, tx, a)
	case "Update":
		if pre.actorUpdate != nil {
			_, err := models.UpsertRemoteActor(ctx, tx, pre.actorUpdate)
			return err
		}
		if pre.post != nil {
			return p.updatePost(ctx, tx, a, pre.post)
		}
	case "Delete":
		return p.delete(ctx, tx, a)
	case "Create":
		// A vote in a meetup's RSVP poll is an answer, never a post (rsvp.go).
		if handled, err := p.rsvpVote(ctx, tx, a, pre.post); handled || err != nil {
			return err
		}
		// So is a vote in a help calendar's sign-up poll (help_vote.go): a claim.
		if handled, err := p.helpVote(ctx, tx, a, pre.post); handled || err != nil {
			return err
		}
		return p.create(ctx, tx, a, pre.post)
	case "Like", "EmojiReact":
		return p.like(ctx, tx, a)
	case "Announce":
		return p.announce(ctx, tx, a, pre.announced)
	case "Flag":
		if pre.remoteFlag != nil {
			return p.remoteGroupFlag(ctx, tx, a, pre.remoteFlag)
		}
		return p.flag(ctx, tx, a)
	case "Block":
		if a.Ref("target") != "" {
			return p.ban(ctx, tx, a) // a moderator bans someone from a group
		}
		return p.userBlock(ctx, tx, a)
	case "Lock":
		return p.lock(ctx, tx, a)
	case "Add", "Remove":
		return p.collectionChange(ctx, tx, a)
	}
	// Other activities are recorded, and applied by the work that needs them.
	return nil
}

// changesState reports whether apply does anything for an activity type;
// the others are only recorded, for the work that will use them.
func changesState(typ string) bool {
	switch typ {
	case "Follow", "Accept", "Reject", "Undo", "Update", "Delete", "Create", "Like", "EmojiReact", "Announce",
		"Flag", "Block", "Lock", "Add", "Remove", "Join", "Leave", "TentativeAccept":
		return true
	}
	return false
}

// fetchesFirst reports whether prepare may reach the network for an
// activity of type typ (to read a post, an actor, a server's software).
func fetchesFirst(typ string) bool {
	switch typ {
	case "Create", "Update", "Announce", "Follow", "Flag":
		return true
	}
	return false
}

// selfContainedPost reports whether a is a Create or Update of a post that
// prepare reads without the network: embedded, from the signer's origin,
// and answering nothing or a local post (a remote parent may be fetched).
func (p *Processor) selfContainedPost(a *activity) bool {
	if a.Type() != "Create" && a.Type() != "Update" {
		return false
	}
	obj := a.Embedded("object")
	if obj == nil || obj.ID() == "" || !federation.IsPostType(obj.Type()) || !federation.SameOrigin(obj.ID(), a.signer.URI) {
		return false
	}
	parent := obj.Ref("inReplyTo")
	return parent == "" || p.urls.IsLocal(parent)
}

func isActorType(t string) bool {
	switch t {
	case "Person", "Group", "Service", "Application", "Organization":
		return true
	}
	return false
}
