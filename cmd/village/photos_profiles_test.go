package main

// Photos and profiles through a Mastodon client library written by others
// (mattn/go-mastodon), between two real instances: a member logs in
// through the OAuth forms, uploads a phone photo carrying a GPS position
// with alt text, posts it, and edits her profile; what is served carries
// no metadata, and a follower on the second instance sees the photo, its
// alt text, and the new profile. Refused uploads store nothing.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrPhotosA = "127.0.0.104:0"
	addrPhotosB = "127.0.0.105:0"
)

// gpsRationals are the bytes of the GPS latitude phoneJPEG writes
// (51°30'26.46"), as the little-endian rationals of its TIFF: no stored
// file may contain them.
var gpsRationals = func() []byte {
	var b bytes.Buffer
	for _, r := range []uint32{51, 1, 30, 1, 2646, 100} {
		binary.Write(&b, binary.LittleEndian, r)
	}
	return b.Bytes()
}()

// phoneJPEG is a w×h JPEG as a phone writes it: right after SOI, an APP1
// segment "Exif\0\0" holding a little-endian TIFF whose IFD0 points at a
// GPS IFD with a latitude and a longitude. Written byte by byte here, so
// that the test says exactly what it sends.
func phoneJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), 140, uint8(y * 255 / h), 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var tiff bytes.Buffer
	put := func(v any) { binary.Write(&tiff, le, v) }
	entry := func(tag, typ uint16, count, value uint32) { put(tag); put(typ); put(count); put(value) }
	const ifd0 = 8
	const gpsIFD = ifd0 + 2 + 12*1 + 4 // IFD0 has one entry
	const values = gpsIFD + 2 + 12*4 + 4
	tiff.WriteString("II*\x00")
	put(uint32(ifd0))
	put(uint16(1))
	entry(0x8825, 4, 1, gpsIFD) // GPSInfo
	put(uint32(0))
	put(uint16(4))
	entry(0x0001, 2, 2, 'N')       // GPSLatitudeRef
	entry(0x0002, 5, 3, values)    // GPSLatitude: three rationals
	entry(0x0003, 2, 2, 'W')       // GPSLongitudeRef
	entry(0x0004, 5, 3, values+24) // GPSLongitude
	put(uint32(0))
	tiff.Write(gpsRationals)
	for _, r := range []uint32{0, 1, 7, 1, 3924, 100} { // 0°7'39.24"
		put(r)
	}
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	app1 := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	out := append(append(append([]byte{}, plain.Bytes()[:2]...), app1...), plain.Bytes()[2:]...)
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the phone photo does not decode: %v", err)
	}
	if !bytes.Contains(out, gpsRationals) || !bytes.Contains(out, []byte("Exif\x00\x00")) {
		t.Fatal("the phone photo lacks its GPS position")
	}
	return out
}

// wantNoMetadata fails when a served picture keeps the EXIF header, the
// GPS bytes, or any APP1 segment (EXIF, XMP).
func wantNoMetadata(t *testing.T, what string, data []byte) {
	t.Helper()
	if bytes.Contains(data, []byte("Exif")) || bytes.Contains(data, gpsRationals) {
		t.Errorf("%s keeps the EXIF header or the GPS position", what)
	}
	for i := 2; i+4 <= len(data) && data[i] == 0xFF && data[i+1] != 0xDA; i += 2 + int(binary.BigEndian.Uint16(data[i+2:])) {
		if data[i+1] == 0xE1 {
			t.Errorf("%s has an APP1 segment at %d", what, i)
		}
	}
}

