package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/village-social/village/models"
)

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations",
		Long:  "Apply the database migrations built into this binary that have not run yet. Running it again changes nothing.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx, a.cfg, a.logger, createCluster)
			if err != nil {
				return err
			}
			defer st.close(ctx)
			n, err := models.Migrate(ctx, st.pool)
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintln(a.stdout, "The database is up to date.")
			} else {
				fmt.Fprintf(a.stdout, "Applied %d migration(s).\n", n)
			}
			return nil
		},
	}
}
