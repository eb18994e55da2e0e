package federation

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/village-social/village/models"
)

// Public is the Activity Streams public collection.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// NoteAddress is who a post is for.
type NoteAddress struct {
	To, Cc   []string
	Audience string // the group it was posted into
}

// NoteDocument is a local post as an Activity Streams Note (a Tombstone
// once deleted).
func NoteDocument(u URLs, p *models.Post, author *models.Actor, addr NoteAddress) (map[string]any, error) {
	if p.DeletedAt != nil {
		t := streams.NewActivityStreamsTombstone()
		id, err := idProperty(p.URI)
		if err != nil {
			return nil, err
		}
		t.SetJSONLDId(id)
		return Serialize(t, map[string]any{"deleted": p.DeletedAt.UTC().Format(time.RFC3339)})
	}
	n := streams.NewActivityStreamsNote()
	id, err := idProperty(p.URI)
	if err != nil {
		return nil, err
	}
	n.SetJSONLDId(id)
	authorURL, err := iri(u.Actor(author))
	if err != nil {
		return nil, err
	}
	at := streams.NewActivityStreamsAttributedToProperty()
	at.AppendIRI(authorURL)
	n.SetActivityStreamsAttributedTo(at)
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(p.Content)
	n.SetActivityStreamsContent(content)
	if p.Summary != "" {
		s := streams.NewActivityStreamsSummaryProperty()
		s.AppendXMLSchemaString(p.Summary)
		n.SetActivityStreamsSummary(s)
	}
	pub := streams.NewActivityStreamsPublishedProperty()
	pub.Set(p.PublishedAt.UTC().Truncate(time.Second))
	n.SetActivityStreamsPublished(pub)
	if p.EditedAt != nil {
		up := streams.NewActivityStreamsUpdatedProperty()
		up.Set(p.EditedAt.UTC().Truncate(time.Second))
		n.SetActivityStreamsUpdated(up)
	}
	if p.InReplyToURI != "" {
		r, err := iri(p.InReplyToURI)
		if err != nil {
			return nil, err
		}
		irt := streams.NewActivityStreamsInReplyToProperty()
		irt.AppendIRI(r)
		n.SetActivityStreamsInReplyTo(irt)
	}
	if p.URL != "" {
		pu, err := iri(p.URL)
		if err != nil {
			return nil, err
		}
		up := streams.NewActivityStreamsUrlProperty()
		up.AppendIRI(pu)
		n.SetActivityStreamsUrl(up)
	}
	if err := setAddress(n, addr.To, addr.Cc); err != nil {
		return nil, err
	}
	extra := map[string]any{"sensitive": p.Sensitive, "tag": tagsJSON(p.Tags), "attachment": attachmentsJSON(p.Attachments)}
	if addr.Audience != "" {
		extra["audience"] = addr.Audience
	}
	if p.Language != "" {
		extra["contentMap"] = map[string]string{p.Language: p.Content}
	}
	return Serialize(n, extra)
}

// attachmentsJSON is a post's pictures as Mastodon sends them: Documents
// with their type, address, alt text (name), blurhash, focal point and
// size. go-fed v1.0.0 has no blurhash or focalPoint, and no width on a
// Document, so they are written here.
func attachmentsJSON(attachments []models.Attachment) []any {
	out := make([]any, 0, len(attachments))
	for _, a := range attachments {
		typ := a.Type
		if typ == "" {
			typ = "Document"
		}
		m := map[string]any{"type": typ, "url": a.URL}
		if a.MediaType != "" {
			m["mediaType"] = a.MediaType
		}
		if a.Name != "" {
			m["name"] = a.Name
		}
		if a.Blurhash != "" {
			m["blurhash"] = a.Blurhash
		}
		if a.Focus != nil {
			m["focalPoint"] = []float64{a.Focus[0], a.Focus[1]}
		}
		if a.Width > 0 && a.Height > 0 {
			m["width"], m["height"] = a.Width, a.Height
		}
		if typ == "Link" {
			m["href"] = a.URL // Links name their address href
		}
		out = append(out, m)
	}
	return out
}

