package inbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// ErrNoSuchPost means a pasted address leads to no post Village keeps:
// its server does not answer with one, it is not a post, or it comes from
// a suspended domain or account. It is a models.ErrNotFound, so that
// callers outside the inbox tell it from a failure of ours.
var ErrNoSuchPost = fmt.Errorf("inbox: no post at that address: %w", models.ErrNotFound)

// errSuspendedAuthor refuses a fetched post whose author's domain is
// suspended here.
var errSuspendedAuthor = errors.New("inbox: the author's domain is suspended")

// pastedTypes are the objects a pasted link may bring in, as Mastodon's
// search takes them: posts, not meetups (they come with their groups).
var pastedTypes = map[string]bool{"Note": true, "Question": true, "Article": true, "Page": true}

// FetchPost brings in the post an address names, its id or its page,
// the way a reply's missing ancestors are kept: fetched from its origin
// with its author and the posts above it in its thread, and stored as a
// remote post. A post known here already is returned without a fetch.
// ErrNoSuchPost when the address leads to none.
func (p *Processor) FetchPost(ctx context.Context, address string) (*models.Post, error) {
	if post, err := knownPost(ctx, p.db, address); !errors.Is(err, models.ErrNotFound) || errors.Is(err, ErrNoSuchPost) {
		return post, err
	}
	obj, err := p.resolver.FetchPasted(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoSuchPost, err)
	}
	if !pastedTypes[obj.Type()] {
		return nil, fmt.Errorf("%w: %s is a %s", ErrNoSuchPost, address, obj.Type())
	}
	if post, err := knownPost(ctx, p.db, obj.ID()); !errors.Is(err, models.ErrNotFound) || errors.Is(err, ErrNoSuchPost) {
		return post, err // the page of a post known here
	}
	in, err := p.readFetched(ctx, obj)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoSuchPost, err)
	}
	suspended, err := models.IsRemoteSuspended(ctx, p.db, in.Post.AuthorID)
	if err != nil {
		return nil, err
	}
	if suspended {
		return nil, fmt.Errorf("%w: its author is suspended here", ErrNoSuchPost)
	}
	ancestors := p.missingAncestors(ctx, in.Post.InReplyToURI)
	err = pgx.BeginFunc(ctx, p.db, func(tx pgx.Tx) error {
		for _, anc := range ancestors {
			if _, err := models.InsertPost(ctx, tx, &anc.Post); err != nil {
				return err
			}
		}
		fresh, err := models.InsertPost(ctx, tx, &in.Post)
		if err != nil || !fresh {
			return err // stored meanwhile by another search or the inbox
		}
		return storePoll(ctx, tx, &in.Post, &incomingPost{IncomingPost: in})
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: keep fetched post: %w", err)
	}
	return knownPost(ctx, p.db, in.Post.URI)
}

// knownPost is the post stored here with this id or page address;
// models.ErrNotFound when there is none, ErrNoSuchPost when it was deleted.
func knownPost(ctx context.Context, db models.DB, address string) (*models.Post, error) {
	post, err := models.PostByURI(ctx, db, address)
	if errors.Is(err, models.ErrNotFound) {
		post, err = models.PostByURL(ctx, db, address)
	}
	if err != nil {
		return nil, err
	}
	if post.DeletedAt != nil {
		return nil, fmt.Errorf("%w: %s was deleted", ErrNoSuchPost, address)
	}
	return post, nil
}
