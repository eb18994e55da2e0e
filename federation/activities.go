package federation

import (
	"fmt"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
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

// retoldPostTypes are the post types a retold post keeps; a Question is
// retold as a Note, since its options are not stored.
var retoldPostTypes = map[string]bool{"Note": true, "Page": true, "Article": true}

// PostDocument is a stored post (local or remote) as an Activity Streams
// object, built only from what Village stored: its sanitized content, its
// title, its attachments, and its links that are http(s) URLs.
func PostDocument(u URLs, p *models.Post, author *models.Actor, addr NoteAddress) (map[string]any, error) {
	clean := *p
	clean.URL, clean.InReplyToURI = httpURL(p.URL), httpURL(p.InReplyToURI)
	clean.Tags = nil
	for _, t := range p.Tags {
		if httpURL(t.Href) != "" {
			clean.Tags = append(clean.Tags, t)
		}
	}
	clean.Attachments = nil
	for _, a := range p.Attachments {
		if httpURL(a.URL) == "" {
			continue
		}
		if a.Type != "Image" && a.Type != "Video" && a.Type != "Audio" && a.Type != "Link" {
			a.Type = "Document"
		}
		clean.Attachments = append(clean.Attachments, a)
	}
	doc, err := NoteDocument(u, &clean, author, addr)
	if err != nil || p.DeletedAt != nil {
		return doc, err
	}
	if retoldPostTypes[p.Type] {
		doc["type"] = p.Type
	}
	if p.Name != "" {
		doc["name"] = p.Name
	}
	return doc, nil
}

// Retold is a member's activity as a local group passes it on (FEP-1b12),
// rebuilt from what Village stored rather than from the bytes received:
// the received activity gives only its id, type, addressing (ids, kept
// when they are http(s) URLs or Public) and publication time; the post it
// is about is written from the stored, sanitized post. actor is the
// activity's signer; for Create and Update also the post's author.
// Received Likes and EmojiReacts are retold as Like.
func Retold(u URLs, received Object, actor *models.Actor, post *models.Post) (map[string]any, error) {
	actorURI := u.Actor(actor)
	// A post kept with a members-only group's members is public no more.
	public := post.Visibility == models.VisibilityPublicPost || post.Visibility == models.VisibilityUnlisted
	doc := map[string]any{"id": received.ID(), "actor": actorURI}
	if to := addressIRIs(received.Refs("to"), public); len(to) > 0 {
		doc["to"] = to
	}
	if cc := addressIRIs(received.Refs("cc"), public); len(cc) > 0 {
		doc["cc"] = cc
	}
	if t, err := time.Parse(time.RFC3339, received.String("published")); err == nil {
		doc["published"] = t.UTC().Format(time.RFC3339)
	}
	switch typ := received.Type(); typ {
	case "Create", "Update":
		doc["type"] = typ
		inner := received.Embedded("object")
		if inner == nil {
			inner = received // fetched from its origin: addressed as the activity
		}
		addr := NoteAddress{To: addressIRIs(inner.Refs("to"), public), Cc: addressIRIs(inner.Refs("cc"), public)}
		if aud := httpURL(inner.Ref("audience")); aud != "" {
			addr.Audience = aud
		}
		note, err := PostDocument(u, post, actor, addr)
		if err != nil {
			return nil, err
		}
		delete(note, "@context")
		doc["object"] = note
	case "Delete":
		doc["type"], doc["object"] = typ, post.URI
	case "Like", "EmojiReact":
		doc["type"], doc["object"] = "Like", post.URI
	case "Undo":
		innerID := received.Ref("object")
		if innerID == "" {
			return nil, fmt.Errorf("federation: retell Undo %s: it undoes nothing", received.ID())
		}
		doc["type"] = typ
		doc["object"] = map[string]any{"id": innerID, "type": "Like", "actor": actorURI, "object": post.URI}
	default:
		return nil, fmt.Errorf("federation: cannot retell %q", typ)
	}
	return doc, nil
}

// addressIRIs keeps the addressees that are http(s) URLs, and Public
// when public is true.
func addressIRIs(refs []string, public bool) []string {
	var out []string
	for _, r := range refs {
		switch {
		case IsPublic([]string{r}):
			if public {
				out = append(out, Public)
			}
		case httpURL(r) != "":
			out = append(out, r)
		}
	}
	return out
}

// Forwardable reports whether a remote author's activity may be forwarded
// as received (inbox forwarding) to servers that verify the author's
// Linked Data signature inside it, as Mastodon does: it carries one
// (RsaSignature2017), and every piece of markup in the object it embeds is
// harmless (content.Harmless), so that nothing our sanitizer would remove
// travels from Village.
func Forwardable(received Object) bool {
	sig := received.Embedded("signature")
	if sig == nil || sig.Type() != "RsaSignature2017" || sig.String("signatureValue") == "" {
		return false
	}
	obj := received.Embedded("object")
	if obj == nil {
		return false
	}
	for _, key := range []string{"content", "summary", "name"} {
		if v, ok := obj[key]; ok {
			s, isString := v.(string)
			if !isString || !content.Harmless(s) {
				return false
			}
		}
		if v, ok := obj[key+"Map"]; ok {
			m, isMap := v.(map[string]any)
			if !isMap {
				return false
			}
			for _, x := range m {
				s, isString := x.(string)
				if !isString || !content.Harmless(s) {
					return false
				}
			}
		}
	}
	return true
}

// RetoldModeration is a remote moderator's activity (Block, Lock, Delete,
// Add, Remove, Update, or the Undo of one) as the group announces it:
// rebuilt from the fields that moderation uses, each checked (ids that are
// http(s) URLs, a time, a boolean), with reason, the summary Village stored
// as plain text, in place of the one received. Nothing else the moderator
// sent travels on; an embedded object other than an undone activity goes
// by its id.
func RetoldModeration(received Object, reason string) map[string]any {
	return retoldModeration(received, reason, true)
}

func retoldModeration(received Object, reason string, outer bool) map[string]any {
	doc := map[string]any{"id": received.ID(), "type": received.Type(), "actor": received.Ref("actor")}
	if to := addressIRIs(received.Refs("to"), true); len(to) > 0 {
		doc["to"] = to
	}
	if cc := addressIRIs(received.Refs("cc"), true); len(cc) > 0 {
		doc["cc"] = cc
	}
	if aud := httpURL(received.Ref("audience")); aud != "" {
		doc["audience"] = aud
	}
	if target := httpURL(received.Ref("target")); target != "" {
		doc["target"] = target
	}
	if _, ok := received["summary"]; ok {
		doc["summary"] = reason
	}
	for _, key := range []string{"published", "endTime", "expires"} {
		if t, err := time.Parse(time.RFC3339, received.String(key)); err == nil {
			doc[key] = t.UTC().Format(time.RFC3339)
		}
	}
	if b, ok := received["removeData"].(bool); ok {
		doc["removeData"] = b
	}
	if inner := received.Embedded("object"); inner != nil && outer && received.Type() == "Undo" {
		doc["object"] = retoldModeration(inner, content.CutRunes(content.PlainText(inner.String("summary")), 1000), false)
	} else if ref := httpURL(received.Ref("object")); ref != "" {
		doc["object"] = ref
	}
	return doc
}
