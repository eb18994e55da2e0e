package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// "admin account suspend|unsuspend|suspended": suspending one account of
// another server rather than its whole domain.

func (a *app) accountCommand() *cobra.Command {
	account := &cobra.Command{Use: "account", Short: "Suspend single accounts of other servers", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	account.AddCommand(a.accountSuspendCommand(true), a.accountSuspendCommand(false), a.accountSuspendedCommand())
	return account
}

func (a *app) accountSuspendCommand(suspend bool) *cobra.Command {
	var reason string
	use, short := "unsuspend @NAME@SERVER|ADDRESS [--reason R]", "Lift a remote account's suspension: it may send and be followed again"
	long := short + ".\nWhat its suspension took down stays down."
	if suspend {
		use, short = "suspend @NAME@SERVER|ADDRESS [--reason R]", "Suspend an account of another server"
		long = "Suspend an account of another server: nothing it sends is accepted (its inbox POSTs get 403),\n" +
			"its follows of people and groups here end (Reject{Follow}), follows of it from here end\n" +
			"(Undo{Follow}), and its posts here are taken down: in this instance's groups the group\n" +
			"removes them for every member (an announced Delete), others become tombstones.\n\n" +
			"The account must be known here already (it has followed, posted, or been looked up);\n" +
			"the moderation page (/admin/moderation) also looks it up on its server."
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: "  village admin account suspend @troll@elsewhere.example --reason \"harassing members\"",
		Args:    exactArgs("ACCOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len([]rune(reason)) > models.MaxModerationReason {
				return fmt.Errorf("--reason: at most %d characters, please", models.MaxModerationReason)
			}
			return a.withOutbox(cmd.Context(), func(db *pgxpool.Pool, out *outbox.Outbox) error {
				ctx := cmd.Context()
				target, err := knownRemoteAccount(ctx, db, args[0])
				if err != nil {
					return err
				}
				handle := "@" + target.Username + "@" + target.Domain
				if suspend {
					done, err := out.SuspendRemote(ctx, target, nil, reason)
					if err != nil {
						return err
					}
					if !done {
						return fmt.Errorf("%s is suspended already", handle)
					}
					fmt.Fprintf(a.stdout, "Suspended %s: the running server refuses it within a second.\n", handle)
					return nil
				}
				done, err := out.UnsuspendRemote(ctx, target, nil, reason)
				if err != nil {
					return err
				}
				if !done {
					return fmt.Errorf("%s is not suspended", handle)
				}
				fmt.Fprintf(a.stdout, "Lifted the suspension of %s.\n", handle)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the moderation log")
	return cmd
}

// knownRemoteAccount finds a remote account this instance knows by its
// handle (@name@server) or its actor's address.
func knownRemoteAccount(ctx context.Context, db models.DB, ref string) (*models.Actor, error) {
	var (
		a   *models.Actor
		err error
	)
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		a, err = models.RemoteActorByURI(ctx, db, ref)
	} else {
		name, host, ok := strings.Cut(strings.TrimPrefix(ref, "@"), "@")
		if !ok || name == "" || host == "" {
			return nil, fmt.Errorf("%q: give an account of another server as @name@server or as its actor's address", ref)
		}
		a, err = models.RemoteActorByHandle(ctx, db, name, strings.ToLower(host))
	}
	if errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("%s is not known here: it has never followed, posted or been looked up (the moderation page can look it up)", ref)
	}
	if err != nil {
		return nil, err
	}
	if a.IsLocal() {
		return nil, fmt.Errorf("%s is an account of this server: use \"village admin user suspend\"", ref)
	}
	return a, nil
}

func (a *app) accountSuspendedCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "suspended",
		Short: "List the suspended accounts of other servers",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				list, err := models.RemoteSuspensions(cmd.Context(), db)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ACCOUNT\tREASON\tSINCE")
				for _, s := range list {
					fmt.Fprintf(w, "@%s@%s\t%s\t%s\n", s.Actor.Username, s.Actor.Domain, dash(s.Reason), s.CreatedAt.UTC().Format("2006-01-02 15:04"))
				}
				return w.Flush()
			})
		},
	}
}
