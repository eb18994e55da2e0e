package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/village-social/village/models"
)

func (a *app) adminCommand() *cobra.Command {
	admin := &cobra.Command{
		Use:   "admin",
		Short: "Manage users, groups and API tokens",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	user := &cobra.Command{Use: "user", Short: "Create and list local users", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	user.AddCommand(a.userCreateCommand(), a.userListCommand())
	group := &cobra.Command{Use: "group", Short: "Create and list local groups, name moderators", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	moderator := &cobra.Command{Use: "moderator", Short: "Manage a group's moderators", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	moderator.AddCommand(a.moderatorAddCommand())
	group.AddCommand(a.groupCreateCommand(), a.groupListCommand(), moderator)
	token := &cobra.Command{Use: "token", Short: "Issue bearer tokens for the client API", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	token.AddCommand(a.tokenCreateCommand())
	admin.AddCommand(user, group, token)
	a.addSignupCommands(admin, user) // Web app: accounts
	a.addSafetyCommands(admin, user) // Safety: instance moderation
	return admin
}

// withStore opens the migrated database for one admin command.
func (a *app) withStore(ctx context.Context, fn func(db models.DB) error) error {
	st, err := openMigratedStore(ctx, a.cfg, a.logger, existingCluster)
	if err != nil {
		return err
	}
	defer st.close(ctx)
	return fn(st.pool)
}

func (a *app) userCreateCommand() *cobra.Command {
	var n models.NewAccount
	cmd := &cobra.Command{
		Use:     "create NAME --password PASSWORD [--email EMAIL] [--admin]",
		Short:   "Create a local user",
		Example: "  village admin user create alice --password 'correct horse battery' --email alice@example.org --admin",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n.Username = args[0]
			if !cmd.Flags().Changed("password") {
				return fmt.Errorf("--password is required (at least %d characters)", models.MinPasswordLength)
			}
			// Refuse before touching the database, so a typo starts nothing.
			if err := n.Validate(); err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(db models.DB) error {
				acc, err := models.CreateAccount(cmd.Context(), db, n)
				if err != nil {
					return err
				}
				role := "user"
				if acc.IsAdmin {
					role = "admin"
				}
				fmt.Fprintf(a.stdout, "Created %s %s (id %d).\n", role, acc.Actor.Username, acc.ID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&n.Password, "password", "", "password, at least 8 characters (required)")
	cmd.Flags().StringVar(&n.Email, "email", "", "email address (optional)")
	cmd.Flags().BoolVar(&n.Admin, "admin", false, "make the user an instance admin")
	return cmd
}

func (a *app) userListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List local users",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				accounts, err := models.ListAccounts(cmd.Context(), db)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tEMAIL\tADMIN\tROLE\tSUSPENDED\tCREATED")
				for _, acc := range accounts {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", acc.ID, acc.Actor.Username, dash(acc.Email),
						yesNo(acc.IsAdmin), acc.Role(), yesNo(acc.SuspendedAt != nil), acc.CreatedAt.UTC().Format("2006-01-02 15:04"))
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) groupCreateCommand() *cobra.Command {
	var n models.NewGroup
	var lat, lon float64
	cmd := &cobra.Command{
		Use:     "create NAME --title TITLE [--summary S] [--location PLACE] [--latitude LAT --longitude LON] [--private]",
		Short:   "Create a local group",
		Example: "  village admin group create prospect_park_parents --title 'Prospect Park Parents' --location 'Brooklyn, NY' --private",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n.Name = args[0]
			if cmd.Flags().Changed("latitude") {
				n.Latitude = &lat
			}
			if cmd.Flags().Changed("longitude") {
				n.Longitude = &lon
			}
			if err := n.Validate(); err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(db models.DB) error {
				g, err := models.CreateGroup(cmd.Context(), db, n)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Created %s group %s (%q).\n", visibilityWord(g), g.Actor.Username, g.Title)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&n.Title, "title", "", "the group's display title (required)")
	cmd.Flags().StringVar(&n.Summary, "summary", "", "what the group is about")
	cmd.Flags().StringVar(&n.Location, "location", "", "town or neighbourhood, e.g. 'Park Slope, Brooklyn'")
	cmd.Flags().Float64Var(&lat, "latitude", 0, "latitude of the place, -90..90 (with --longitude)")
	cmd.Flags().Float64Var(&lon, "longitude", 0, "longitude of the place, -180..180 (with --latitude)")
	cmd.Flags().BoolVar(&n.MembersOnly, "private", false, "members-only: moderators approve who joins, posts stay with members")
	return cmd
}

func (a *app) groupListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List local groups",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				groups, err := models.ListGroups(cmd.Context(), db)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tTITLE\tVISIBILITY\tLOCATION\tMODERATORS")
				for _, g := range groups {
					mods, err := models.Moderators(cmd.Context(), db, g.Actor.ID)
					if err != nil {
						return err
					}
					names := ""
					for i, m := range mods {
						if i > 0 {
							names += ","
						}
						names += m.Username
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", g.Actor.Username, g.Title, g.Visibility, dash(g.Location), dash(names))
				}
				return w.Flush()
			})
		},
	}
}

func (a *app) moderatorAddCommand() *cobra.Command {
	var owner bool
	cmd := &cobra.Command{
		Use:     "add GROUP USER",
		Short:   "Make a local user a moderator (or, with --owner, an owner) of a local group",
		Example: "  village admin group moderator add prospect_park_parents alice --owner",
		Args:    exactArgs("GROUP", "USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.addGroupModerator(cmd.Context(), args[0], args[1], owner)
		},
	}
	cmd.Flags().BoolVar(&owner, "owner", false, "an owner also names and removes the group's moderators on its manage page")
	return cmd
}

func (a *app) tokenCreateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "create USER",
		Short: "Print a new bearer token for USER's client API access (last line of output)",
		Args:  exactArgs("USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), func(db models.DB) error {
				acc, err := models.AccountByUsername(cmd.Context(), db, args[0])
				if err != nil {
					return err
				}
				token, err := models.CreateToken(cmd.Context(), db, acc.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Token for %s (shown once; send it as 'Authorization: Bearer TOKEN'):\n%s\n", acc.Actor.Username, token)
				return nil
			})
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string { return strconv.FormatBool(b) }

func visibilityWord(g *models.Group) string {
	if g.MembersOnly() {
		return "members-only"
	}
	return "public"
}
