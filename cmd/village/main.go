// Command village runs a Village instance and administers it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/village-social/village/federation/requestid"
)

// Version is the release of this build.
const Version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app is one invocation of the command: its streams, environment and the
// configuration read from them.
type app struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	cfg            *Config
	logger         *slog.Logger
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a := &app{getenv: getenv, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "village:", message(err))
		var ce *configError
		if errors.As(err, &ce) {
			fmt.Fprintln(stderr, "Run 'village --help' to see every setting.")
		}
		return 1
	}
	return 0
}

// message turns an error into the one line the operator sees.
func message(err error) string {
	var ce *configError
	if errors.As(err, &ce) {
		return "configuration: " + ce.Error()
	}
	return err.Error()
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "village",
		Short: "Village: a federated home for local parent groups",
		Long: `Village serves local parent groups on the fediverse: people on Mastodon,
GoToSocial, Lemmy or another Village follow a group, post into it, and the
group shares every post with all its members.

Settings come from the environment; each has a flag that overrides it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags(), a.getenv)
			if err != nil {
				return err
			}
			a.cfg = cfg
			a.logger = newLogger(a.stderr, cfg)
			return nil
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	addConfigFlags(root.PersistentFlags())
	root.AddCommand(a.serveCommand(), a.migrateCommand(), a.adminCommand(), a.versionCommand())
	return root
}

// newLogger writes text or JSON lines; a line logged with a request's
// context names its request id.
func newLogger(w io.Writer, cfg *Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(requestid.NewHandler(h))
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Village's version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, "village", Version)
			return nil
		},
	}
}

// noArgs refuses stray words with a message that says what to do.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("'%s' takes no arguments, got %q (see '%s --help')", cmd.CommandPath(), args, cmd.CommandPath())
	}
	return nil
}

// exactArgs names the arguments a command expects when they are missing.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return fmt.Errorf("'%s' expects %d argument(s): %v; got %d (see '%s --help')",
				cmd.CommandPath(), len(names), names, len(args), cmd.CommandPath())
		}
		return nil
	}
}
