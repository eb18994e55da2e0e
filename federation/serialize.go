package federation

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// ContentType is what Village serves and sends ActivityPub documents as.
const ContentType = "application/activity+json"

// Context is the @context of every document Village writes. go-fed v1.0.0
// would point at http://joinmastodon.org/ns, which serves no JSON-LD and
// breaks strict processors, and it has no terms for what Mastodon and Lemmy
// read beyond Activity Streams; so the context is written here, inline.
func Context() []any {
	return []any{
		"https://www.w3.org/ns/activitystreams",
		"https://w3id.org/security/v1",
		map[string]any{
			"toot":                      "http://joinmastodon.org/ns#",
			"lemmy":                     "https://join-lemmy.org/ns#",
			"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
			"sensitive":                 "as:sensitive",
			"Hashtag":                   "as:Hashtag",
			"discoverable":              "toot:discoverable",
			"indexable":                 "toot:indexable",
			"featured":                  map[string]any{"@id": "toot:featured", "@type": "@id"},
			"featuredTags":              map[string]any{"@id": "toot:featuredTags", "@type": "@id"},
			"postingRestrictedToMods":   "lemmy:postingRestrictedToMods",
			"moderators":                map[string]any{"@id": "lemmy:moderators", "@type": "@id"},
			// Attachments (Mastodon's terms) and profile fields (schema.org).
			"blurhash":      "toot:blurhash",
			"focalPoint":    map[string]any{"@container": "@list", "@id": "toot:focalPoint"},
			"schema":        "http://schema.org#",
			"PropertyValue": "schema:PropertyValue",
			"value":         "schema:value",
			"votersCount":   "toot:votersCount", // polls (question.go)
		},
	}
}

// Serialize is the one way a go-fed value becomes the JSON Village sends:
// the vocabulary comes from go-fed, the @context from Context, and extra
// holds the terms go-fed v1.0.0 has no type for (sensitive,
// manuallyApprovesFollowers, featured, postingRestrictedToMods, ...).
func Serialize(t vocab.Type, extra map[string]any) (map[string]any, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("federation: serialize %s: %w", t.GetTypeName(), err)
	}
	for k, v := range extra {
		m[k] = v
	}
	m["@context"] = Context()
	return m, nil
}

// Marshal serializes to JSON bytes.
func Marshal(t vocab.Type, extra map[string]any) ([]byte, error) {
	m, err := Serialize(t, extra)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("federation: marshal: %w", err)
	}
	return b, nil
}

// iri parses a URL that we built or already validated.
func iri(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("federation: bad IRI %q: %w", s, err)
	}
	return u, nil
}

func idProperty(s string) (vocab.JSONLDIdProperty, error) {
	u, err := iri(s)
	if err != nil {
		return nil, err
	}
	p := streams.NewJSONLDIdProperty()
	p.Set(u)
	return p, nil
}
