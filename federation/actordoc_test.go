package federation_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

const testPEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----\n"

var created = time.Date(2025, 3, 4, 10, 30, 0, 0, time.FixedZone("CET", 3600))

// roundTrip serializes a document as it goes on the wire and reads it back,
// so that tests see what a peer sees.
func roundTrip(t *testing.T, doc map[string]any) (map[string]any, string) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out, string(b)
}

func contextJSON(t *testing.T) any {
	t.Helper()
	b, err := json.Marshal(federation.Context())
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestActorDocumentHasEveryFieldPeersRead(t *testing.T) {
	u := federation.NewURLs("https://village.example")
	const base = "https://village.example"
	alice := &models.Actor{ID: 1, Type: models.ActorPerson, Username: "alice", DisplayName: "Alice Park",
		Summary: "Mom of two <3\nBrooklyn\n\nSay hi", PublicKeyPEM: testPEM, Discoverable: true, CreatedAt: created}
	moms := &models.Actor{ID: 2, Type: models.ActorGroup, Username: "brooklyn_moms", DisplayName: "Brooklyn Moms",
		PublicKeyPEM: testPEM, ManuallyApprovesFollowers: false, Discoverable: true, CreatedAt: created,
		IconURL: "https://village.example/media/moms.png"}
	momsGroup := &models.Group{Actor: moms, Title: "Brooklyn Moms", Summary: "Parents & kids of Brooklyn",
		Visibility: models.VisibilityMembers, PostingRestrictedToMods: true}
	instance := &models.Actor{ID: 3, Type: models.ActorApplication, Username: models.InstanceActorName,
		PublicKeyPEM: testPEM, ManuallyApprovesFollowers: true, Discoverable: true, CreatedAt: created}

	common := func(id, profile string) map[string]any {
		return map[string]any{
			"id":        id,
			"inbox":     id + "/inbox",
			"outbox":    id + "/outbox",
			"followers": id + "/followers",
			"following": id + "/following",
			"endpoints": map[string]any{"sharedInbox": base + "/inbox"},
			"url":       profile,
			"published": "2025-03-04T09:30:00Z",
			"indexable": false,
			"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": testPEM},
		}
	}
	tests := []struct {
		name   string
		actor  *models.Actor
		group  *models.Group
		want   map[string]any
		absent []string
	}{
		{
			name: "person", actor: alice,
			want: merge(common(base+"/users/alice", base+"/@alice"), map[string]any{
				"type": "Person", "preferredUsername": "alice", "name": "Alice Park",
				"summary":                   "<p>Mom of two &lt;3<br>Brooklyn</p><p>Say hi</p>",
				"manuallyApprovesFollowers": false, "discoverable": true,
				"featured":     base + "/users/alice/featured",
				"featuredTags": base + "/users/alice/tags",
			}),
			absent: []string{"icon", "attributedTo", "moderators", "postingRestrictedToMods"},
		},
		{
			name: "members-only group", actor: moms, group: momsGroup,
			want: merge(common(base+"/groups/brooklyn_moms", base+"/groups/brooklyn_moms"), map[string]any{
				"type": "Group", "preferredUsername": "brooklyn_moms", "name": "Brooklyn Moms",
				"summary":                   "<p>Parents &amp; kids of Brooklyn</p>",
				"manuallyApprovesFollowers": true, "discoverable": true,
				"featured":                base + "/groups/brooklyn_moms/featured",
				"attributedTo":            base + "/groups/brooklyn_moms/moderators",
				"moderators":              base + "/groups/brooklyn_moms/moderators",
				"postingRestrictedToMods": true,
				"icon":                    map[string]any{"type": "Image", "url": "https://village.example/media/moms.png"},
			}),
		},
		{
			name: "instance actor", actor: instance,
			want: merge(common(base+"/actor", base+"/@instance"), map[string]any{
				"type": "Application", "preferredUsername": "village.example", "name": "village.example",
				"manuallyApprovesFollowers": true, "discoverable": false,
			}),
			absent: []string{"summary", "icon", "featured", "featuredTags", "moderators"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := federation.ActorDocument(u, tt.actor, tt.group, federation.ActorExtras{})
			if err != nil {
				t.Fatal(err)
			}
			got, raw := roundTrip(t, doc)
			for k, want := range tt.want {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s present (%v), want absent", k, got[k])
				}
			}
			if !reflect.DeepEqual(got["@context"], contextJSON(t)) {
				t.Errorf("@context = %v, want Context()", got["@context"])
			}
			if strings.Contains(raw, `"http://joinmastodon.org/ns"`) {
				t.Errorf("document names the dead context URL http://joinmastodon.org/ns: %s", raw)
			}
		})
	}
}

