package federation

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/models"
)

// ErrInvalidActor means a fetched actor document cannot be used.
var ErrInvalidActor = errors.New("federation: invalid actor document")

// actorTypes are the actor types Village follows, stores and delivers to.
var actorTypes = map[string]bool{"Person": true, "Group": true, "Service": true, "Application": true, "Organization": true}

// ActorFromDocument checks a remote actor document fetched from url and
// turns it into a model. Everything it names for us to use (inbox, key)
// must come from the actor's own origin.
func ActorFromDocument(fetchedURL string, doc Object, sanitize func(string) string) (*models.Actor, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidActor, fetchedURL, fmt.Sprintf(format, args...))
	}
	id := doc.ID()
	if id == "" || id != fetchedURL {
		return nil, bad("id %q is not the URL it was fetched from", id)
	}
	if !actorTypes[doc.Type()] {
		return nil, bad("type %q is not an actor", doc.Type())
	}
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, bad("id is not an http(s) URL")
	}
	username := doc.String("preferredUsername")
	if username == "" || len(username) > 200 || strings.ContainsAny(username, "@/ \t\n") {
		return nil, bad("preferredUsername %q is missing or invalid", username)
	}
	inbox := doc.Ref("inbox")
	if !SameOrigin(inbox, id) {
		return nil, bad("inbox %q is not on the actor's origin", inbox)
	}
	key := doc.Embedded("publicKey")
	if key == nil {
		return nil, bad("no publicKey")
	}
	if owner := key.Ref("owner"); owner != id {
		return nil, bad("publicKey.owner %q is not the actor", owner)
	}
	keyID := key.ID()
	if !SameOrigin(keyID, id) {
		return nil, bad("publicKey.id %q is not on the actor's origin", keyID)
	}
	pem := key.String("publicKeyPem")
	if _, err := signature.ParsePublicKeyPEM(pem); err != nil {
		return nil, bad("publicKeyPem: %v", err)
	}
	a := &models.Actor{
		Type:                      doc.Type(),
		Username:                  username,
		Domain:                    strings.ToLower(u.Host),
		URI:                       id,
		URL:                       httpURL(doc.Ref("url")),
		DisplayName:               truncate(doc.String("name"), 200),
		Summary:                   sanitize(truncate(doc.String("summary"), 10000)),
		InboxURL:                  inbox,
		OutboxURL:                 sameOriginOrEmpty(doc.Ref("outbox"), id),
		FollowersURL:              sameOriginOrEmpty(doc.Ref("followers"), id),
		FollowingURL:              sameOriginOrEmpty(doc.Ref("following"), id),
		FeaturedURL:               sameOriginOrEmpty(doc.Ref("featured"), id),
		IconURL:                   httpURL(imageURL(doc, "icon")),
		HeaderURL:                 httpURL(imageURL(doc, "image")),
		Fields:                    fieldsOf(doc, sanitize),
		Bot:                       doc.Type() == "Service" || doc.Type() == "Application",
		PublicKeyID:               keyID,
		PublicKeyPEM:              pem,
		ManuallyApprovesFollowers: doc.Bool("manuallyApprovesFollowers"),
		Discoverable:              true,
		Indexable:                 doc.Bool("indexable"), // absent means no, as Mastodon reads it
	}
	if d, ok := doc["discoverable"].(bool); ok {
		a.Discoverable = d
	}
	// A shared inbox elsewhere would let one server make us deliver to another.
	if endpoints := doc.Embedded("endpoints"); endpoints != nil {
		a.SharedInboxURL = sameOriginOrEmpty(endpoints.Ref("sharedInbox"), id)
	}
	return a, nil
}

// imageURL reads an actor's icon or image: an Image with a url, or the
// url alone.
func imageURL(doc Object, key string) string {
	img := doc.Embedded(key)
	if img == nil {
		return doc.Ref(key)
	}
	return img.Ref("url")
}

// fieldsOf reads an actor's profile fields, Mastodon's PropertyValue
// attachments: the name as plain text, the value as sanitized HTML, at
// most models.MaxProfileFields (Mastodon shows four), each cut to size.
func fieldsOf(doc Object, sanitize func(string) string) []models.ProfileField {
	var out []models.ProfileField
	for _, o := range objects(doc["attachment"]) {
		if o.Type() != "PropertyValue" || len(out) == models.MaxProfileFields {
			continue
		}
		name := content.CutRunes(content.PlainText(o.String("name")), models.MaxProfileFieldRunes)
		value := sanitize(truncate(o.String("value"), 4*models.MaxProfileFieldRunes))
		if name != "" || value != "" {
			out = append(out, models.ProfileField{Name: name, Value: value})
		}
	}
	return out
}

func sameOriginOrEmpty(u, origin string) string {
	if SameOrigin(u, origin) {
		return u
	}
	return ""
}

func httpURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
