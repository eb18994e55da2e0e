package federation

import (
	"testing"
)

// Remote attachments are shown, never trusted: each is kept only with an
// http(s) address, and what it says of itself (type, size, focal point,
// blurhash) only when it is sensible.
func TestPostFromObjectReadsAttachmentsWithoutTrustingThem(t *testing.T) {
	note := func(attachments ...any) Object {
		return Object{"id": "https://social.example/notes/1", "type": "Note", "attributedTo": "https://social.example/users/rosa",
			"content": "<p>hi</p>", "attachment": attachments}
	}
	tests := []struct {
		name       string
		attachment map[string]any
		keep       bool
		check      func(t *testing.T, got IncomingPost)
	}{
		{"a Mastodon Document is read whole", map[string]any{"type": "Document", "mediaType": "image/jpeg",
			"url": "https://files.social.example/a.jpg", "name": "Two kids on a slide", "blurhash": "UFHLk~00~q%M",
			"focalPoint": []any{0.5, -0.25}, "width": 1200.0, "height": 800.0}, true, func(t *testing.T, got IncomingPost) {
			a := got.Post.Attachments[0]
			if a.URL != "https://files.social.example/a.jpg" || a.MediaType != "image/jpeg" || a.Name != "Two kids on a slide" ||
				a.Blurhash != "UFHLk~00~q%M" || a.Width != 1200 || a.Height != 800 || a.Focus == nil || a.Focus[0] != 0.5 || a.Focus[1] != -0.25 {
				t.Errorf("read %+v", a)
			}
		}},
		{"an image whose url is javascript: is dropped", map[string]any{"type": "Image", "mediaType": "image/png",
			"url": "javascript:alert(document.cookie)", "name": "cute"}, false, nil},
		{"a data: url is dropped", map[string]any{"type": "Image", "mediaType": "image/png",
			"url": "data:text/html,<script>alert(1)</script>"}, false, nil},
		{"a file: url is dropped", map[string]any{"type": "Document", "mediaType": "image/jpeg", "url": "file:///etc/passwd"}, false, nil},
		{"a Lemmy Link with href is kept", map[string]any{"type": "Link", "href": "https://lemmy.example/pictrs/image/x.png"}, true,
			func(t *testing.T, got IncomingPost) {
				if got.Post.Attachments[0].URL != "https://lemmy.example/pictrs/image/x.png" {
					t.Errorf("read %+v", got.Post.Attachments[0])
				}
			}},
		{"nonsense sizes, focus and blurhash are left out", map[string]any{"type": "Document", "mediaType": "image/jpeg",
			"url": "https://files.social.example/b.jpg", "blurhash": "<script>", "focalPoint": []any{7.0, 0.0},
			"width": -3.0, "height": 1e9}, true, func(t *testing.T, got IncomingPost) {
			a := got.Post.Attachments[0]
			if a.Blurhash != "" || a.Focus != nil || a.Width != 0 || a.Height != 0 {
				t.Errorf("kept nonsense: %+v", a)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PostFromObject(note(tt.attachment))
			if err != nil {
				t.Fatal(err)
			}
			if kept := len(got.Post.Attachments) == 1; kept != tt.keep {
				t.Fatalf("kept %v (%+v), want %v", kept, got.Post.Attachments, tt.keep)
			}
			if tt.check != nil {
				tt.check(t, *got)
			}
		})
	}
}
