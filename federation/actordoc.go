package federation

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// ActorExtras are what an actor document shows beyond the actor and group
// rows. The zero value is a sensible default.
type ActorExtras struct {
	// Indexable lets Mastodon put the actor's public posts in full-text
	// search. Off unless asked for: parents did not sign up to be searchable.
	Indexable bool
}

// actorType is what Person, Group and Application share that an actor
// document sets.
type actorType interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetActivityStreamsImage(vocab.ActivityStreamsImageProperty)
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
	SetTootFeatured(vocab.TootFeaturedProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
}

// ActorDocument is the ActivityStreams document of a local actor: a Person,
// a Group (g must be its group), the instance actor (an Application) or the
// reports actor (a Service, which Lemmy takes as a person). It
// has what Mastodon, Lemmy and GoToSocial read (see INTEROP.md, "Actor
// documents").
func ActorDocument(u URLs, a *models.Actor, g *models.Group, extra ActorExtras) (map[string]any, error) {
	if !a.IsLocal() {
		return nil, fmt.Errorf("federation: actor document of remote actor %s", a.URI)
	}
	var t actorType
	switch a.Type {
	case models.ActorPerson:
		t = streams.NewActivityStreamsPerson()
		if a.Bot {
			t = streams.NewActivityStreamsService() // how Mastodon marks an automated account
		}
	case models.ActorGroup:
		if g == nil {
			return nil, errors.New("federation: actor document of a group needs the group")
		}
		t = streams.NewActivityStreamsGroup()
	case models.ActorApplication:
		t = streams.NewActivityStreamsApplication()
	case models.ActorService:
		t = streams.NewActivityStreamsService()
	default:
		return nil, fmt.Errorf("federation: no actor document for type %q", a.Type)
	}

	id := u.Actor(a)
	idp, err := idProperty(id)
	if err != nil {
		return nil, err
	}
	t.SetJSONLDId(idp)

	username, name, summary := actorNames(u, a, g)
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(username)
	t.SetActivityStreamsPreferredUsername(pu)
	np := streams.NewActivityStreamsNameProperty()
	np.AppendXMLSchemaString(name)
	t.SetActivityStreamsName(np)
	if summary != "" {
		sp := streams.NewActivityStreamsSummaryProperty()
		sp.AppendXMLSchemaString(PlainTextHTML(summary))
		t.SetActivityStreamsSummary(sp)
	}

	links, err := iris(u.Inbox(a), u.Outbox(a), u.Followers(a), u.Following(a), u.Profile(a))
	if err != nil {
		return nil, err
	}
	inbox := streams.NewActivityStreamsInboxProperty()
	inbox.SetIRI(links[0])
	t.SetActivityStreamsInbox(inbox)
	outbox := streams.NewActivityStreamsOutboxProperty()
	outbox.SetIRI(links[1])
	t.SetActivityStreamsOutbox(outbox)
	// The reports actor has no followers, follows nobody and has no
	// profile page: it only files reports.
	reports := a.Type == models.ActorService
	if !reports {
		followers := streams.NewActivityStreamsFollowersProperty()
		followers.SetIRI(links[2])
		t.SetActivityStreamsFollowers(followers)
		following := streams.NewActivityStreamsFollowingProperty()
		following.SetIRI(links[3])
		t.SetActivityStreamsFollowing(following)
		profile := streams.NewActivityStreamsUrlProperty()
		profile.AppendIRI(links[4])
		t.SetActivityStreamsUrl(profile)
	}

	pub := streams.NewActivityStreamsPublishedProperty()
	pub.Set(a.CreatedAt.UTC())
	t.SetActivityStreamsPublished(pub)

	key, err := publicKey(u, a)
	if err != nil {
		return nil, err
	}
	t.SetW3IDSecurityV1PublicKey(key)

	if a.IconURL != "" {
		img, err := imageObject(a.IconURL)
		if err != nil {
			return nil, err
		}
		p := streams.NewActivityStreamsIconProperty()
		p.AppendActivityStreamsImage(img)
		t.SetActivityStreamsIcon(p)
	}
	if a.HeaderURL != "" {
		img, err := imageObject(a.HeaderURL)
		if err != nil {
			return nil, err
		}
		p := streams.NewActivityStreamsImageProperty()
		p.AppendActivityStreamsImage(img)
		t.SetActivityStreamsImage(p)
	}

	// Nobody should come across the instance or the reports actor in a directory.
	discoverable := a.Discoverable && !a.IsSystemActor()
	dp := streams.NewTootDiscoverableProperty()
	dp.Set(discoverable)
	t.SetTootDiscoverable(dp)

	// go-fed v1.0.0 has no properties for these; the AS context (endpoints)
	// and the terms of Context (the rest) define them.
	terms := map[string]any{
		"endpoints":                 map[string]any{"sharedInbox": u.SharedInbox()},
		"manuallyApprovesFollowers": a.ManuallyApprovesFollowers,
		"indexable":                 extra.Indexable && !a.IsSystemActor(),
	}
	if a.Type == models.ActorPerson {
		terms["attachment"] = propertyValues(a.Fields)
	}
	if reports {
		// Without a shared inbox, what a server sends the reports actor (say,
		// Lemmy's news that a report was resolved) reaches its own inbox,
		// which takes and ignores it.
		delete(terms, "endpoints")
		terms["manuallyApprovesFollowers"] = true
	}

	if a.Type == models.ActorGroup || a.Type == models.ActorPerson {
		// A person's pins, and a group's, as Mastodon reads them.
		featured, err := iri(u.Featured(a))
		if err != nil {
			return nil, err
		}
		fp := streams.NewTootFeaturedProperty()
		fp.SetIRI(featured)
		t.SetTootFeatured(fp)
	}
	if a.Type == models.ActorPerson {
		// The hashtags she shows on her profile, as Mastodon reads them.
		terms["featuredTags"] = u.FeaturedTags(a)
	}
	if a.Type == models.ActorGroup {
		// Lemmy reads the moderators from the collection attributedTo names;
		// older Lemmy versions read "moderators".
		mods, err := iri(u.Moderators(a))
		if err != nil {
			return nil, err
		}
		ap := streams.NewActivityStreamsAttributedToProperty()
		ap.AppendIRI(mods)
		t.SetActivityStreamsAttributedTo(ap)
		terms["moderators"] = u.Moderators(a)
		terms["postingRestrictedToMods"] = g.PostingRestrictedToMods
		// Joining a members-only group always waits for a moderator.
		terms["manuallyApprovesFollowers"] = a.ManuallyApprovesFollowers || g.MembersOnly()
	}

	return Serialize(t, terms)
}