// getPicture GETs u with no credentials, as an app loads a picture.
func getPicture(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// mediaStored counts an instance's media rows and the files in its media folder.
func mediaStored(t *testing.T, v *testenv.Village) (rows, files int) {
	t.Helper()
	conn := v.DB()
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM media`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(filepath.Join(v.DataDir, "media"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	return rows, files
}

// logInWithApp registers an app and logs name in through the instance's
// OAuth forms, as an app does.
func logInWithApp(t *testing.T, ctx context.Context, v *testenv.Village, name string) *mastodon.Client {
	t.Helper()
	app := must[*mastodon.Application](t, "register")(mastodon.RegisterApp(ctx, &mastodon.AppConfig{Server: v.BaseURL,
		ClientName: "Photos app", Scopes: "read write follow", RedirectURIs: "urn:ietf:wg:oauth:2.0:oob"}))
	code := testenv.NewOAuthBrowser(t).Authorize(app.AuthURI, name, "password-"+name)
	client := mastodon.NewClient(&mastodon.Config{Server: v.BaseURL, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	client.Timeout = 30 * time.Second
	if err := client.AuthenticateToken(ctx, code, app.RedirectURI); err != nil {
		t.Fatalf("AuthenticateToken: %v", err)
	}
	return client
}

func TestAMastodonAppPostsAPhotoWithoutItsGPSAndEditsTheProfileSeenOnAnotherInstance(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPhotosA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrPhotosB})
	a.Admin("admin", "user", "create", "alice", "--password", "password-alice")
	bea := b.User("bea")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	app := logInWithApp(t, ctx, a, "alice")
	beaApp, _ := mastodonClient(t, bea)
	hostA := strings.TrimPrefix(a.BaseURL, "http://")

	aliceOnB := testenv.Resolve(t, bea, "@alice@"+hostA)
	bea.Post("/api/v1/accounts/"+aliceOnB.ID+"/follow", nil, nil)
	testenv.Eventually(t, 60*time.Second, "bea following alice", func() bool { return testenv.RelationshipOf(t, bea, aliceOnB.ID).Following })

	const alt = "Two children on the red slide at the park"
	photo := phoneJPEG(t, 900, 600)
	att := must[*mastodon.Attachment](t, "UploadMedia")(app.UploadMediaFromMedia(ctx,
		&mastodon.Media{File: bytes.NewReader(photo), Description: alt, Focus: "0.25,-0.5"}))
	if att.Type != "image" || att.Description != alt || att.BlurHash == "" || att.PreviewURL == "" ||
		att.Meta.Original.Width != 900 || att.Meta.Original.Height != 600 || att.Meta.Original.Aspect != 1.5 ||
		att.Meta.Small.Width == 0 || att.Meta.Focus.X != 0.25 || att.Meta.Focus.Y != -0.5 {
		t.Errorf("uploaded attachment %+v", att)
	}
	st := must[*mastodon.Status](t, "PostStatus")(app.PostStatus(ctx, &mastodon.Toot{Status: "Sunny afternoon", MediaIDs: []mastodon.ID{att.ID}}))
	if len(st.MediaAttachments) != 1 || st.MediaAttachments[0].ID != att.ID || st.MediaAttachments[0].Description != alt {
		t.Fatalf("posted status attachments %+v", st.MediaAttachments)
	}

	t.Run("the served picture and preview carry no EXIF or GPS", func(t *testing.T) {
		for what, u := range map[string]string{"picture": st.MediaAttachments[0].URL, "preview": st.MediaAttachments[0].PreviewURL} {
			resp, body := getPicture(t, u)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("%s %s: %d %v", what, u, resp.StatusCode, resp.Header)
			}
			if _, err := jpeg.Decode(bytes.NewReader(body)); err != nil {
				t.Errorf("%s is not a JPEG: %v", what, err)
			}
			wantNoMetadata(t, what, body)
		}
	})

	t.Run("the follower's instance shows the photo with its alt text", func(t *testing.T) {
		var seen *mastodon.Status
		testenv.Eventually(t, 60*time.Second, "alice's photo post on B", func() bool {
			for _, s := range must[[]*mastodon.Status](t, "home")(beaApp.GetTimelineHome(ctx, nil)) {
				if strings.Contains(s.Content, "Sunny afternoon") {
					seen = s
					return true
				}
			}
			return false
		})
		if len(seen.MediaAttachments) != 1 {
			t.Fatalf("on B: %d attachments", len(seen.MediaAttachments))
		}
		m := seen.MediaAttachments[0]
		if m.Type != "image" || m.Description != alt || m.RemoteURL != st.MediaAttachments[0].URL || m.BlurHash != att.BlurHash ||
			m.Meta.Original.Width != 900 {
			t.Errorf("on B: %+v", m)
		}
		resp, body := getPicture(t, m.URL)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("B's link to the photo: %d", resp.StatusCode)
		}
		wantNoMetadata(t, "the photo fetched from B's link", body)
	})

	t.Run("a profile edit reaches the follower's instance", func(t *testing.T) {
		name, note := "Alice Park", "Mother of two, Park Slope"
		fields := []mastodon.Field{{Name: "Kids", Value: "Two, 3 and 5"}, {Name: "Pronouns", Value: "she/her"}}
		me := must[*mastodon.Account](t, "AccountUpdate")(app.AccountUpdate(ctx, &mastodon.Profile{
			DisplayName: &name, Note: &note, Fields: &fields}))
		if me.DisplayName != name || len(me.Fields) != 2 || me.Fields[1].Value != "she/her" || !strings.Contains(me.Note, "Mother of two") {
			t.Errorf("updated account %+v", me)
		}
		cur := must[*mastodon.Account](t, "verify_credentials")(app.GetAccountCurrentUser(ctx))
		if cur.Source == nil || cur.Source.Note == nil || *cur.Source.Note != note || cur.Source.Fields == nil || len(*cur.Source.Fields) != 2 ||
			cur.Source.Privacy == nil || *cur.Source.Privacy != "public" {
			t.Errorf("verify_credentials source %+v", cur.Source)
		}
		testenv.Eventually(t, 60*time.Second, "the new profile on B", func() bool {
			acc := must[*mastodon.Account](t, "account on B")(beaApp.GetAccount(ctx, mastodon.ID(aliceOnB.ID)))
			return acc.DisplayName == name && len(acc.Fields) == 2 && acc.Fields[0].Name == "Kids" && strings.Contains(acc.Note, "Mother of two")
		})
	})

	t.Run("refused uploads answer Mastodon's error and store nothing", func(t *testing.T) {
		rows, files := mediaStored(t, a)
		tooBig := append(phoneJPEG(t, 64, 64), make([]byte, 17<<20)...)
		_, err := app.UploadMediaFromMedia(ctx, &mastodon.Media{File: bytes.NewReader(tooBig)})
		var apiErr *mastodon.APIError
		if !errors.As(err, &apiErr) || (apiErr.StatusCode != http.StatusRequestEntityTooLarge && apiErr.StatusCode != http.StatusUnprocessableEntity) {
			t.Errorf("an upload over 16 MB: %v", err)
		}
		// A script saved as photo.jpg, sent as image/jpeg.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="file"; filename="photo.jpg"`)
		hdr.Set("Content-Type", "image/jpeg")
		part, _ := mw.CreatePart(hdr)
		part.Write([]byte("<html><script>fetch('/api/v1/accounts/verify_credentials')</script></html>"))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, a.BaseURL+"/api/v2/media", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+app.Config.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(answer, []byte(`"error":`)) {
			t.Errorf("a script named photo.jpg: %d %s", resp.StatusCode, answer)
		}
		if r, f := mediaStored(t, a); r != rows || f != files {
			t.Errorf("refused uploads left rows %d→%d, files %d→%d", rows, r, files, f)
		}
	})
}