func tagsJSON(tags []models.Tag) []any {
	out := make([]any, 0, len(tags))
	for _, t := range tags {
		out = append(out, map[string]any{"type": t.Type, "href": t.Href, "name": t.Name})
	}
	return out
}

// addressed is what carries to and cc.
type addressed interface {
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
}

func setAddress(v addressed, to, cc []string) error {
	if len(to) > 0 {
		p := streams.NewActivityStreamsToProperty()
		for _, s := range to {
			u, err := iri(s)
			if err != nil {
				return err
			}
			p.AppendIRI(u)
		}
		v.SetActivityStreamsTo(p)
	}
	if len(cc) > 0 {
		p := streams.NewActivityStreamsCcProperty()
		for _, s := range cc {
			u, err := iri(s)
			if err != nil {
				return err
			}
			p.AppendIRI(u)
		}
		v.SetActivityStreamsCc(p)
	}
	return nil
}

// Wrap builds an activity of the given type (Create, Update, Delete,
// Announce, Like, Undo) by actor whose object is an IRI (string) or an
// embedded document (a map, sent as given without its @context).
func Wrap(typ, id, actor string, addr NoteAddress, object any) (map[string]any, error) {
	var a interface {
		activityBase
		addressed
	}
	switch typ {
	case "Create":
		a = streams.NewActivityStreamsCreate()
	case "Update":
		a = streams.NewActivityStreamsUpdate()
	case "Delete":
		a = streams.NewActivityStreamsDelete()
	case "Announce":
		a = streams.NewActivityStreamsAnnounce()
	case "Like":
		a = streams.NewActivityStreamsLike()
	case "Undo":
		a = streams.NewActivityStreamsUndo()
	default:
		return nil, fmt.Errorf("federation: cannot wrap in %q", typ)
	}
	placeholder := id // replaced below by the real object
	if err := fill(a, id, actor, nil, objectIRI(placeholder)); err != nil {
		return nil, err
	}
	if err := setAddress(a, addr.To, addr.Cc); err != nil {
		return nil, err
	}
	extra := map[string]any{}
	if addr.Audience != "" {
		extra["audience"] = addr.Audience
	}
	if typ == "Announce" {
		// Mastodon reads a boost's time from it, and logs one without it as malformed.
		extra["published"] = time.Now().UTC().Format(time.RFC3339)
	}
	m, err := Serialize(a, extra)
	if err != nil {
		return nil, err
	}
	switch o := object.(type) {
	case string:
		m["object"] = o
	case map[string]any:
		inner := make(map[string]any, len(o))
		for k, v := range o {
			if k != "@context" {
				inner[k] = v
			}
		}
		m["object"] = inner
		m["@context"] = withContextOf(m["@context"], o["@context"])
	default:
		return nil, fmt.Errorf("federation: object of %T", object)
	}
	return m, nil
}

// withContextOf adds to an activity's @context the entries of its
// embedded object's that it lacks: the object goes without its own, so
// the terms it uses (an Event's Mobilizon and iCalendar ones) must be the
// activity's, or a JSON-LD reader (Fedify) drops them. Embedded documents
// are ours (a received activity is retold rebuilt, without its @context).
func withContextOf(outer, inner any) any {
	out, ok := outer.([]any)
	if !ok || inner == nil {
		return outer
	}
	entries, ok := inner.([]any)
	if !ok {
		entries = []any{inner}
	}
	for _, e := range entries {
		if !slices.ContainsFunc(out, func(o any) bool { return reflect.DeepEqual(o, e) }) {
			out = append(out, e)
		}
	}
	return out
}

// IsPublic reports whether an address list contains the public collection
// (in any of the forms servers send it).
func IsPublic(refs []string) bool {
	for _, r := range refs {
		if r == Public || r == "as:Public" || r == "Public" || strings.EqualFold(r, Public) {
			return true
		}
	}
	return false
}
