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
// to its members' servers. That activity names this instance's actors, so
// it needs the domain (VILLAGE_DOMAIN, or the one village serve recorded).
func (a *app) addGroupModerator(ctx context.Context, group, user string, owner bool) error {
	return a.withOutboxIfKnown(ctx, func(db *pgxpool.Pool, out *outbox.Outbox) error {
		return models.InTx(ctx, db, func(tx pgx.Tx) error {
			added, err := putModerator(ctx, tx, group, user, owner)
			if err != nil {
				return err
			}
			if added == nil { // raised to owner: already in the collection
				a.reportModerator(group, user, owner)
				return nil
			}
			if out == nil {
				return a.moderatorUntold(ctx, tx, added, group, user, owner)
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

// moderatorUntold keeps a new moderator without telling other servers,
// which is right only while the group has no members there (as before the
// first village serve, which records the domain); otherwise the domain is
// needed and nothing is stored.
func (a *app) moderatorUntold(ctx context.Context, tx pgx.Tx, added *newModerator, group, user string, owner bool) error {
	remote, err := models.HasRemoteFollower(ctx, tx, added.group.ID)
	if err != nil {
		return err
	}
	if remote {
		return errDomainUnknown(group + " has members on other servers, whose servers are told of new moderators in activities that name this instance's actors")
	}
	a.reportModerator(group, user, owner)
	fmt.Fprintln(a.stdout, "Members on other servers were not told: the group has none yet (and this database holds no domain until village serve starts on it).")
	return nil
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
