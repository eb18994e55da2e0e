package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// maxFeaturedItems bounds what is read of a featured collection: Mastodon
// pins at most five, and a hostile server should not keep us busy.
const maxFeaturedItems = 20

// SyncFeatured reads a remote person's featured collection (her pinned
// posts, Mastodon's `featured`) when it was not read in the last day, and
// makes her pins here what it lists: her own public and unlisted posts,
// embedded or fetched from her origin, stored as posts when new. Her Add
// and Remove keep them current in between (inbox).
func (r *Resolver) SyncFeatured(ctx context.Context, a *models.Actor) error {
	if a.IsLocal() || a.FeaturedURL == "" || !SameOrigin(a.FeaturedURL, a.URI) {
		return nil
	}
	stale, err := models.FeaturedStale(ctx, r.db, a.ID)
	if err != nil || !stale {
		return err
	}
	coll, err := r.FetchObject(ctx, a.FeaturedURL)
	if err != nil {
		return fmt.Errorf("federation: featured: %w", err)
	}
	items := collectionItems(coll)
	if len(items) == 0 {
		if first := coll.Embedded("first"); first != nil {
			items = collectionItems(first)
		} else if ref := coll.Ref("first"); ref != "" && SameOrigin(ref, a.URI) {
			if page, err := r.FetchObject(ctx, ref); err == nil {
				items = collectionItems(page)
			}
		}
	}
	var posts []*IncomingPost
	for _, item := range items {
		if len(posts) == maxFeaturedItems {
			break
		}
		if in := r.featuredPost(ctx, a, item); in != nil {
			posts = append(posts, in)
		}
	}
	return models.InTx(ctx, r.db, func(tx pgx.Tx) error {
		ids := make([]int64, 0, len(posts))
		for _, in := range posts {
			stored, err := models.PostByURI(ctx, tx, in.Post.URI)
			if errors.Is(err, models.ErrNotFound) {
				in.Post.AuthorID = a.ID
				if _, err := models.InsertPost(ctx, tx, &in.Post); err != nil {
					return err
				}
				stored, err = &in.Post, nil
			}
			if err != nil {
				return err
			}
			if stored.AuthorID == a.ID && stored.DeletedAt == nil {
				ids = append(ids, stored.ID)
			}
		}
		return models.SetPins(ctx, tx, a.ID, ids)
	})
}

// featuredPost reads one item of a featured collection: an embedded post
// from the person's origin, or one fetched by its id. Anything else
// (another's post, a non-public one, a failed fetch) is nil.
func (r *Resolver) featuredPost(ctx context.Context, a *models.Actor, item any) *IncomingPost {
	obj, _ := item.(map[string]any)
	if obj == nil || !SameOrigin(Object(obj).ID(), a.URI) || Object(obj).String("content") == "" {
		id := refOf(item)
		if id == "" || !SameOrigin(id, a.URI) {
			return nil
		}
		fetched, err := r.FetchObject(ctx, id)
		if err != nil {
			r.logger.InfoContext(ctx, "federation: featured post not fetched", "id", id, "error", err)
			return nil
		}
		obj = fetched
	}
	in, err := PostFromObject(Object(obj))
	if err != nil || in.Author != a.URI {
		return nil
	}
	if in.Post.Visibility != models.VisibilityPublicPost && in.Post.Visibility != models.VisibilityUnlisted {
		return nil
	}
	in.Post.Content = r.sanitizer.Sanitize(in.Post.Content)
	in.Post.Summary = content.PlainText(in.Post.Summary)
	in.Post.Name = content.PlainText(in.Post.Name)
	return in
}

// collectionItems are a collection's or page's orderedItems (or items).
func collectionItems(o Object) []any {
	for _, key := range []string{"orderedItems", "items"} {
		switch v := o[key].(type) {
		case []any:
			return v
		case nil:
		default:
			return []any{v}
		}
	}
	return nil
}
