package inbox_test

import (
	"strings"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// Answers to meetups in the shapes other servers send them, read from
// their source (the facts, not their code).

// Server shapes of the software that answers meetups.
var (
	// Mobilizon's people live at /@name and share an inbox.
	mobilizonShape = testenv.ServerShape{Software: "mobilizon", PeoplePath: "/@", SharedInbox: true}
	// Friendica's people live at /profile/name.
	friendicaShape = testenv.ServerShape{Software: "friendica", PeoplePath: "/profile/", SharedInbox: true}
	// Gathio's actors are its events; its people are elsewhere, so here
	// it stands for a server whose accounts answer with Accept{Event}.
	gathioShape = testenv.ServerShape{Software: "gathio", PeoplePath: "/", SharedInbox: true}
)

// mobilizonJoin is Mobilizon's Join of an event: type, id (the
// participation's URL), actor and object as
// lib/federation/activity_stream/converter/participant.ex writes them,
// and the message to the organizer, participationMessage, that
// lib/federation/activity_pub/types/events.ex (join/4) keeps as the
// participant's metadata.message; addressed to the organizer
// (lib/federation/activity_pub/audience.ex, calculate_to_and_cc_from_mentions).
func (e *env) mobilizonJoin(who *models.Actor, eventURI, organizerURI, message string) map[string]any {
	return map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://litepub.social/litepub/context.jsonld",
			map[string]any{"mz": "https://joinmobilizon.org/ns#", "participationMessage": map[string]any{"@id": "mz:participationMessage", "@type": "sc:Text"}}},
		"id":                   e.RemoteID(who, "join/event"),
		"type":                 "Join",
		"actor":                who.URI,
		"object":               eventURI,
		"participationMessage": message,
		"to":                   []any{organizerURI},
		"cc":                   []any{},
	}
}

// mobilizonLeave is Mobilizon's Leave of an event (lib/federation/
// activity_pub/activity_pub.ex, leave/4: type Leave, the event's URL as
// object, the leaving actor, an id under /leave/event/).
func (e *env) mobilizonLeave(who *models.Actor, eventURI, organizerURI string) map[string]any {
	return map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://litepub.social/litepub/context.jsonld"},
		"id":       e.RemoteID(who, "leave/event"),
		"type":     "Leave",
		"actor":    who.URI,
		"object":   eventURI,
		"to":       []any{organizerURI},
		"cc":       []any{},
	}
}

// friendicaAnswer is Friendica's answer to an event: src/Protocol/
// ActivityPub/Transmitter.php (getTypeOfItem) sends attendance as Accept
// (attend yes), TentativeAccept (attend maybe) or Reject (attend no),
// with the event's id as object and the event's author in to.
func (e *env) friendicaAnswer(who *models.Actor, typ, eventURI, organizerURI string) map[string]any {
	return map[string]any{
		"@context":  []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":        e.RemoteID(who, "activity"),
		"type":      typ,
		"actor":     who.URI,
		"object":    eventURI,
		"published": time.Now().UTC().Format(time.RFC3339),
		"to":        []any{organizerURI},
		"cc":        []any{who.FollowersURL},
	}
}

// gathioAccept is the Accept{Event} Gathio takes as a "yes" (its
// FEDERATION.md, "The Accept/Event method"), the event embedded by id.
func (e *env) gathioAccept(who *models.Actor, eventURI string) map[string]any {
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       e.RemoteID(who, "accept"),
		"type":     "Accept",
		"actor":    who.URI,
		"object":   map[string]any{"id": eventURI, "type": "Event"},
	}
}

// mastodonVote is a Mastodon poll vote (app/services/vote_service.rb and
// app/serializers/activitypub/vote_serializer.rb): Create{Note{name: the
// option's title, inReplyTo: the poll, attributedTo: the voter, to: the
// poll's author}}, with no content.
func (e *env) mastodonVote(who *models.Actor, questionID, groupURI, option string) map[string]any {
	id := strings.Replace(e.RemoteID(who, "votes"), "/votes/", "#votes/", 1)
	note := map[string]any{"id": id, "type": "Note", "name": option, "attributedTo": who.URI,
		"inReplyTo": questionID, "to": []any{groupURI}}
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id + "/activity",
		"type": "Create", "actor": who.URI, "to": []any{groupURI}, "object": note}
}
