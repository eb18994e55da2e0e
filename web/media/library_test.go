package media_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/media"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// libraryOf is a Library on a fresh database and folder, with a person to
// upload.
func libraryOf(t *testing.T) (*media.Library, *testenv.Fixtures, string) {
	t.Helper()
	f := testenv.NewFixtures(t)
	dir := t.TempDir()
	return media.NewLibrary(f.DB, media.NewFolder(dir), f.URLs, testenv.Logger(t)), f, dir
}

// files lists the files under dir, by their path below it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countMedia(t *testing.T, f *testenv.Fixtures) int {
	t.Helper()
	var n int
	if err := f.DB.QueryRow(context.Background(), `SELECT count(*) FROM media`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSavePhotoStoresThePictureAndPreviewWithoutMetadata(t *testing.T) {
	t.Parallel()
	lib, f, dir := libraryOf(t)
	alice := f.Person(t, "alice")
	m, err := lib.SavePhoto(context.Background(), alice.ID, testenv.PhotoWithMetadata(t, 900, 600, 1), " Two kids on a slide ", media.Focus{X: 0.25, Y: -0.5})
	if err != nil {
		t.Fatal(err)
	}
	if m.Description != "Two kids on a slide" || m.FocusX != 0.25 || m.FocusY != -0.5 || m.PostID != nil {
		t.Errorf("stored %+v", m)
	}
	if len(m.FileKey) != len("photos/")+64+len(".jpg") {
		t.Errorf("file key %q: want 64 random hex digits, the capability to fetch it", m.FileKey)
	}
	for _, key := range []string{m.FileKey, m.PreviewKey} {
		file, err := lib.Store().Open(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(file)
		file.Close()
		if err != nil {
			t.Fatal(err)
		}
		testenv.NoMetadata(t, key, body)
	}
	if got := files(t, dir); len(got) != 2 {
		t.Errorf("files %v, want the picture and its preview (the original is never kept)", got)
	}
}

func TestSavePhotoLeavesNothingWhenRefused(t *testing.T) {
	t.Parallel()
	lib, f, dir := libraryOf(t)
	alice := f.Person(t, "alice")
	for name, data := range map[string][]byte{
		"script":   testenv.ScriptAsPicture(),
		"polyglot": testenv.Polyglot(),
		"bomb":     testenv.PNGBomb(30000, 30000),
	} {
		if _, err := lib.SavePhoto(context.Background(), alice.ID, data, "", media.Focus{}); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	long := make([]rune, models.MaxMediaDescription+1)
	for i := range long {
		long[i] = 'é'
	}
	if _, err := lib.SavePhoto(context.Background(), alice.ID, testenv.PhotoWithMetadata(t, 20, 20, 1), string(long), media.Focus{}); !errors.Is(err, media.ErrDescriptionTooLong) {
		t.Errorf("an alt text too long: %v", err)
	}
	if got := files(t, dir); len(got) != 0 || countMedia(t, f) != 0 {
		t.Errorf("refused uploads left files %v and %d rows", got, countMedia(t, f))
	}
}

func TestFolderRefusesKeysOutsideItsFolders(t *testing.T) {
	t.Parallel()
	store := media.NewFolder(t.TempDir())
	for _, key := range []string{"../etc/passwd", "photos/../../x.jpg", "photos/abc.jpg", "videos/" + hex64 + ".jpg", "photos/" + hex64 + ".svg"} {
		if err := store.Put(context.Background(), key, []byte("x")); err == nil {
			t.Errorf("Put(%q) succeeded", key)
		}
		if _, err := store.Open(context.Background(), key); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want not found", key, err)
		}
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestCleanupRemovesOldUnattachedUploadsAndThoseOfDeletedPosts(t *testing.T) {
	t.Parallel()
	lib, f, dir := libraryOf(t)
	ctx := context.Background()
	alice := f.Person(t, "alice")
	save := func() *models.Media {
		m, err := lib.SavePhoto(ctx, alice.ID, testenv.PhotoWithMetadata(t, 30, 20, 1), "", media.Focus{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	post := func(deleted bool) int64 {
		p := &models.Post{URI: f.RemoteID(alice, "post"), AuthorID: alice.ID, Type: "Note", Local: true,
			Visibility: models.VisibilityPublicPost, Content: "<p>park</p>"}
		if _, err := models.InsertPost(ctx, f.DB, p); err != nil {
			t.Fatal(err)
		}
		if deleted {
			if _, err := models.TombstonePost(ctx, f.DB, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		return p.ID
	}
	attach := func(m *models.Media, postID int64) {
		if _, err := f.DB.Exec(ctx, `UPDATE media SET post_id = $2 WHERE id = $1`, m.ID, postID); err != nil {
			t.Fatal(err)
		}
	}
	old, fresh, posted, ofDeleted := save(), save(), save(), save()
	attach(posted, post(false))
	attach(ofDeleted, post(true))
	now := time.Now()
	for _, m := range []*models.Media{old, posted, ofDeleted} { // all uploaded two days ago
		if _, err := f.DB.Exec(ctx, `UPDATE media SET created_at = $2 WHERE id = $1`, m.ID, now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}

	n, err := lib.Cleanup(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("removed %d files, want 4 (two uploads, each a picture and a preview)", n)
	}
	for _, tt := range []struct {
		m    *models.Media
		kept bool
	}{{old, false}, {fresh, true}, {posted, true}, {ofDeleted, false}} {
		_, err := models.MediaByID(ctx, f.DB, tt.m.ID)
		_, statErr := os.Stat(filepath.Join(dir, filepath.FromSlash(tt.m.FileKey)))
		if kept := err == nil && statErr == nil; kept != tt.kept {
			t.Errorf("upload %d (created %s, post %v): kept %v, want %v (row: %v, file: %v)",
				tt.m.ID, tt.m.CreatedAt.Format(time.Kitchen), tt.m.PostID, kept, tt.kept, err, statErr)
		}
	}
	if n, err := lib.Cleanup(ctx, now); err != nil || n != 0 {
		t.Errorf("a second cleanup removed %d, %v", n, err)
	}
}
