package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Store keeps media files under keys such as "photos/<64 hex>.jpg". It is
// the one seam between Village and where the bytes live: a folder today
// (Folder), object storage when one instance runs on several machines.
type Store interface {
	// Put stores body under a key not used before.
	Put(ctx context.Context, key string, body []byte) error
	// Open reads a file; an error wrapping os.ErrNotExist when there is none.
	Open(ctx context.Context, key string) (File, error)
	// Delete removes a file; removing one that is gone is no error.
	Delete(ctx context.Context, key string) error
}

// File is a stored file being read.
type File interface {
	io.ReadSeekCloser
	ModTime() time.Time
}

// Folders of the store, one per kind of picture.
const (
	PhotosFolder  = "photos"
	AvatarsFolder = "avatars"
	HeadersFolder = "headers"
)

// keyRE is what a key may be: a folder of ours and a name of hex digits
// (32 in avatars made before photos, 64 since).
var keyRE = regexp.MustCompile(`^(photos|avatars|headers)/[0-9a-f]{32}([0-9a-f]{32})?\.(jpg|png)$`)

// ValidKey reports whether key names a file Village could have stored.
func ValidKey(key string) bool { return keyRE.MatchString(key) }

// newKey is a fresh key in folder: 256 random bits, so that knowing a
// file's address is the permission to fetch it (members-only photos).
func newKey(folder, ext string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("media: random name: %w", err)
	}
	return folder + "/" + hex.EncodeToString(b[:]) + ext, nil
}

// Folder is a Store in a local folder ($VILLAGE_DATA_DIR/media).
type Folder struct{ dir string }

// NewFolder returns the Store kept in dir, created when first written.
func NewFolder(dir string) *Folder { return &Folder{dir: dir} }

func (f *Folder) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("media: invalid key %q", key)
	}
	return filepath.Join(f.dir, filepath.FromSlash(key)), nil
}

// Put writes body to a temporary file and renames it into place, so that
// nobody ever reads half a file.
func (f *Folder) Put(_ context.Context, key string, body []byte) error {
	path, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("media: folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	_, err = tmp.Write(body)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	return nil
}

// Open opens a stored file.
func (f *Folder) Open(_ context.Context, key string) (File, error) {
	path, err := f.path(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", os.ErrNotExist, err)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	return folderFile{File: file, mod: st.ModTime()}, nil
}

// Delete removes a stored file.
func (f *Folder) Delete(_ context.Context, key string) error {
	path, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

type folderFile struct {
	*os.File
	mod time.Time
}

func (f folderFile) ModTime() time.Time { return f.mod }
