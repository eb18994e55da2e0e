package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// addGroupModerator names a local user a moderator (or owner) of a local
// group and, like the manage page, has the group announce Add{moderators}
// to its members' servers. Without VILLAGE_DOMAIN the activity cannot name
// this instance's actors: the change is stored and the admin is told that
// the members were not told.
func (a *app) addGroupModerator(ctx context.Context, group, user string, owner bool) error {
	if a.cfg.Domain == "" {
		return a.withStore(ctx, func(db models.DB) error {
			if _, err := putModerator(ctx, db, group, user, owner); err != nil {
				return err
			}
			a.reportModerator(group, user, owner)
			fmt.Fprintln(a.stdout, "VILLAGE_DOMAIN is not set: the group's members on other servers were not told.")
			return nil
		})
	}
	return a.withOutbox(ctx, func(db *pgxpool.Pool, out *outbox.Outbox) error {
		return models.InTx(ctx, db, func(tx pgx.Tx) error {
			added, err := putModerator(ctx, tx, group, user, owner)
			if err != nil {
				return err
			}
			if added == nil { // raised to owner: already in the collection
				a.reportModerator(group, user, owner)
				return nil
			}
			// The command line acts for the instance: the group itself sends Add.
			act := outbox.GroupAction{Group: added.group, Moderator: added.group}
			if err := out.ModeratorsChanged(ctx, tx, act, added.who, true); err != nil {
				return err
			}
			a.reportModerator(group, user, owner)
			fmt.Fprintln(a.stdout, "The group announces it to its members' servers.")
			return nil
		})
	})
}

// newModerator is someone who was not in a group's moderators before.
type newModerator struct{ group, who *models.Actor }

// putModerator stores the role; it returns who joined the moderators
// collection (nil when they were in it already, e.g. raised to owner).
func putModerator(ctx context.Context, db models.DB, group, user string, owner bool) (*newModerator, error) {
	g, err := models.GroupByName(ctx, db, group)
	if err != nil {
		return nil, err
	}
	acc, err := models.AccountByUsername(ctx, db, user)
	if err != nil {
		return nil, err
	}
	before, err := models.ModeratorRole(ctx, db, g.Actor.ID, acc.Actor.ID)
	if err != nil {
		return nil, err
	}
	role := models.GroupModerator
	if owner {
		role = models.GroupOwner
	} else if before != "" {
		return nil, fmt.Errorf("%s in %s: %w", user, group, models.ErrAlreadyModerator)
	}
	if _, err := models.PutGroupModerator(ctx, db, g.Actor.ID, acc.Actor.ID, role); err != nil {
		return nil, err
	}
	if before != "" {
		return nil, nil
	}
	return &newModerator{group: g.Actor, who: acc.Actor}, nil
}

func (a *app) reportModerator(group, user string, owner bool) {
	if owner {
		fmt.Fprintf(a.stdout, "%s now owns %s.\n", user, group)
	} else {
		fmt.Fprintf(a.stdout, "%s now moderates %s.\n", user, group)
	}
}
