package app

import (
	"strings"
	"testing"
)

// TestEveryPageParses: pages are parsed when first rendered, so a broken
// template would otherwise show only when someone opens that page.
func TestEveryPageParses(t *testing.T) {
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.sets) < 40 {
		t.Fatalf("found %d pages; the templates folder has more", len(p.sets))
	}
	for name := range p.sets {
		tmpl, err := p.template(name)
		if err != nil {
			t.Errorf("page %s: %v", name, err)
			continue
		}
		if tmpl.Lookup("content") == nil {
			t.Errorf("page %s defines no content block", name)
		}
	}
	if _, err := p.template("no-such-page"); err == nil || !strings.Contains(err.Error(), "no page") {
		t.Errorf("an unknown page: %v, want a 'no page' error", err)
	}
}
