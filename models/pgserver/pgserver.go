// Package pgserver runs a private PostgreSQL cluster from the machine's
// PostgreSQL binaries, so that Village and its tests need no database set-up.
//
// Several processes may share one cluster directory (a running `village
// serve` and an `admin` command, or parallel test binaries). Each holds a
// shared lock on the directory while it uses the cluster; whoever leaves last
// stops it.
package pgserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrBinariesMissing means no initdb/pg_ctl was found on this machine.
var ErrBinariesMissing = errors.New("pgserver: PostgreSQL server binaries (initdb, pg_ctl) not found; install them with: apt-get install postgresql")

// superuser is the role initdb creates; the cluster is private, so one role suffices.
const superuser = "village"

// Options configure a private cluster.
type Options struct {
	// Dir holds everything of the cluster: pgdata/, the password, the locks and the log.
	Dir string
	// Database is created on start when missing; "" means "village".
	Database string
	// Fast trades durability for speed (fsync off); only for throwaway test clusters.
	Fast   bool
	Logger *slog.Logger
}

// Cluster is a started (or already running) private cluster in use by this process.
type Cluster struct {
	dir      string
	binDir   string
	database string
	password string
	port     int
	owner    *osUser
	lock     *os.File
	logger   *slog.Logger
}

// osUser is the account postgres runs as; nil means the current user.
type osUser struct {
	uid, gid uint32
	name     string
}

// Start initialises the cluster if needed, starts it unless it is already
// running, and creates the database. Call Release when done.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Database == "" {
		opts.Database = "village"
	}
	binDir, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	c := &Cluster{dir: dir, binDir: binDir, database: opts.Database, logger: opts.Logger}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root; Debian's package provides this account.
		c.owner, err = lookupUser("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgserver: running as root needs the 'postgres' OS user (apt-get install postgresql): %w", err)
		}
	}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	// Starting and stopping are serialised by one lock; use by another, held
	// shared for as long as this process uses the cluster.
	startLock, err := openLock(filepath.Join(dir, "start.lock"))
	if err != nil {
		return nil, err
	}
	defer startLock.Close() // closing releases it
	if err := flock(ctx, startLock, syscall.LOCK_EX); err != nil {
		return nil, err
	}
	if err := c.initAndStart(ctx, opts.Fast); err != nil {
		return nil, err
	}
	if c.lock, err = openLock(filepath.Join(dir, "users.lock")); err != nil {
		return nil, err
	}
	if err := flock(ctx, c.lock, syscall.LOCK_SH); err != nil {
		c.lock.Close()
		return nil, err
	}
	if err := c.ensureDatabase(ctx); err != nil {
		c.Release(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}

// URL is the connection string of the cluster's database.
func (c *Cluster) URL() string { return c.DatabaseURL(c.database) }

// DatabaseURL is the connection string of another database in the cluster.
func (c *Cluster) DatabaseURL(name string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.password, c.port, name)
}

// DataDir is the PGDATA directory.
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "pgdata") }

// Release ends this process's use of the cluster and stops the cluster when
// no other process is using it.
func (c *Cluster) Release(ctx context.Context) error {
	if c.lock == nil {
		return nil
	}
	defer func() { c.lock.Close(); c.lock = nil }()
	startLock, err := openLock(filepath.Join(c.dir, "start.lock"))
	if err != nil {
		return err
	}
	defer startLock.Close()
	if err := flock(ctx, startLock, syscall.LOCK_EX); err != nil {
		return err
	}
	// Converting to exclusive succeeds only when no other process holds the
	// shared lock, i.e. when we are the last user.
	if err := syscall.Flock(int(c.lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		c.logger.Debug("postgres left running for other users", "dir", c.dir)
		return nil
	}
	return c.stop(ctx)
}

// Stop stops the cluster whoever else uses it (for tests of an outage).
func (c *Cluster) Stop(ctx context.Context) error { return c.stop(ctx) }

// Restart starts a cluster stopped with Stop again, on a new port if needed.
func (c *Cluster) Restart(ctx context.Context, fast bool) error { return c.initAndStart(ctx, fast) }

func (c *Cluster) stop(ctx context.Context) error {
	out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.DataDir(), "-m", "fast", "-w", "-t", "60")
	if err != nil {
		return fmt.Errorf("pgserver: pg_ctl stop: %w: %s", err, out)
	}
	c.logger.Info("postgres stopped", "dir", c.dir)
	return nil
}