func merge(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func TestActorDocumentShowsHeaderFieldsAndIndexable(t *testing.T) {
	u := federation.NewURLs("https://village.example")
	alice := &models.Actor{Type: models.ActorPerson, Username: "alice", PublicKeyPEM: testPEM, CreatedAt: created,
		HeaderURL: "https://village.example/media/headers/h.jpg",
		Fields:    []models.ProfileField{{Name: "Kids", Value: "two <3"}, {Name: "Blog", Value: "https://alice.example/blog"}}}
	doc, err := federation.ActorDocument(u, alice, nil, federation.ActorExtras{Indexable: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := roundTrip(t, doc)
	if want := map[string]any{"type": "Image", "url": "https://village.example/media/headers/h.jpg"}; !reflect.DeepEqual(got["image"], want) {
		t.Errorf("image = %v, want %v", got["image"], want)
	}
	wantFields := []any{
		map[string]any{"type": "PropertyValue", "name": "Kids", "value": "two &lt;3"},
		map[string]any{"type": "PropertyValue", "name": "Blog", "value": `<a href="https://alice.example/blog" rel="nofollow noopener noreferrer" target="_blank">` +
			`<span class="invisible">https://</span>alice.example/blog</a>`},
	}
	if !reflect.DeepEqual(got["attachment"], wantFields) {
		t.Errorf("attachment = %#v, want %#v", got["attachment"], wantFields)
	}
	if got["indexable"] != true {
		t.Errorf("indexable = %v, want true", got["indexable"])
	}
	if got["name"] != "alice" {
		t.Errorf("name = %v, want the username when there is no display name", got["name"])
	}
}

func TestActorDocumentRefusesWhatItCannotDescribe(t *testing.T) {
	u := federation.NewURLs("https://village.example")
	tests := []struct {
		name  string
		actor *models.Actor
	}{
		{"remote actor", &models.Actor{Type: models.ActorPerson, Username: "bob", Domain: "elsewhere.example", URI: "https://elsewhere.example/users/bob", PublicKeyPEM: testPEM}},
		{"group without its group row", &models.Actor{Type: models.ActorGroup, Username: "moms", PublicKeyPEM: testPEM}},
		{"actor without a key", &models.Actor{Type: models.ActorPerson, Username: "alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := federation.ActorDocument(u, tt.actor, nil, federation.ActorExtras{}); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestPlainTextHTMLEscapesAndKeepsParagraphs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  \n ", ""},
		{"hello", "<p>hello</p>"},
		{"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"one\r\ntwo\n\n\nthree", "<p>one<br>two</p><p>three</p>"},
	}
	for _, tt := range tests {
		if got := federation.PlainTextHTML(tt.in); got != tt.want {
			t.Errorf("PlainTextHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOrderedCollectionShapes(t *testing.T) {
	const c = "https://village.example/users/alice/followers"
	tests := []struct {
		name   string
		build  func() (map[string]any, error)
		want   map[string]any
		absent []string
	}{
		{
			name: "root with a first page",
			build: func() (map[string]any, error) {
				return federation.OrderedCollection(federation.Collection{ID: c, TotalItems: 25, First: federation.PageURL(c, 0)})
			},
			want:   map[string]any{"type": "OrderedCollection", "id": c, "totalItems": float64(25), "first": c + "?page=true"},
			absent: []string{"orderedItems"},
		},
		{
			name: "root with items embedded",
			build: func() (map[string]any, error) {
				return federation.OrderedCollection(federation.Collection{ID: c, TotalItems: 1, Items: []any{"https://a.example/u/1"}})
			},
			want:   map[string]any{"type": "OrderedCollection", "totalItems": float64(1), "orderedItems": []any{"https://a.example/u/1"}},
			absent: []string{"first"},
		},
		{
			name: "empty root keeps an empty items array",
			build: func() (map[string]any, error) {
				return federation.OrderedCollection(federation.Collection{ID: c, Items: []any{}})
			},
			want: map[string]any{"totalItems": float64(0), "orderedItems": []any{}},
		},
		{
			name: "hidden root has only its size",
			build: func() (map[string]any, error) {
				return federation.OrderedCollection(federation.Collection{ID: c, TotalItems: 7})
			},
			want:   map[string]any{"totalItems": float64(7)},
			absent: []string{"first", "orderedItems"},
		},
		{
			name: "page with next",
			build: func() (map[string]any, error) {
				return federation.OrderedCollectionPage(federation.CollectionPage{
					ID: federation.PageURL(c, 0), PartOf: c, Next: federation.PageURL(c, 42),
					Items: []any{"https://a.example/u/1", map[string]any{"id": "https://v.example/activities/1", "type": "Create"}},
				})
			},
			want: map[string]any{"type": "OrderedCollectionPage", "id": c + "?page=true", "partOf": c,
				"next":         c + "?max_id=42&page=true",
				"orderedItems": []any{"https://a.example/u/1", map[string]any{"id": "https://v.example/activities/1", "type": "Create"}}},
			absent: []string{"prev"},
		},
		{
			name: "empty last page",
			build: func() (map[string]any, error) {
				return federation.OrderedCollectionPage(federation.CollectionPage{ID: federation.PageURL(c, 5), PartOf: c, Prev: c + "?page=true"})
			},
			want:   map[string]any{"orderedItems": []any{}, "prev": c + "?page=true"},
			absent: []string{"next"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := roundTrip(t, doc)
			for k, want := range tt.want {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s present, want absent", k)
				}
			}
			if !reflect.DeepEqual(got["@context"], contextJSON(t)) {
				t.Errorf("@context = %v", got["@context"])
			}
		})
	}
}

func TestEmbeddedObjectDropsItsContext(t *testing.T) {
	m, err := federation.EmbeddedObject([]byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"x","type":"Follow"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"id": "x", "type": "Follow"}; !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, want %v", m, want)
	}
	if _, err := federation.EmbeddedObject([]byte(`not json`)); err == nil {
		t.Error("bad JSON accepted")
	}
}
