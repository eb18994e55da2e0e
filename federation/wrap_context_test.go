package federation_test

import (
	"reflect"
	"testing"

	"github.com/village-social/village/federation"
)

// An activity that embeds an object without its @context must define the
// object's terms itself: a group's Announce{Create{Event}} carries
// Mobilizon's, once; an Announce of a Note keeps the plain context.
func TestWrapKeepsTheEmbeddedObjectsTerms(t *testing.T) {
	for _, c := range []struct {
		name    string
		context []any
		want    []any
	}{
		{"event", federation.EventContext(), federation.EventContext()},
		{"note", federation.Context(), federation.Context()},
		{"none", nil, federation.Context()},
	} {
		t.Run(c.name, func(t *testing.T) {
			inner := map[string]any{"id": "https://a.example/e/1", "type": "Create", "object": "https://a.example/e/1/obj"}
			if c.context != nil {
				inner["@context"] = c.context
			}
			doc, err := federation.Wrap("Announce", "https://a.example/an/1", "https://a.example/groups/g",
				federation.NoteAddress{To: []string{federation.Public}}, inner)
			if err != nil {
				t.Fatal(err)
			}
			if got := doc["@context"]; !reflect.DeepEqual(got, c.want) {
				t.Errorf("@context %v, want %v", got, c.want)
			}
			if _, ok := doc["object"].(map[string]any)["@context"]; ok {
				t.Errorf("the embedded object kept its own @context")
			}
		})
	}
}
