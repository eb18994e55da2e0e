package federation

import (
	"context"
	"slices"
)

// maxModeratorPages bounds how far a paged moderators collection is read.
const maxModeratorPages = 5

// GroupModerators reads the moderators collection a remote group's
// document names (moderators, else attributedTo), from the group's origin
// only, signed by the instance actor: who may moderate it, as the group
// says now. A group naming no such collection has none listed.
func (r *Resolver) GroupModerators(ctx context.Context, groupURI string) ([]string, error) {
	doc, err := r.FetchObject(ctx, groupURI)
	if err != nil {
		return nil, err
	}
	collURI := doc.Ref("moderators")
	if collURI == "" {
		collURI = doc.Ref("attributedTo")
	}
	if collURI == "" || !SameOrigin(collURI, groupURI) {
		return nil, nil
	}
	var out []string
	coll, err := r.FetchObject(ctx, collURI)
	for pages := 0; err == nil && coll != nil && pages < maxModeratorPages; pages++ {
		out = append(out, coll.Refs("orderedItems")...)
		out = append(out, coll.Refs("items")...)
		next := coll.Embedded("first")
		if next == nil {
			ref := coll.Ref("first")
			if ref == "" {
				ref = coll.Ref("next")
			}
			if ref == "" || !SameOrigin(ref, groupURI) {
				break
			}
			next, err = r.FetchObject(ctx, ref)
		}
		coll = next
	}
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
