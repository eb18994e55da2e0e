package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/village-social/village/models"
)

// Sign-ups from the command line, until the admin screens of the web app
// exist: the sign-up mode, approving waiting accounts, invite links.

// addSignupCommands adds "admin signups", "admin invite" and "admin user
// approve|pending".
func (a *app) addSignupCommands(admin, user *cobra.Command) {
	user.AddCommand(a.userApproveCommand(), a.userPendingCommand())
	invite := &cobra.Command{Use: "invite", Short: "Make, list and revoke sign-up invite links", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	invite.AddCommand(a.inviteCreateCommand(), a.inviteListCommand(), a.inviteRevokeCommand())
	admin.AddCommand(a.signupsCommand(), invite)
}

func (a *app) signupsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "signups [open|approval|invite]",
		Short: "Show or set who may sign up on the web: anyone, by an admin's approval, or by invite link only",
		Long: "Show or set the sign-up mode.\n\n" +
			"  open      anyone may sign up and log in at once\n" +
			"  approval  accounts wait for 'village admin user approve NAME' (the default); an invite link skips the wait\n" +
			"  invite    only people with an invite link ('village admin invite create') may sign up",
		Example: "  village admin signups open",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var mode models.SignupMode
			if len(args) == 1 {
				m, err := models.ParseSignupMode(args[0])
				if err != nil {
					return err
				}
				mode = m
			}
			return a.withStore(cmd.Context(), func(db models.DB) error {
				if mode != "" {
					if err := models.SetSignupMode(cmd.Context(), db, mode); err != nil {
						return err
					}
				}
				m, err := models.InstanceSignupMode(cmd.Context(), db)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Sign-ups: %s\n", m)
				return nil
			})
		},
	}
}

func (a *app) userApproveCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "approve NAME",
		Short:   "Let an account that signed up and waits for approval log in",
		Example: "  village admin user approve newmom",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				acc, err := models.ApproveAccount(cmd.Context(), db, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Approved %s: they can log in now.\n", acc.Actor.Username)
				return nil
			})
		},
	}
}

func (a *app) userPendingCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "pending",
		Short: "List the accounts waiting for approval, with what they wrote",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				waiting, err := models.PendingSignups(cmd.Context(), db)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tEMAIL\tSIGNED UP\tREASON")
				for _, p := range waiting {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Account.Actor.Username, dash(p.Account.Email),
						p.Account.CreatedAt.UTC().Format("2006-01-02 15:04"), dash(p.Reason))
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) inviteCreateCommand() *cobra.Command {
	var uses int
	var expires time.Duration
	cmd := &cobra.Command{
		Use:     "create [--uses N] [--expires DURATION]",
		Short:   "Make an invite link (the last line of output)",
		Example: "  village admin invite create --uses 1 --expires 168h",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if uses < 0 || expires < 0 {
				return fmt.Errorf("--uses and --expires cannot be negative")
			}
			n := models.NewInvite{MaxUses: uses}
			if expires > 0 {
				at := time.Now().Add(expires)
				n.ExpiresAt = &at
			}
			return a.withStore(cmd.Context(), func(db models.DB) error {
				base, err := a.instanceBaseURL(cmd.Context(), db)
				if err != nil {
					return err
				}
				inv, err := models.CreateInvite(cmd.Context(), db, n)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Invite %s (%s, %s):\n%s\n", inv.Code, usesWord(inv), expiryWord(inv), inviteLink(base, inv))
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&uses, "uses", 1, "how many sign-ups it allows; 0 for no limit")
	cmd.Flags().DurationVar(&expires, "expires", 7*24*time.Hour, "how long it lasts, e.g. 48h; 0 for ever")
	return cmd
}

func (a *app) inviteListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List invite links",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				base, err := a.instanceBaseURL(cmd.Context(), db)
				if err != nil {
					return err
				}
				invites, err := models.ListInvites(cmd.Context(), db)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "CODE\tUSES\tEXPIRES\tUSABLE\tLINK")
				now := time.Now()
				for _, inv := range invites {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", inv.Code, usesWord(inv), expiryWord(inv), yesNo(inv.Usable(now)), inviteLink(base, inv))
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) inviteRevokeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke CODE",
		Short: "Stop an invite link from letting anyone else sign up",
		Args:  exactArgs("CODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				if err := models.RevokeInvite(cmd.Context(), db, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Revoked invite %s.\n", args[0])
				return nil
			})
		},
	}
}

// inviteLink is the sign-up link of an invite, whole when the instance's
// public root URL (instanceBaseURL) is known.
func inviteLink(base string, inv *models.Invite) string {
	return base + "/signup?invite=" + inv.Code
}

func usesWord(inv *models.Invite) string {
	if inv.MaxUses == 0 {
		return fmt.Sprintf("%d used, no limit", inv.Uses)
	}
	return fmt.Sprintf("%d of %d used", inv.Uses, inv.MaxUses)
}

func expiryWord(inv *models.Invite) string {
	if inv.ExpiresAt == nil {
		return "never expires"
	}
	return "expires " + inv.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
}
