package fetch

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/village-social/village/federation/jsonguard"
)

// hostileShapes are documents within the body cap whose shape jsonguard
// refuses, each as a valid actor (its id is the URL it is served at) with
// one extension property that carries the attack.
func hostileShapes() []struct {
	name, extension string
	want            error
} {
	return []struct {
		name, extension string
		want            error
	}{
		{"65 levels deep", strings.Repeat("[", 64) + "1" + strings.Repeat("]", 64), jsonguard.ErrTooDeep},
		{"10,001 elements", "[" + strings.TrimSuffix(strings.Repeat("0,", 10_001), ",") + "]", jsonguard.ErrTooManyElements},
		{"1,001 keys", "{" + strings.TrimSuffix(strings.Repeat(`"k":0,`, 1_001), ",") + "}", jsonguard.ErrTooManyKeys},
		{"a number beyond float64", "1e400", jsonguard.ErrNumber},
	}
}

func TestFetchedDocumentsBeyondTheJSONLimitsAreRefused(t *testing.T) {
	for _, shape := range hostileShapes() {
		t.Run(shape.name, func(t *testing.T) {
			srv, hits := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/activity+json")
				// The top level is depth 1, so the extension adds one level.
				_, _ = w.Write([]byte(`{"@context":"` + asContext + `","id":"` + selfURL(r) +
					`","type":"Person","preferredUsername":"alice","x":` + shape.extension + `}`))
			}))
			c := New(Options{AllowPrivate: loopbackOnly()})
			for name, get := range map[string]func() (*Document, error){
				"GetActivity": func() (*Document, error) { return c.GetActivity(context.Background(), srv.URL+"/users/alice") },
				"GetJSON":     func() (*Document, error) { return c.GetJSON(context.Background(), srv.URL+"/users/alice", "") },
			} {
				doc, err := get()
				if doc != nil || !errors.Is(err, ErrInvalidDocument) || !errors.Is(err, shape.want) {
					t.Errorf("%s: got %v, %v; want no document and %v, %v", name, doc, err, ErrInvalidDocument, shape.want)
				}
			}
			if hits.Load() != 2 {
				t.Errorf("server hits = %d, want 2", hits.Load())
			}
		})
	}
}

func TestFetchedDocumentsAtTheJSONLimitsAreRead(t *testing.T) {
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write([]byte(`{"@context":"` + asContext + `","id":"` + selfURL(r) + `","type":"Person","x":` +
			strings.Repeat("[", 63) + "1" + strings.Repeat("]", 63) + `}`))
	}))
	c := New(Options{AllowPrivate: loopbackOnly()})
	if _, err := c.GetActivity(context.Background(), srv.URL+"/users/alice"); err != nil {
		t.Fatalf("a document 64 levels deep was refused: %v", err)
	}
}
