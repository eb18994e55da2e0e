package content

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// keptElements and keptAttributes are what sanitized HTML may hold
// (NewSanitizer's allow-list, after headings and block wrappers are
// rewritten).
var (
	keptElements = map[atom.Atom]bool{
		atom.P: true, atom.Br: true, atom.Span: true, atom.A: true, atom.Strong: true, atom.B: true,
		atom.Em: true, atom.I: true, atom.U: true, atom.S: true, atom.Del: true, atom.Code: true,
		atom.Pre: true, atom.Blockquote: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
	}
	keptAttributes = map[atom.Atom][]string{atom.A: {"href", "class", "rel", "target"}, atom.Span: {"class"}}
)

// executable are the elements that run code or load active content,
// named apart so that a failure says what got through.
var executable = map[string]bool{"script": true, "iframe": true, "object": true, "embed": true, "style": true,
	"frame": true, "frameset": true, "applet": true, "svg": true, "math": true, "link": true, "meta": true,
	"base": true, "form": true, "img": true, "template": true, "noscript": true}

// unsafeURL reports whether a URL attribute's value would run code or load
// inline content when a browser follows it: what is left once the
// characters browsers ignore in a scheme are dropped starts with
// javascript:, vbscript: or data:, or it is not an absolute http(s) or
// mailto URL.
func unsafeURL(v string) bool {
	squeezed := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
	for _, scheme := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(squeezed, scheme) {
			return true
		}
	}
	u, err := url.Parse(v)
	return err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto")
}

// checkParsedSafe parses sanitized HTML as a browser would, inside a <div>, and
// fails on any executable or unlisted markup.
func checkParsedSafe(t *testing.T, in, out string) {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(out), ctx)
	if err != nil {
		t.Fatalf("Sanitize(%q) = %q, which does not parse: %v", in, out, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.CommentNode, html.DoctypeNode:
			t.Fatalf("Sanitize(%q) = %q keeps a comment or doctype", in, out)
		case html.ElementNode:
			if executable[strings.ToLower(n.Data)] || !keptElements[n.DataAtom] || n.Namespace != "" {
				t.Fatalf("Sanitize(%q) = %q holds <%s> (namespace %q)", in, out, n.Data, n.Namespace)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "src" || a.Namespace != "" {
					t.Fatalf("Sanitize(%q) = %q keeps %s=%q on <%s>", in, out, a.Key, a.Val, n.Data)
				}
				allowed := false
				for _, k := range keptAttributes[n.DataAtom] {
					allowed = allowed || k == key
				}
				if !allowed {
					t.Fatalf("Sanitize(%q) = %q keeps %s=%q on <%s>", in, out, a.Key, a.Val, n.Data)
				}
				if key == "href" && unsafeURL(a.Val) {
					t.Fatalf("Sanitize(%q) = %q keeps the link %q", in, out, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// FuzzSanitizeOutputParsesSafe: whatever HTML arrives, the sanitized output, parsed as a
// browser parses it, holds no executable markup (no script, iframe,
// object, embed, style or other active element, no on* or style
// attribute, no javascript:, vbscript: or data: link) and nothing outside
// the allow-list; and sanitizing it again changes nothing. FuzzSanitize
// checks the output token by token; this reads it as a browser builds its
// tree, where a misnested or raw-text element could turn text into markup.
func FuzzSanitizeOutputParsesSafe(f *testing.F) {
	for _, seed := range sanitizeSeeds {
		f.Add(seed)
	}
	for _, seed := range []string{
		`<p>hi</p><script>alert(1)</script>`, `<img src=x onerror="alert(1)">`, `<a href="javascript:alert(1)">x</a>`,
		`<a href="&#x6A;&#x61;vascript:alert(1)">x</a>`, "<a href=\"java\tscript:alert(1)\">x</a>", `<a href="java&#10;script:x">x</a>`,
		`<a href="data:text/html,<script>alert(1)</script>">x</a>`, `<a href="vbscript:msgbox(1)">x</a>`,
		`<svg><style>&lt;/style&gt;&lt;img src=x onerror=alert(1)&gt;</style></svg>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<iframe srcdoc="<script>alert(1)</script>"></iframe>`, `<object data="x.swf"><embed src="x.swf"></object>`,
		`<p style="background:url(javascript:alert(1))">x</p>`, `<form><button formaction="javascript:alert(1)">x</button></form>`,
		`<h1><ul><li>x</li></ul></h1>`, `<div>a<table><tr><td>b</td></tr></table>c</div>`, `<a href="https://a.example/" rel="tag" class="mention hashtag x">#t</a>`,
		`<a href="mailto:x@y.example">m</a>`, `<p><a href="https://x.example/"><p>nested</p></a></p>`, `<!-- c --><![CDATA[x]]>`,
		`<textarea><script>alert(1)</script></textarea>`, `<xmp><script>alert(1)</script></xmp>`, `<plaintext><script>`,
	} {
		f.Add(seed)
	}
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in string) {
		out := s.Sanitize(in)
		checkParsedSafe(t, in, out)
		if again := s.Sanitize(out); again != out {
			t.Fatalf("Sanitize is not idempotent on %q:\nonce  %q\ntwice %q", in, out, again)
		}
	})
}
