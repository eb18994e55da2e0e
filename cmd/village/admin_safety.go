package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// Instance moderation from the command line: roles, suspensions and
// domain blocks. Each action is written to the moderation log, with no
// moderator (the operator at the shell).

// addSafetyCommands adds "admin user role|suspend|unsuspend", "admin domain …"
// and "admin account …".
func (a *app) addSafetyCommands(admin, user *cobra.Command) {
	user.AddCommand(a.userRoleCommand(), a.userSuspendCommand(true), a.userSuspendCommand(false))
	domain := &cobra.Command{Use: "domain", Short: "Block other servers: suspend (refuse everything) or silence (nothing public)", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	domain.AddCommand(a.domainBlockCommand(), a.domainUnblockCommand(), a.domainListCommand())
	admin.AddCommand(domain, a.accountCommand())
}

func (a *app) userRoleCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "role NAME admin|moderator|user",
		Short: "Give a local user an instance role",
		Long: "Give a local user an instance role.\n\n" +
			"  admin      everything, the instance's settings included\n" +
			"  moderator  the moderation screens: suspensions and domain blocks, reports\n" +
			"  user       neither",
		Example: "  village admin user role bea moderator",
		Args:    exactArgs("NAME", "ROLE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			role := args[1]
			if role != models.RoleAdmin && role != models.RoleModerator && role != models.RoleUser {
				return fmt.Errorf("%q: %w", role, models.ErrInvalidRole)
			}
			return a.withStore(cmd.Context(), func(db models.DB) error {
				acc, err := models.AccountByUsername(cmd.Context(), db, args[0])
				if err != nil {
					return err
				}
				if err := models.SetAccountRole(cmd.Context(), db, acc.ID, role); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s is now %s.\n", acc.Actor.Username, role)
				return nil
			})
		},
	}
}

func (a *app) userSuspendCommand(suspend bool) *cobra.Command {
	var reason string
	use, short := "unsuspend NAME [--reason R]", "Lift a user's suspension"
	if suspend {
		use, short = "suspend NAME [--reason R]", "Suspend a user: no log-in, no API, their actor gone (410) and Delete sent to their followers' servers"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withOutbox(cmd.Context(), func(db *pgxpool.Pool, out *outbox.Outbox) error {
				ctx := cmd.Context()
				acc, err := models.AccountByUsername(ctx, db, args[0])
				if err != nil {
					return err
				}
				if suspend {
					done, err := out.Suspend(ctx, acc, nil, reason, time.Now())
					if err != nil {
						return err
					}
					if !done {
						return fmt.Errorf("%s is suspended already", acc.Actor.Username)
					}
					fmt.Fprintf(a.stdout, "Suspended %s.\n", acc.Actor.Username)
					return nil
				}
				done, err := out.Unsuspend(ctx, acc, nil, reason)
				if err != nil {
					return err
				}
				if !done {
					return fmt.Errorf("%s is not suspended", acc.Actor.Username)
				}
				fmt.Fprintf(a.stdout, "Lifted the suspension of %s.\n", acc.Actor.Username)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the moderation log")
	return cmd
}

func (a *app) domainBlockCommand() *cobra.Command {
	var severity, reason string
	cmd := &cobra.Command{
		Use:   "block DOMAIN [--severity suspend|silence] [--reason R]",
		Short: "Block a domain and its subdomains",
		Long: "Block a domain and its subdomains (blocking it again changes the severity).\n\n" +
			"  suspend  refuse everything from it (its inbox POSTs get 403), deliver nothing to it,\n" +
			"           fetch nothing from it, end the follows between it and us (the default)\n" +
			"  silence  keep its posts off public pages and timelines; people here who follow\n" +
			"           its accounts still see them; its new follows of people and groups here\n" +
			"           wait for their approval (follows made before stay)",
		Example: "  village admin domain block spam.example --reason 'harassment campaign'\n  village admin domain block loud.example --severity silence",
		Args:    exactArgs("DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if severity != models.BlockSuspend && severity != models.BlockSilence {
				return fmt.Errorf("--severity %q: %w", severity, models.ErrInvalidSeverity)
			}
			domain, err := models.NormalizeDomain(args[0])
			if err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(db models.DB) error {
				b, err := models.PutDomainBlock(cmd.Context(), db, models.DomainBlock{Domain: domain, Severity: severity, Reason: reason}, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Blocked %s (%s).\n", b.Domain, b.Severity)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&severity, "severity", models.BlockSuspend, "suspend or silence")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the moderation log")
	return cmd
}

func (a *app) domainUnblockCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unblock DOMAIN",
		Short: "Lift a domain block",
		Args:  exactArgs("DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				err := models.DeleteDomainBlock(cmd.Context(), db, args[0], nil)
				if errors.Is(err, models.ErrNotFound) {
					return fmt.Errorf("%s is not blocked", args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Unblocked %s.\n", args[0])
				return nil
			})
		},
	}
}

func (a *app) domainListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List blocked domains",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				blocks, err := models.DomainBlocks(cmd.Context(), db)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "DOMAIN\tSEVERITY\tREASON\tSINCE")
				for _, b := range blocks {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.Domain, b.Severity, dash(b.Reason), b.CreatedAt.UTC().Format("2006-01-02 15:04"))
				}
				return w.Flush()
			})
		},
	}
}
