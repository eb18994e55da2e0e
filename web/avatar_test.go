package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // avatars with transparency are stored as PNG
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// avatarSite is a site with a media folder and an outbox whose deliveries
// are only recorded.
type avatarSite struct {
	*site
	media string
	mu    sync.Mutex
	queue []string // inboxes deliveries were queued to
}

func newAvatarSite(t *testing.T) *avatarSite {
	t.Helper()
	pool := testenv.DB(t)
	if err := models.SetSignupMode(context.Background(), pool, models.SignupOpen); err != nil {
		t.Fatal(err)
	}
	as := &avatarSite{media: t.TempDir()}
	enqueue := func(_ context.Context, _ pgx.Tx, _ int64, inboxes []string) error {
		as.mu.Lock()
		defer as.mu.Unlock()
		as.queue = append(as.queue, inboxes...)
		return nil
	}
	urls := federation.NewURLs(siteBase)
	clock := &testClock{now: time.Now()}
	e := web.New(web.Options{DB: pool, URLs: urls, Clock: clock.Now, MediaDir: as.media,
		Outbox: outbox.New(pool, urls, enqueue, nil)})
	as.site = &site{t: t, e: e, db: pool, clock: clock}
	return as
}

// upload posts the avatar form as a browser does: multipart, with the
// page's token unless csrf is false.
func (b *browser) upload(filename string, content []byte, csrf bool) *httptest.ResponseRecorder {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf {
		mw.WriteField("csrf", b.csrf("/settings"))
	}
	fw, err := mw.CreateFormFile("avatar", filename)
	if err != nil {
		b.s.t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/settings/avatar", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", siteBase)
	return b.do(req)
}

// photoWithGPS is a 600x300 JPEG carrying an EXIF APP1 segment with GPS
// tags, as phones write them.
func photoWithGPS(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 600, 300))
	for y := range 300 {
		for x := range 600 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	payload := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" +
		"GPSLatitudeRef N GPSLatitude 40.6782 GPSLongitudeRef W GPSLongitude 73.9442 GPSInfo")
	n := len(payload) + 2
	seg := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	jpg := buf.Bytes()
	out := append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
	if !bytes.Contains(out, []byte("Exif")) {
		t.Fatal("no EXIF in the test photo")
	}
	if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("test photo does not decode: %v", err)
	}
	return out
}

