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

// ErrNoCluster means Options.MustExist was set and the directory holds no
// initialised cluster.
var ErrNoCluster = errors.New("pgserver: no PostgreSQL cluster")

// superuser is the role initdb creates; the cluster is private, so one role suffices.
const superuser = "village"

// Options configure a private cluster.
type Options struct {
	// Dir holds everything of the cluster: pgdata/, the password, the locks and the log.
	Dir string
	// Database is created on start when missing; "" means "village".
	Database string
	// Fast trades durability for speed (fsync off); only for throwaway test clusters.
	Fast bool
	// MustExist uses only a cluster initialised before: without one, Start
	// creates nothing and returns ErrNoCluster.
	MustExist bool
	Logger    *slog.Logger
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
	if opts.MustExist && !Initialised(dir) {
		return nil, fmt.Errorf("%w in %s", ErrNoCluster, dir)
	}
	c := &Cluster{dir: dir, binDir: binDir, database: opts.Database, logger: opts.Logger}
	if c.owner, err = clusterOwner(); err != nil {
		return nil, err
	}
	created, err := c.prepareDir(ctx)
	if err != nil {
		c.discard(created)
		return nil, err
	}
	if err := c.startLocked(ctx, opts.Fast, created); err != nil {
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

// startLocked initialises and starts the cluster under the start lock, which
// serialises starting and stopping (use by another is a lock held shared for
// as long as a process uses the cluster). If that fails, the folders this
// attempt created go too, while the lock keeps others from initialising in them.
func (c *Cluster) startLocked(ctx context.Context, fast bool, created []string) error {
	startLock, err := openLock(filepath.Join(c.dir, "start.lock"))
	if err != nil {
		return err
	}
	defer startLock.Close() // closing releases it
	if err := flock(ctx, startLock, syscall.LOCK_EX); err != nil {
		return err
	}
	if err := c.initAndStart(ctx, fast); err != nil {
		c.discard(created)
		return err
	}
	return nil
}

// Initialised reports whether dir holds a cluster that initdb has made.
func Initialised(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "pgdata", "PG_VERSION"))
	return err == nil
}

// Reachable reports whether a cluster could live at dir as far as its OS
// user is concerned: always when it runs as this process's user; as root,
// whether the 'postgres' OS user can enter the nearest existing folder on the
// way to dir (a parent such as /root is closed to other users).
func Reachable(ctx context.Context, dir string) (bool, error) {
	owner, err := clusterOwner()
	if err != nil {
		return false, err
	}
	if owner == nil {
		return true, nil
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return false, fmt.Errorf("pgserver: %w", err)
	}
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	c := &Cluster{dir: "/", owner: owner}
	out, err := c.run(ctx, "/usr/bin/test", "-x", dir)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pgserver: check that 'postgres' can enter %s: %w %s", dir, err, out)
	}
	return true, nil
}

// clusterOwner is the OS user the cluster runs as: nil (this process's user)
// unless this process runs as root, which PostgreSQL refuses; then the
// 'postgres' account of Debian's package.
func clusterOwner() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	owner, err := lookupUser("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgserver: running as root needs the 'postgres' OS user (apt-get install postgresql): %w", err)
	}
	return owner, nil
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

// prepareDir makes the cluster's directory and its parents as needed, and
// returns the folders it made, outermost first, for discard.
func (c *Cluster) prepareDir(ctx context.Context) ([]string, error) {
	// Parents stay open to other users: the postgres account must pass through them.
	created, err := mkdirAll(filepath.Dir(c.dir), 0o755)
	if err != nil {
		return created, fmt.Errorf("pgserver: create %s: %w", filepath.Dir(c.dir), err)
	}
	if err := os.Mkdir(c.dir, 0o700); err == nil {
		created = append(created, c.dir)
	} else if !errors.Is(err, os.ErrExist) {
		return created, fmt.Errorf("pgserver: create %s: %w", c.dir, err)
	}
	if c.owner == nil {
		return created, nil
	}
	if err := os.Chown(c.dir, int(c.owner.uid), int(c.owner.gid)); err != nil {
		return created, fmt.Errorf("pgserver: chown %s to postgres: %w", c.dir, err)
	}
	// The postgres user must be able to reach the directory through its parents.
	if out, err := c.run(ctx, "/usr/bin/test", "-w", c.dir, "-a", "-x", c.dir); err != nil {
		return created, fmt.Errorf("pgserver: the 'postgres' OS user cannot reach %s (a parent folder is closed to other users, e.g. /root); set VILLAGE_DATA_DIR to a folder it can reach, such as /var/lib/village: %w %s", c.dir, err, out)
	}
	return created, nil
}

// mkdirAll is os.MkdirAll that returns the folders it made, outermost first.
func mkdirAll(dir string, perm os.FileMode) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], perm); err != nil {
			if errors.Is(err, os.ErrExist) {
				continue // made by another process meanwhile: not ours to remove
			}
			return created, err
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// discard removes the folders a failed start created (outermost first in
// created), so that a first start that fails (initdb cannot run, postgres
// cannot reach the folder) leaves no empty data folder behind. A folder
// holding an initialised cluster is never removed, nor one this attempt did
// not create; parents go only when empty.
func (c *Cluster) discard(created []string) {
	if len(created) == 0 || Initialised(c.dir) {
		return
	}
	for i := len(created) - 1; i >= 0; i-- {
		remove := os.Remove
		if created[i] == c.dir {
			remove = os.RemoveAll // the lock and password files of this attempt
		}
		if err := remove(created[i]); err != nil {
			c.logger.Warn("pgserver: could not remove a folder made by a failed start", "dir", created[i], "error", err.Error())
			return
		}
	}
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
