package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models/pgserver"
)

// The backup test's instance; its restore serves on the same address.
const addrBackup = "127.0.0.136:0"

// The README's backup and restore commands are the scripts in testdata,
// run here as an operator would: a live Village with a member, a post and
// a photo is backed up, restored into an empty database and data folder,
// and started there after the original is gone. The member logs in, her
// app's token still works, the post is there, and the photo is served
// byte for byte.
func TestTheDocumentedBackupRestoresPostsAccountsAndMedia(t *testing.T) {
	t.Parallel()
	scripts := map[string]string{}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"backup.sh", "restore.sh"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		// What the README shows: from `set -eu` on.
		if !strings.Contains(string(readme), body[strings.Index(body, "set -eu"):]) {
			t.Errorf("README.md does not show testdata/%s as it is; the guide and the tested commands differ", name)
		}
		scripts[name] = must[string](t, "testdata")(filepath.Abs(filepath.Join("testdata", name)))
	}
	bin, err := pgserver.FindBinaries()
	if err != nil {
		t.Fatalf("PostgreSQL's binaries (pg_dump, pg_restore): %v", err)
	}

	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrBackup})
	alice := v.User("alice")
	media := uploadPhoto(t, alice, testenv.PhotoWithMetadata(t, 64, 48, 1))
	st := testenv.PostStatus(t, alice, url.Values{"status": {"our first picnic"}, "media_ids[]": {media.ID}})
	photo := fetchBytes(t, v.BaseURL+must[*url.URL](t, "the photo's URL")(url.Parse(media.URL)).Path)

	backup := t.TempDir()
	run := func(script, databaseURL, dataDir string) {
		t.Helper()
		cmd := exec.Command(script)
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"),
			"DATABASE_URL="+databaseURL, "VILLAGE_DATA_DIR="+dataDir, "BACKUP_DIR="+backup)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", filepath.Base(script), err, out)
		}
	}
	// Backed up while it serves: pg_dump reads one consistent snapshot.
	run(scripts["backup.sh"], v.DatabaseURL, v.DataDir)
	v.Stop()

	restoredDB, restoredData := testenv.DatabaseURL(t), filepath.Join(testenv.DataDir(t), "restored")
	run(scripts["restore.sh"], restoredDB, restoredData)
	// The same domain (the restore replaces the machine), a new database
	// and folder: nothing of the original's is used.
	w := testenv.StartVillage(t, testenv.VillageOptions{Addr: v.Addr, DatabaseURL: restoredDB,
		Env: map[string]string{"VILLAGE_DATA_DIR": restoredData}})

	var got testenv.Status
	if code := alice.Do(http.MethodGet, "/api/v1/statuses/"+st.ID, nil, &got); code != http.StatusOK || !strings.Contains(got.Content, "our first picnic") {
		t.Errorf("the post on the restore, with the token made before the backup: %d %q", code, got.Content)
	}
	w.SignIn("alice") // fails the test unless she can log in
	if restored := fetchBytes(t, w.BaseURL+must[*url.URL](t, "the photo's URL")(url.Parse(media.URL)).Path); !bytes.Equal(restored, photo) {
		t.Errorf("the photo on the restore: %d bytes, differ from the %d served before", len(restored), len(photo))
	}
}

type uploaded struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// uploadPhoto uploads a JPEG through the client API, as an app does.
func uploadPhoto(t *testing.T, c *testenv.Client, jpeg []byte) uploaded {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="file"; filename="picnic.jpg"`)
	hdr.Set("Content-Type", "image/jpeg")
	part, err := mw.CreatePart(hdr)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(jpeg)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.BaseURL+"/api/v2/media", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m uploaded
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode >= 300 || m.ID == "" || m.URL == "" {
		t.Fatalf("upload: %d %+v %v", resp.StatusCode, m, err)
	}
	return m
}

// fetchBytes GETs a URL that must answer 200, returning its body.
func fetchBytes(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || len(b) == 0 {
		t.Fatalf("GET %s: %d, %d bytes, %v", u, resp.StatusCode, len(b), err)
	}
	return b
}