// iris parses URLs we built, in order.
func iris(ss ...string) ([]*url.URL, error) {
	out := make([]*url.URL, len(ss))
	for i, s := range ss {
		u, err := iri(s)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

// actorNames returns what the document shows as preferredUsername, name and
// (plain text) summary.
func actorNames(u URLs, a *models.Actor, g *models.Group) (username, name, summary string) {
	switch a.Type {
	case models.ActorApplication:
		// Mastodon names its instance actor after the host; the stored
		// username is only our key for the row.
		username = u.InstanceActorUsername()
		name = a.DisplayName
		if name == "" {
			name = username
		}
		return username, name, a.Summary
	case models.ActorService:
		host := u.InstanceActorUsername()
		return ReportsActorUsername, "Reports from " + host,
			"Files reports from members of " + host + " with the moderators of other servers. " +
				"It speaks for the whole server, so nobody learns who sent a report."
	case models.ActorGroup:
		return a.Username, g.Title, g.Summary
	default:
		name = a.DisplayName
		if name == "" {
			name = a.Username
		}
		return a.Username, name, a.Summary
	}
}

// publicKey is the actor's key as Mastodon publishes it: id, owner and PEM.
func publicKey(u URLs, a *models.Actor) (vocab.W3IDSecurityV1PublicKeyProperty, error) {
	if a.PublicKeyPEM == "" {
		return nil, fmt.Errorf("federation: actor %s has no public key", a.Username)
	}
	key := streams.NewW3IDSecurityV1PublicKey()
	idp, err := idProperty(u.KeyID(a))
	if err != nil {
		return nil, err
	}
	key.SetJSONLDId(idp)
	owner, err := iri(u.Actor(a))
	if err != nil {
		return nil, err
	}
	op := streams.NewW3IDSecurityV1OwnerProperty()
	op.SetIRI(owner)
	key.SetW3IDSecurityV1Owner(op)
	pem := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pem.Set(a.PublicKeyPEM)
	key.SetW3IDSecurityV1PublicKeyPem(pem)
	p := streams.NewW3IDSecurityV1PublicKeyProperty()
	p.AppendW3IDSecurityV1PublicKey(key)
	return p, nil
}

// propertyValues are a local person's profile fields as Mastodon sends
// them: PropertyValues whose value is HTML, links made.
func propertyValues(fields []models.ProfileField) []any {
	out := make([]any, 0, len(fields))
	for _, f := range fields {
		out = append(out, map[string]any{"type": "PropertyValue", "name": f.Name, "value": content.FieldHTML(f.Value)})
	}
	return out
}

// imageObject is an Image with a url, the shape Mastodon and Lemmy read for
// icon and image.
func imageObject(s string) (vocab.ActivityStreamsImage, error) {
	u, err := iri(s)
	if err != nil {
		return nil, err
	}
	img := streams.NewActivityStreamsImage()
	p := streams.NewActivityStreamsUrlProperty()
	p.AppendIRI(u)
	img.SetActivityStreamsUrl(p)
	return img, nil
}

// PlainTextHTML turns plain text into the HTML other servers expect in
// summary and content: escaped, paragraphs at blank lines, <br> at single
// line breaks.
func PlainTextHTML(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
