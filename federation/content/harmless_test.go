package content

import "testing"

func TestHarmlessIsTrueOnlyForMarkupTheSanitizerKeepsWhole(t *testing.T) {
	tests := []struct {
		name string
		html string
		want bool
	}{
		{"plain paragraphs", `<p>Nap at 2.</p><p>Bring snacks &amp; water.</p>`, true},
		{"Mastodon's mention and link markup", `<p><span class="h-card" translate="no"><a href="https://m.example/@moms" class="u-url mention">@<span>moms</span></a></span> see <a href="https://example.com/x" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>example.com/x</a></p>`, true},
		{"a mailto link", `<p><a href="mailto:ann@example.com">mail</a></p>`, true},
		{"text only", `Nap at 2`, true},
		{"a script", `<p>x<script>alert(1)</script></p>`, false},
		{"an event handler", `<p onclick="alert(1)">x</p>`, false},
		{"an image", `<img src="https://example.com/x.png">`, false},
		{"a javascript: link", `<a href="javascript:alert(1)">x</a>`, false},
		{"an entity-encoded javascript: link", `<a href="jav&#x61;script:alert(1)">x</a>`, false},
		{"a data: link", `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`, false},
		{"a relative link", `<a href="/settings">x</a>`, false},
		{"an iframe", `<iframe src="https://evil.example/"></iframe>`, false},
		{"a style attribute", `<p style="position:fixed">x</p>`, false},
		{"a style element", `<style>body{}</style>`, false},
		{"a form", `<form action="https://evil.example/"></form>`, false},
		{"a comment", `<p>x<!-- hidden --></p>`, false},
		{"a div the sanitizer unwraps", `<div>x</div>`, false},
		{"a class on a paragraph", `<p class="x">x</p>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Harmless(tt.html); got != tt.want {
				t.Errorf("Harmless(%q) = %v, want %v", tt.html, got, tt.want)
			}
		})
	}
}