func (c *Cluster) prepareDir() error {
	// Parents stay open to other users: the postgres account must pass through them.
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("pgserver: create %s: %w", filepath.Dir(c.dir), err)
	}
	if err := os.Mkdir(c.dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("pgserver: create %s: %w", c.dir, err)
	}
	if c.owner == nil {
		return nil
	}
	if err := os.Chown(c.dir, int(c.owner.uid), int(c.owner.gid)); err != nil {
		return fmt.Errorf("pgserver: chown %s to postgres: %w", c.dir, err)
	}
	// The postgres user must be able to reach the directory through its parents.
	if out, err := c.run(context.Background(), "/usr/bin/test", "-w", c.dir, "-a", "-x", c.dir); err != nil {
		return fmt.Errorf("pgserver: the 'postgres' OS user cannot reach %s (a parent folder is closed to other users, e.g. /root); set VILLAGE_DATA_DIR to a folder it can reach, such as /var/lib/village: %w %s", c.dir, err, out)
	}
	return nil
}

func (c *Cluster) initAndStart(ctx context.Context, fast bool) error {
	pwFile := filepath.Join(c.dir, "password")
	if _, err := os.Stat(filepath.Join(c.DataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx, pwFile, fast); err != nil {
			return err
		}
	}
	pw, err := os.ReadFile(pwFile)
	if err != nil {
		return fmt.Errorf("pgserver: read password: %w", err)
	}
	c.password = strings.TrimSpace(string(pw))

	if port, ok := c.runningPort(); ok && c.isRunning(ctx) {
		c.port = port
		return nil
	}
	// After an outage (Stop, Restart) reuse the port, so clients' URLs stay valid.
	port := c.port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	logFile := filepath.Join(c.dir, "postgres.log")
	c.logger.Info("starting postgres", "dir", c.dir, "port", port)
	out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.DataDir(), "-l", logFile, "-o", fmt.Sprintf("-p %d", port))
	if err != nil {
		return fmt.Errorf("pgserver: pg_ctl start: %w: %s%s", err, out, tail(logFile, 2000))
	}
	c.port = port
	return nil
}

func (c *Cluster) initdb(ctx context.Context, pwFile string, fast bool) error {
	password, err := randomHex(24)
	if err != nil {
		return err
	}
	if err := c.writeOwned(pwFile, password+"\n"); err != nil {
		return err
	}
	args := []string{"-D", c.DataDir(), "-U", superuser, "--pwfile", pwFile,
		"--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C"}
	if fast {
		args = append(args, "--no-sync")
	}
	c.logger.Info("creating postgres cluster", "dir", c.DataDir())
	if out, err := c.run(ctx, "initdb", args...); err != nil {
		os.RemoveAll(c.DataDir())
		return fmt.Errorf("pgserver: initdb: %w: %s", err, out)
	}
	// TCP on loopback only: no socket directory to share with other clusters.
	conf := "\n# village\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 200\n"
	if fast {
		conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(c.DataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		return fmt.Errorf("pgserver: write postgresql.conf: %w", err)
	}
	return nil
}

// runningPort reads the port from postmaster.pid (its fourth line).
func (c *Cluster) runningPort() (int, bool) {
	b, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port, err == nil
}

func (c *Cluster) isRunning(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.DataDir())
	return err == nil
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DatabaseURL("postgres"))
	if err != nil {
		return fmt.Errorf("pgserver: connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.database).Scan(&exists); err != nil {
		return fmt.Errorf("pgserver: look up database: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.database}.Sanitize()); err != nil {
		return fmt.Errorf("pgserver: create database %s: %w", c.database, err)
	}
	return nil
}

// run executes a PostgreSQL binary (or an absolute path) as the cluster's owner.
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	path := name
	if !filepath.IsAbs(name) {
		path = filepath.Join(c.binDir, name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: c.owner.uid, Gid: c.owner.gid}}
		cmd.Env = append(cmd.Env, "HOME="+c.dir, "USER="+c.owner.name)
	}
	// The server started by pg_ctl must outlive us; give it its own process group
	// so a Ctrl-C to Village's terminal does not reach it before we stop it cleanly.
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	return cmd.CombinedOutput()
}

func (c *Cluster) writeOwned(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("pgserver: write %s: %w", path, err)
	}
	if c.owner != nil {
		if err := os.Chown(path, int(c.owner.uid), int(c.owner.gid)); err != nil {
			return fmt.Errorf("pgserver: chown %s: %w", path, err)
		}
	}
	return nil
}

// FindBinaries returns the directory holding initdb and pg_ctl: from PATH,
// else the newest /usr/lib/postgresql/*/bin.
func FindBinaries() (string, error) {
	return findBinaries(exec.LookPath, "/usr/lib/postgresql/*/bin")
}

func findBinaries(lookPath func(string) (string, error), versionedDirs string) (string, error) {
	if p, err := lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(versionedDirs)
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrBinariesMissing
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func lookupUser(name string) (*osUser, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &osUser{uid: uint32(uid), gid: uint32(gid), name: name}, nil
}

func openLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgserver: open lock: %w", err)
	}
	return f, nil
}

// flock takes a lock, giving up when ctx ends.
func flock(ctx context.Context, f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("pgserver: lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgserver: waiting for the cluster lock: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pgserver: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return "\n" + string(b)
}
