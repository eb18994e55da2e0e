package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A pasted address is fetched asking for ActivityPub first and a page
// second; a JSON answer comes back whatever id it names, a page gives its
// ActivityPub alternate (relative ones resolved), and a page without one,
// or an answer of neither kind, is refused.
func TestGetPastedReadsDocumentsAndAlternateLinks(t *testing.T) {
	t.Parallel()
	pages := map[string]string{
		"/alternate": `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/s.css"><link rel="alternate" type="application/rss+xml" href="/feed">
<link rel="Alternate nofollow" type="application/activity+json" href="https://example.social/objects/1"></head><body></body></html>`,
		"/relative":    `<html><head><link rel="alternate" type='application/ld+json; profile="https://www.w3.org/ns/activitystreams"' href="/objects/2"></head></html>`,
		"/none":        `<html><head><title>no alternate</title></head><body><link rel="alternate" type="application/activity+json" href="/late"></body></html>`,
		"/in-the-body": `<html><body><p>text</p></body></html>`,
	}
	var accepts []string
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accepts = append(accepts, r.Header.Get("Accept"))
		switch r.URL.Path {
		case "/json-other-id":
			writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "id": "https://example.social/objects/3", "type": "Note"})
		case "/plain-json":
			writeDoc(w, "application/json", map[string]any{"id": selfURL(r)})
		default:
			page, ok := pages[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, page)
		}
	}))
	c := New(Options{AllowPrivate: loopbackOnly()})
	tests := []struct {
		path      string
		wantID    string // the document's id, when JSON
		wantAlt   string
		wantError error
	}{
		{path: "/json-other-id", wantID: "https://example.social/objects/3"},
		{path: "/alternate", wantAlt: "https://example.social/objects/1"},
		{path: "/relative", wantAlt: srv.URL + "/objects/2"},
		{path: "/none", wantError: ErrContentType},
		{path: "/in-the-body", wantError: ErrContentType},
		{path: "/plain-json", wantError: ErrContentType},
		{path: "/missing", wantError: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
			got, err := c.GetPasted(context.Background(), srv.URL+tt.path)
			if tt.wantError != nil {
				if !errors.Is(err, tt.wantError) {
					t.Fatalf("err = %v, want %v", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			id := ""
			if got.Document != nil {
				id = fmt.Sprint(got.Document.Object["id"])
			}
			if id != tt.wantID || got.Alternate != tt.wantAlt {
				t.Errorf("got id %q alternate %q, want %q %q", id, got.Alternate, tt.wantID, tt.wantAlt)
			}
		})
	}
	if len(accepts) == 0 || accepts[0] != PageAccept {
		t.Errorf("Accept sent: %q, want %q", accepts, PageAccept)
	}
}
