package federation

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/go-fed/activity/streams"
)

// Collection is the root of an OrderedCollection.
type Collection struct {
	ID         string
	TotalItems int
	// First is the IRI of the first page; empty when the items are hidden
	// or embedded in Items.
	First string
	// Items, when not nil, are embedded in the root itself: Lemmy reads the
	// moderators and featured collections without following pages. Each is
	// an IRI (string) or an object (map[string]any).
	Items []any
}

// OrderedCollection serializes the root of an ordered collection.
func OrderedCollection(c Collection) (map[string]any, error) {
	oc := streams.NewActivityStreamsOrderedCollection()
	idp, err := idProperty(c.ID)
	if err != nil {
		return nil, err
	}
	oc.SetJSONLDId(idp)
	total := streams.NewActivityStreamsTotalItemsProperty()
	total.Set(c.TotalItems)
	oc.SetActivityStreamsTotalItems(total)
	if c.First != "" {
		first, err := iri(c.First)
		if err != nil {
			return nil, err
		}
		fp := streams.NewActivityStreamsFirstProperty()
		fp.SetIRI(first)
		oc.SetActivityStreamsFirst(fp)
	}
	var extra map[string]any
	if c.Items != nil {
		extra = map[string]any{"orderedItems": orderedItems(c.Items)}
	}
	return Serialize(oc, extra)
}

// CollectionPage is one page of an ordered collection.
type CollectionPage struct {
	ID     string
	PartOf string
	// Items are IRIs (string) or embedded objects (map[string]any), in order.
	Items []any
	// Next and Prev are the neighbouring pages' IRIs; empty when there is none.
	Next, Prev string
}

// OrderedCollectionPage serializes one page of an ordered collection.
func OrderedCollectionPage(p CollectionPage) (map[string]any, error) {
	page := streams.NewActivityStreamsOrderedCollectionPage()
	idp, err := idProperty(p.ID)
	if err != nil {
		return nil, err
	}
	page.SetJSONLDId(idp)
	partOf, err := iri(p.PartOf)
	if err != nil {
		return nil, err
	}
	pp := streams.NewActivityStreamsPartOfProperty()
	pp.SetIRI(partOf)
	page.SetActivityStreamsPartOf(pp)
	if p.Next != "" {
		next, err := iri(p.Next)
		if err != nil {
			return nil, err
		}
		np := streams.NewActivityStreamsNextProperty()
		np.SetIRI(next)
		page.SetActivityStreamsNext(np)
	}
	if p.Prev != "" {
		prev, err := iri(p.Prev)
		if err != nil {
			return nil, err
		}
		pv := streams.NewActivityStreamsPrevProperty()
		pv.SetIRI(prev)
		page.SetActivityStreamsPrev(pv)
	}
	return Serialize(page, map[string]any{"orderedItems": orderedItems(p.Items)})
}

// orderedItems goes into Serialize's extra map rather than through go-fed:
// embedded items are stored documents sent as they were delivered, and
// resolving each through streams.ToType would cost ~100 µs and could
// reshape them. An empty page still has an (empty) array.
func orderedItems(items []any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

// EmbeddedObject decodes a stored document (an activity as delivered) for
// embedding in a collection page: its @context goes, as the page's covers it.
func EmbeddedObject(body []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("federation: decode stored document: %w", err)
	}
	delete(m, "@context")
	return m, nil
}

// PageURL is the IRI of a page of the collection at collection: the first
// page when maxID is 0, else the page of items older than the cursor maxID.
func PageURL(collection string, maxID int64) string {
	q := url.Values{"page": {"true"}}
	if maxID > 0 {
		q.Set("max_id", strconv.FormatInt(maxID, 10))
	}
	return collection + "?" + q.Encode()
}
