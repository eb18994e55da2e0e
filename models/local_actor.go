package models

import (
	"context"
	"fmt"
)

// LocalActorByRef finds a local actor named by its URL: the instance actor,
// a group, or a person.
func LocalActorByRef(ctx context.Context, db DB, instance, group bool, username string) (*Actor, error) {
	if instance {
		return InstanceActor(ctx, db)
	}
	want := ActorPerson
	if group {
		want = ActorGroup
	}
	a, err := LocalActorByName(ctx, db, username)
	if err != nil {
		return nil, err
	}
	if a.Type != want {
		return nil, fmt.Errorf("%s %q: %w", want, username, ErrNotFound)
	}
	return a, nil
}

// CountLocalUsers counts local accounts (for NodeInfo's usage).
func CountLocalUsers(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count users: %w", err)
	}
	return n, nil
}

// CountLocalPosts counts live posts written here (for NodeInfo's usage).
func CountLocalPosts(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM posts WHERE local AND deleted_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count posts: %w", err)
	}
	return n, nil
}
