package pgserver_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models/pgserver"
)

// interrupted is a context ended before Start could run initdb or pg_ctl:
// a real failure on the way of a first start (as a Ctrl-C would cause), on
// any machine and without root. As root it ends the check that postgres
// can reach the folder, the step before.
func interrupted() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestAFailedFirstStartLeavesNoFolderBehind(t *testing.T) {
	base := filepath.Dir(dataDir(t))

	t.Run("no data folder before", func(t *testing.T) {
		data := filepath.Join(base, "fresh", "data")
		if _, err := pgserver.Start(interrupted(), pgserver.Options{Dir: filepath.Join(data, "postgres"), Fast: true}); err == nil {
			t.Fatal("Start succeeded with its context ended")
		}
		if exists(filepath.Join(base, "fresh")) {
			t.Errorf("a failed first start left %s behind", filepath.Join(base, "fresh"))
		}
	})

	t.Run("a data folder with uploads before", func(t *testing.T) {
		data := filepath.Join(base, "kept", "data")
		media := filepath.Join(data, "media")
		if err := os.MkdirAll(media, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := pgserver.Start(interrupted(), pgserver.Options{Dir: filepath.Join(data, "postgres"), Fast: true}); err == nil {
			t.Fatal("Start succeeded with its context ended")
		}
		if exists(filepath.Join(data, "postgres")) {
			t.Errorf("a failed first start left %s behind", filepath.Join(data, "postgres"))
		}
		if !exists(media) {
			t.Errorf("a failed first start removed %s, which it did not make", media)
		}
	})
}

func TestAFailedStartNeverRemovesAnExistingCluster(t *testing.T) {
	ctx := context.Background()
	dir := dataDir(t)
	c, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Release(ctx); err != nil { // the last user: it stops
		t.Fatal(err)
	}
	if _, err := pgserver.Start(interrupted(), pgserver.Options{Dir: dir, Fast: true}); err == nil {
		t.Fatal("Start succeeded with its context ended")
	}
	if !pgserver.Initialised(dir) {
		t.Fatalf("a failed start removed the cluster in %s", dir)
	}
	again, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Fast: true, MustExist: true})
	if err != nil {
		t.Fatalf("the cluster does not start after a failed start: %v", err)
	}
	if err := again.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestMustExistCreatesNothing(t *testing.T) {
	base := filepath.Dir(dataDir(t))
	data := filepath.Join(base, "elsewhere", "data")
	_, err := pgserver.Start(context.Background(), pgserver.Options{Dir: filepath.Join(data, "postgres"), MustExist: true})
	if !errors.Is(err, pgserver.ErrNoCluster) {
		t.Fatalf("Start with MustExist in an empty folder: %v, want ErrNoCluster", err)
	}
	if exists(filepath.Join(base, "elsewhere")) {
		t.Errorf("Start with MustExist made %s", filepath.Join(base, "elsewhere"))
	}
}

func TestReachableAsksThePostgresUserWhenRunAsRoot(t *testing.T) {
	ctx := context.Background()
	open := filepath.Dir(dataDir(t))
	if ok, err := pgserver.Reachable(ctx, filepath.Join(open, "data")); err != nil || !ok {
		t.Errorf("Reachable(a folder in an open one) = %v, %v; want true", ok, err)
	}
	closed := testenv.ClosedDir(t)
	if ok, err := pgserver.Reachable(ctx, filepath.Join(closed, "data")); err != nil || ok {
		t.Errorf("Reachable(a folder in one closed to others, like /root) = %v, %v; want false", ok, err)
	}
}
