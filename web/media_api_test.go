package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// multipartBody is a multipart form with text fields and files.
func multipartBody(t *testing.T, fields map[string]string, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, data := range files {
		fw, err := mw.CreateFormFile(k, "IMG_0001.jpg") // what phones call every file
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &body, mw.FormDataContentType()
}

// mediaUser is someone with a token on an avatarSite.
type mediaUser struct {
	s     *avatarSite
	acc   *models.Account
	token string
}

func (s *avatarSite) mediaUser(name string) *mediaUser {
	s.t.Helper()
	acc := s.account(name, "correct horse")
	token, err := models.CreateToken(context.Background(), s.db, acc.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return &mediaUser{s: s, acc: acc, token: token}
}

// send calls the API; body is a form (url.Values), a multipart body made
// by multipartBody (with its content type) or JSON ([]byte).
func (u *mediaUser) send(method, path string, body any, contentType string) *httptest.ResponseRecorder {
	u.s.t.Helper()
	var r *http.Request
	switch b := body.(type) {
	case nil:
		r = httptest.NewRequest(method, path, nil)
	case url.Values:
		r = httptest.NewRequest(method, path, strings.NewReader(b.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case *bytes.Buffer:
		r = httptest.NewRequest(method, path, b)
		r.Header.Set("Content-Type", contentType)
	case []byte:
		r = httptest.NewRequest(method, path, bytes.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+u.token)
	rec := httptest.NewRecorder()
	u.s.e.ServeHTTP(rec, r)
	return rec
}

// upload posts a photo to /api/v2/media.
func (u *mediaUser) upload(data []byte, fields map[string]string) *httptest.ResponseRecorder {
	body, ct := multipartBody(u.s.t, fields, map[string][]byte{"file": data})
	return u.send(http.MethodPost, "/api/v2/media", body, ct)
}

// mediaJSON is what the API answers about an attachment.
type mediaJSON struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         string  `json:"url"`
	PreviewURL  *string `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	Description *string `json:"description"`
	Blurhash    string  `json:"blurhash"`
	Meta        struct {
		Original struct {
			Width  int     `json:"width"`
			Height int     `json:"height"`
			Size   string  `json:"size"`
			Aspect float64 `json:"aspect"`
		} `json:"original"`
		Small struct {
			Width  int `json:"width"`
			Height int `json:"height"`
		} `json:"small"`
		Focus *struct{ X, Y float64 } `json:"focus"`
	} `json:"meta"`
}

// stored counts media rows and the files under the media folder.
func (s *avatarSite) stored() (rows, files int) {
	s.t.Helper()
	if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM media`).Scan(&rows); err != nil {
		s.t.Fatal(err)
	}
	filepath.WalkDir(s.media, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	return rows, files
}

// wantMastodonError checks an answer's status and its {"error": …} shape.
func wantMastodonError(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, says string) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, says) {
		t.Errorf("%s: %d %s, want %d with an error saying %q", what, rec.Code, rec.Body, status, says)
	}
}

func TestMediaUploadRefusalsStoreNothing(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	alice := s.mediaUser("alice")
	tooBig := append(testenv.PhotoWithMetadata(t, 32, 32, 1), make([]byte, models.MaxImageBytes)...)
	tests := []struct {
		name   string
		data   []byte
		fields map[string]string
		status int
		says   string
	}{
		{"an HTML page with a script, named .jpg", testenv.ScriptAsPicture(), nil, 422, "content type is invalid"},
		{"a JPEG header with HTML after it", testenv.Polyglot(), nil, 422, "could not be read"},
		{"a small PNG declaring 20000x20000 pixels", testenv.PNGBomb(20000, 20000), nil, 422, "dimensions are too large"},
		{"a file over the size limit", tooBig, nil, 422, "must be less than 16 MB"},
		{"a body far over the limit", make([]byte, models.MaxImageBytes+1<<20), nil, 413, "Request Entity Too Large"},
		{"a focus off the picture", testenv.PhotoWithMetadata(t, 32, 32, 1), map[string]string{"focus": "2,0"}, 422, "Focus"},
		{"alt text too long", testenv.PhotoWithMetadata(t, 32, 32, 1), map[string]string{"description": strings.Repeat("a", models.MaxMediaDescription+1)}, 422, "Description is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantMastodonError(t, "upload", alice.upload(tt.data, tt.fields), tt.status, tt.says)
			if rows, files := s.stored(); rows != 0 || files != 0 {
				t.Errorf("a refused upload left %d rows and %d files", rows, files)
			}
		})
	}
	wantMastodonError(t, "no file", alice.send(http.MethodPost, "/api/v1/media", url.Values{"description": {"x"}}, ""), 422, "File can't be blank")
}

func TestMediaUploadDescribeAttachAndEdit(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	alice := s.mediaUser("alice")

	rec := alice.upload(testenv.PhotoWithMetadata(t, 1200, 800, 1), map[string]string{"description": "Slide at the park", "focus": "0.5,-0.25"})
	wantStatus(t, "upload", rec, http.StatusOK)
	var up mediaJSON
	decodeInto(t, rec, &up)
	if up.Type != "image" || up.Description == nil || *up.Description != "Slide at the park" || up.Blurhash == "" ||
		up.RemoteURL != nil || up.PreviewURL == nil || up.Meta.Original.Width != 1200 || up.Meta.Original.Size != "1200x800" ||
		up.Meta.Original.Aspect != 1.5 || up.Meta.Small.Width != 640 || up.Meta.Focus == nil || up.Meta.Focus.X != 0.5 {
		t.Errorf("uploaded %s", rec.Body)
	}
	served := alice.send(http.MethodGet, strings.TrimPrefix(up.URL, siteBase), nil, "")
	wantStatus(t, "the file", served, http.StatusOK)
	if h := served.Header(); h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Cache-Control"), "immutable") {
		t.Errorf("file served with %v", h)
	}
	testenv.NoMetadata(t, "the served file", served.Body.Bytes())

	// An app polls GET; it may describe the upload until it is posted.
	wantStatus(t, "GET media", alice.send(http.MethodGet, "/api/v1/media/"+up.ID, nil, ""), http.StatusOK)
	rec = alice.send(http.MethodPut, "/api/v1/media/"+up.ID, url.Values{"description": {"Two kids on the slide"}}, "")
	wantStatus(t, "PUT media", rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "Two kids on the slide") {
		t.Errorf("described: %s", rec.Body)
	}
	bob := s.mediaUser("bob")
	wantStatus(t, "another's GET", bob.send(http.MethodGet, "/api/v1/media/"+up.ID, nil, ""), http.StatusNotFound)

	rec = alice.send(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"Sunny afternoon"}, "media_ids[]": {up.ID}}, "")
	wantStatus(t, "post", rec, http.StatusOK)
	var st struct {
		ID    string      `json:"id"`
		Media []mediaJSON `json:"media_attachments"`
	}
	decodeInto(t, rec, &st)
	if len(st.Media) != 1 || st.Media[0].ID != up.ID || *st.Media[0].Description != "Two kids on the slide" || st.Media[0].URL != up.URL {
		t.Errorf("status attachments %s", rec.Body)
	}
	wantStatus(t, "PUT an attached upload", alice.send(http.MethodPut, "/api/v1/media/"+up.ID, url.Values{"description": {"x"}}, ""), http.StatusNotFound)

	// An edit without media_ids keeps the photo; an empty list removes it.
	rec = alice.send(http.MethodPut, "/api/v1/statuses/"+st.ID, url.Values{"status": {"Sunny afternoon!"}}, "")
	wantStatus(t, "edit the text", rec, http.StatusOK)
	decodeInto(t, rec, &st)
	if len(st.Media) != 1 {
		t.Errorf("an edit of the text lost the photo: %s", rec.Body)
	}
	rec = alice.send(http.MethodPut, "/api/v1/statuses/"+st.ID, []byte(`{"status": "Sunny afternoon!", "media_ids": []}`), "")
	wantStatus(t, "edit away the photo", rec, http.StatusOK)
	decodeInto(t, rec, &st)
	if len(st.Media) != 0 {
		t.Errorf("the photo is still on the post: %s", rec.Body)
	}
	m, err := models.MediaByID(context.Background(), s.db, mustID(t, up.ID))
	if err != nil || m.PostID != nil {
		t.Errorf("the removed photo: %+v, %v; want it unattached (it expires)", m, err)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if err := json.Unmarshal([]byte(s), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAttachingOthersMediaOrTooManyIsRefusedAndPostsNothing(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	alice, bob := s.mediaUser("alice"), s.mediaUser("bob")
	var ids []string
	for range models.MaxMediaAttachments + 1 {
		var m mediaJSON
		decodeInto(t, alice.upload(testenv.PhotoWithMetadata(t, 40, 30, 1), nil), &m)
		ids = append(ids, m.ID)
	}
	var bobs mediaJSON
	decodeInto(t, bob.upload(testenv.PhotoWithMetadata(t, 40, 30, 1), nil), &bobs)

	tests := []struct {
		name string
		ids  []string
		says string
	}{
		{"someone else's upload", []string{ids[0], bobs.ID}, "attach your own uploads"},
		{"more photos than a post takes", ids, "Cannot attach more than 4 files"},
		{"the same upload twice", []string{ids[0], ids[0]}, "attach your own uploads"},
		{"an upload that does not exist", []string{"999999"}, "attach your own uploads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := alice.send(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"look"}, "media_ids[]": tt.ids}, "")
			wantMastodonError(t, "post", rec, http.StatusUnprocessableEntity, tt.says)
			var posts, attached int
			s.db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM media WHERE post_id IS NOT NULL)`).Scan(&posts, &attached)
			if posts != 0 || attached != 0 {
				t.Errorf("a refused post left %d posts and %d attached photos", posts, attached)
			}
		})
	}
	// Bob's photo on alice's post is refused on an edit too.
	var st struct{ ID string }
	decodeInto(t, alice.send(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"hello"}, "media_ids[]": {ids[1]}}, ""), &st)
	rec := alice.send(http.MethodPut, "/api/v1/statuses/"+st.ID, url.Values{"status": {"hello"}, "media_ids[]": {ids[1], bobs.ID}}, "")
	wantMastodonError(t, "edit", rec, http.StatusUnprocessableEntity, "attach your own uploads")
	if p := s.postByAPIID(st.ID); len(p.Attachments) != 1 || p.Attachments[0].MediaID != mustID(t, ids[1]) {
		t.Errorf("a refused edit changed the photos: %+v", p.Attachments)
	}
}

func (s *avatarSite) postByAPIID(id string) *models.Post {
	s.t.Helper()
	p, err := models.PostByID(context.Background(), s.db, mustID(s.t, id))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func TestBodyLimitIsLargeForUploadsOnly(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	alice := s.mediaUser("alice")
	big := url.Values{"status": {strings.Repeat("a", 2<<20)}}
	wantStatus(t, "a 2 MB status", alice.send(http.MethodPost, "/api/v1/statuses", big, ""), http.StatusRequestEntityTooLarge)
	photo := append(testenv.PhotoWithMetadata(t, 64, 64, 1), make([]byte, 2<<20)...) // a JPEG, then padding
	wantStatus(t, "a 2 MB photo", alice.upload(photo, nil), http.StatusOK)
}