func (s *site) iconURL(name string) string {
	s.t.Helper()
	a, err := models.LocalActorByName(context.Background(), s.db, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return a.IconURL
}

func TestAvatarUploadDropsMetadataShrinksAndIsServed(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse"), http.StatusSeeOther)

	rec := b.upload("IMG_0001.jpg", photoWithGPS(t), true)
	wantStatus(t, "upload", rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/settings?saved=avatar" {
		t.Errorf("redirect to %q", loc)
	}
	icon := s.iconURL("sam")
	name, ok := strings.CutPrefix(icon, siteBase+"/media/avatars/")
	if !ok {
		t.Fatalf("icon_url %q", icon)
	}
	stored, err := os.ReadFile(filepath.Join(s.media, "avatars", name))
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"Exif", "GPS"} {
		if bytes.Contains(stored, []byte(leak)) {
			t.Errorf("stored avatar still has %q", leak)
		}
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 400 || cfg.Height != 200 {
		t.Errorf("stored avatar is %dx%d, want 400x200", cfg.Width, cfg.Height)
	}

	// The actor document shows it.
	req := httptest.NewRequest(http.MethodGet, "/users/sam", nil)
	req.Header.Set("Accept", "application/activity+json")
	doc := httptest.NewRecorder()
	s.e.ServeHTTP(doc, req)
	wantStatus(t, "actor document", doc, http.StatusOK)
	var actor struct {
		Icon struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"icon"`
	}
	if err := json.Unmarshal(doc.Body.Bytes(), &actor); err != nil {
		t.Fatal(err)
	}
	if actor.Icon.URL != icon || actor.Icon.Type != "Image" {
		t.Errorf("actor icon %+v, want %s", actor.Icon, icon)
	}

	// And its URL serves it.
	got := b.get(strings.TrimPrefix(icon, siteBase))
	wantStatus(t, "GET avatar", got, http.StatusOK)
	if !bytes.Equal(got.Body.Bytes(), stored) {
		t.Error("served avatar differs from the stored one")
	}
	h := got.Header()
	if ct := h.Get("Content-Type"); ct != "image/jpeg" && ct != "image/png" {
		t.Errorf("Content-Type %q", ct)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Cache-Control"), "public") {
		t.Errorf("headers %v", h)
	}
	if !strings.Contains(b.get("/settings").Body.String(), `src="`+icon+`"`) {
		t.Error("settings page does not show the current picture")
	}

	// A new picture replaces the old file.
	wantStatus(t, "second upload", b.upload("again.jpg", photoWithGPS(t), true), http.StatusSeeOther)
	if _, err := os.Stat(filepath.Join(s.media, "avatars", name)); !os.IsNotExist(err) {
		t.Errorf("old avatar still there: %v", err)
	}
	if s.iconURL("sam") == icon {
		t.Error("icon_url unchanged by the second upload")
	}

	for _, bad := range []string{"/media/avatars/../../etc/passwd", "/media/avatars/abc.png", "/media/avatars/" + strings.Repeat("a", 32) + ".svg"} {
		wantStatus(t, bad, b.get(bad), http.StatusNotFound)
	}
}

func TestAvatarUploadRefusesWhatIsNotAPictureOrTooLarge(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse"), http.StatusSeeOther)

	rec := b.upload("notes.png", []byte("Pick up the kids at 3.\nBring snacks.\n"), true)
	wantStatus(t, "text renamed .png", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), "not a JPEG, PNG, WebP or GIF") {
		t.Errorf("no message for a text file:\n%s", rec.Body)
	}

	// A picture declaring more pixels than models.MaxImagePixels is refused
	// before its pixels are read.
	rec = b.upload("bomb.png", testenv.PNGBomb(20_000, 20_000), true)
	wantStatus(t, "400 megapixels", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), "megapixels") {
		t.Errorf("no message for an oversized image:\n%s", rec.Body)
	}

	wantStatus(t, "9 MB", b.upload("big.jpg", bytes.Repeat([]byte{0xFF}, 9<<20), true), http.StatusRequestEntityTooLarge)
	if s.iconURL("sam") != "" {
		t.Error("a refused upload set the icon")
	}
	if entries, _ := os.ReadDir(filepath.Join(s.media, "avatars")); len(entries) != 0 {
		t.Errorf("refused uploads left %d files", len(entries))
	}
}

func TestAvatarUploadWithoutCSRFTokenIsForbidden(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	wantStatus(t, "no token", b.upload("me.jpg", photoWithGPS(t), false), http.StatusForbidden)
	if s.iconURL("sam") != "" {
		t.Error("icon set without a token")
	}
	wantStatus(t, "signed out, no token", s.browser().upload("me.jpg", photoWithGPS(t), false), http.StatusForbidden)
}

func TestAvatarBodyLimitIsForTheUploadOnly(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	big := map[string][]string{"display_name": {"Sam"}, "bio": {strings.Repeat("x", 2<<20)}}
	wantStatus(t, "2 MB profile form", b.submit("/settings", "/settings/profile", big), http.StatusRequestEntityTooLarge)
}

func TestAvatarAndProfileSaveSendUpdatePersonToRemoteFollowers(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	ctx := context.Background()
	acc := s.account("sam", "correct horse")
	pub, _, err := models.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	bob, err := models.UpsertRemoteActor(ctx, s.db, &models.Actor{Type: models.ActorPerson, Username: "bob",
		Domain: "remote.example", URI: "https://remote.example/users/bob", InboxURL: "https://remote.example/users/bob/inbox",
		SharedInboxURL: "https://remote.example/inbox", PublicKeyPEM: pub})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PutFollow(ctx, s.db, bob.ID, acc.Actor.ID, "https://remote.example/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	wantStatus(t, "upload", b.upload("me.jpg", photoWithGPS(t), true), http.StatusSeeOther)

	var typ string
	var body []byte
	if err := s.db.QueryRow(ctx, `SELECT type, body FROM activities WHERE actor_id = $1 ORDER BY id DESC LIMIT 1`,
		acc.Actor.ID).Scan(&typ, &body); err != nil {
		t.Fatal(err)
	}
	var update struct {
		Type   string `json:"type"`
		Actor  string `json:"actor"`
		Object struct {
			ID   string `json:"id"`
			Type string `json:"type"`
			Icon struct {
				URL string `json:"url"`
			} `json:"icon"`
		} `json:"object"`
	}
	if err := json.Unmarshal(body, &update); err != nil {
		t.Fatal(err)
	}
	actorURI := siteBase + "/users/sam"
	if typ != "Update" || update.Type != "Update" || update.Actor != actorURI || update.Object.Type != "Person" ||
		update.Object.ID != actorURI || update.Object.Icon.URL != s.iconURL("sam") {
		t.Errorf("activity %s: %s", typ, body)
	}
	s.mu.Lock()
	queued := append([]string(nil), s.queue...)
	s.mu.Unlock()
	if len(queued) != 1 || queued[0] != "https://remote.example/inbox" {
		t.Errorf("deliveries queued to %v", queued)
	}

	// Saving the profile form federates too.
	wantStatus(t, "profile", b.submit("/settings", "/settings/profile", map[string][]string{"display_name": {"Sam B"}, "bio": {"Hi"}}), http.StatusSeeOther)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM activities WHERE actor_id = $1 AND type = 'Update'
		AND body->'object'->>'name' = 'Sam B'`, acc.Actor.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d Update activities with the new name, want 1", n)
	}
}
