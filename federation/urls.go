// Package federation is Village's wire: Activity Streams documents, HTTP
// Signatures, fetching remote actors and objects, and delivery.
package federation

import (
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/village-social/village/models"
)

// URLs builds and recognises this instance's ActivityPub URLs. Local actors'
// URIs are not stored: they follow from the base URL, so they are made here
// and nowhere else.
type URLs struct {
	Base string // e.g. https://village.example, no trailing slash
}

// NewURLs returns the URL scheme of an instance served at base.
func NewURLs(base string) URLs { return URLs{Base: strings.TrimRight(base, "/")} }

// Host is the instance's host[:port], the domain part of its handles.
func (u URLs) Host() string {
	p, err := url.Parse(u.Base)
	if err != nil {
		return ""
	}
	return p.Host
}

// InstanceActorUsername is the preferredUsername the instance actor shows:
// its host without a port, as Mastodon names its own.
func (u URLs) InstanceActorUsername() string {
	p, err := url.Parse(u.Base)
	if err != nil {
		return ""
	}
	return p.Hostname()
}

// ReportsActorUsername is the preferredUsername of the reports actor, the
// Service that files our reports on Lemmy servers.
const ReportsActorUsername = "reports"

// reportsActorPath is where the reports actor lives: outside /users and
// /groups, so no person's or group's name can reach it.
const reportsActorPath = "/actors/" + ReportsActorUsername

// Actor is the id of any actor: a remote one's stored URI, or a local one's
// URL under /users, /groups, /actor for the instance actor, or
// /actors/reports for the reports actor.
func (u URLs) Actor(a *models.Actor) string {
	if !a.IsLocal() {
		return a.URI
	}
	switch a.Type {
	case models.ActorGroup:
		return u.Base + "/groups/" + a.Username
	case models.ActorApplication:
		return u.Base + "/actor"
	case models.ActorService:
		return u.Base + reportsActorPath
	default:
		return u.Base + "/users/" + a.Username
	}
}

// Handle is an actor's fediverse address, @name@host, as WebFinger answers
// for it: the instance actor goes by its host's name, and the reports
// actor, which WebFinger does not name, has none ("").
func (u URLs) Handle(a *models.Actor) string {
	switch {
	case !a.IsLocal():
		return "@" + a.Username + "@" + a.Domain
	case a.Type == models.ActorApplication:
		return "@" + u.InstanceActorUsername() + "@" + u.Host()
	case a.Type == models.ActorService:
		return ""
	default:
		return "@" + a.Username + "@" + u.Host()
	}
}

// KeyID names an actor's public key.
func (u URLs) KeyID(a *models.Actor) string { return u.Actor(a) + "#main-key" }

// Inbox is where an actor receives activities.
func (u URLs) Inbox(a *models.Actor) string {
	if !a.IsLocal() {
		return a.InboxURL
	}
	return u.Actor(a) + "/inbox"
}

// DeliveryInbox is where to send to an actor: its host's shared inbox if
// any, else its own.
func (u URLs) DeliveryInbox(a *models.Actor) string {
	if !a.IsLocal() && a.SharedInboxURL != "" {
		return a.SharedInboxURL
	}
	return u.Inbox(a)
}

// Outbox, Followers, Following, Featured and Moderators are a local actor's collections.
func (u URLs) Outbox(a *models.Actor) string     { return u.Actor(a) + "/outbox" }
func (u URLs) Followers(a *models.Actor) string  { return u.Actor(a) + "/followers" }
func (u URLs) Following(a *models.Actor) string  { return u.Actor(a) + "/following" }
func (u URLs) Featured(a *models.Actor) string   { return u.Actor(a) + "/featured" }
func (u URLs) Moderators(a *models.Actor) string { return u.Actor(a) + "/moderators" }

// FeaturedTags is a person's collection of the hashtags her profile shows
// (Mastodon's featuredTags).
func (u URLs) FeaturedTags(a *models.Actor) string { return u.Actor(a) + "/tags" }

// SharedInbox receives activities for every local actor.
func (u URLs) SharedInbox() string { return u.Base + "/inbox" }

// Profile is the HTML page of a local actor.
func (u URLs) Profile(a *models.Actor) string {
	switch a.Type {
	case models.ActorGroup:
		return u.Base + "/groups/" + a.Username
	case models.ActorService:
		return u.Actor(a) // no profile: its own URL
	}
	return u.Base + "/@" + a.Username
}

// NewActivityID mints the id of a new outgoing activity.
func (u URLs) NewActivityID() string { return u.Base + "/activities/" + uuid.NewString() }

// LocalActorRef is what a local actor URL names.
type LocalActorRef struct {
	Instance bool   // the instance actor
	Reports  bool   // the reports actor
	Group    bool   // under /groups/
	Username string // empty for the instance and the reports actor
}

// ParseLocalActor recognises the id of a local actor (without fragment).
func (u URLs) ParseLocalActor(id string) (LocalActorRef, bool) {
	id, _, _ = strings.Cut(id, "#")
	rest, ok := strings.CutPrefix(id, u.Base+"/")
	if !ok {
		return LocalActorRef{}, false
	}
	switch "/" + rest {
	case "/actor":
		return LocalActorRef{Instance: true}, true
	case reportsActorPath:
		// Found by the resolver only (for its key); every lookup of a person
		// or a group by name finds nothing here.
		return LocalActorRef{Reports: true}, true
	}
	kind, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return LocalActorRef{}, false
	}
	switch kind {
	case "users":
		return LocalActorRef{Username: name}, true
	case "groups":
		return LocalActorRef{Group: true, Username: name}, true
	}
	return LocalActorRef{}, false
}

// IsLocal reports whether a URI belongs to this instance.
func (u URLs) IsLocal(uri string) bool { return uri == u.Base || strings.HasPrefix(uri, u.Base+"/") }

// MediaPath is where stored media files are served: MediaPath + a store
// key ("photos/<hex>.jpg").
const MediaPath = "/media/"

// MediaFile is the address of a stored media file.
func (u URLs) MediaFile(key string) string { return u.Base + MediaPath + key }

// MediaKey is the store key of one of our media file addresses, if it is one.
func (u URLs) MediaKey(address string) (string, bool) {
	return strings.CutPrefix(address, u.Base+MediaPath)
}

// LocalAttachment is what a post keeps of a local upload (the file and
// preview addresses, its size and description), as pages, the client API
// and Notes show it.
func (u URLs) LocalAttachment(m *models.Media) models.Attachment {
	a := models.Attachment{URL: u.MediaFile(m.FileKey), MediaType: m.ContentType, Name: m.Description, Type: "Document",
		Blurhash: m.Blurhash, Width: m.Width, Height: m.Height, MediaID: m.ID, PreviewURL: u.MediaFile(m.PreviewKey),
		PreviewWidth: m.PreviewWidth, PreviewHeight: m.PreviewHeight}
	if m.FocusX != 0 || m.FocusY != 0 {
		a.Focus = &[2]float64{m.FocusX, m.FocusY}
	}
	return a
}
