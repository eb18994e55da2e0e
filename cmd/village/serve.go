package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/web"
)

// shutdownGrace is how long requests in flight may take to finish on shutdown.
const shutdownGrace = 30 * time.Second

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Apply migrations and serve Village over HTTP",
		Long: `Apply pending database migrations, then serve Village over HTTP until
SIGINT or SIGTERM; requests in flight are allowed to finish.

VILLAGE_DOMAIN (or --domain) is required.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context()) },
	}
}

func (a *app) serve(ctx context.Context) error {
	cfg := a.cfg
	if cfg.Domain == "" {
		return &configError{"VILLAGE_DOMAIN", "required to serve: the public host[:port] of this instance, e.g. village.example or localhost:8080"}
	}
	st, err := openMigratedStore(ctx, cfg, a.logger)
	if err != nil {
		return err
	}
	defer st.close(ctx)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (VILLAGE_LISTEN): %w", cfg.Listen, err)
	}
	handler := web.New(web.Options{DB: st.pool, Logger: a.logger, URLs: federation.NewURLs(cfg.BaseURL()), Version: Version})
	a.logger.Info("village serving", "version", Version, "listen", ln.Addr().String(), "url", cfg.BaseURL())
	err = web.Serve(ctx, ln, handler, shutdownGrace)
	a.logger.Info("village stopped")
	return err
}
