package content

import (
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

// mastodonNote is the content of a Note as Mastodon 4 sends it: a post into
// a group, with an h-card mention, a hashtag and a shortened link.
const mastodonNote = `<p><span class="h-card" translate="no"><a href="https://village.example/groups/brooklyn_moms" class="u-url mention">@<span>brooklyn_moms</span></a></span> anyone know a pediatrician near Prospect Park? <a href="https://mastodon.social/tags/Kita" class="mention hashtag" rel="tag">#<span>Kita</span></a></p><p><a href="https://www.example.org/pediatricians/brooklyn/prospect-park" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://www.</span><span class="ellipsis">example.org/pediatricians/broo</span><span class="invisible">klyn/prospect-park</span></a></p>`

const mastodonNoteSanitized = `<p><span class="h-card"><a href="https://village.example/groups/brooklyn_moms" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>brooklyn_moms</span></a></span> anyone know a pediatrician near Prospect Park? <a href="https://mastodon.social/tags/Kita" class="mention hashtag" rel="nofollow noopener noreferrer tag" target="_blank">#<span>Kita</span></a></p><p><a href="https://www.example.org/pediatricians/brooklyn/prospect-park" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://www.</span><span class="ellipsis">example.org/pediatricians/broo</span><span class="invisible">klyn/prospect-park</span></a></p>`

// lemmyPost is the content of a Lemmy post: markdown rendered to HTML, with
// a heading, a list, code and a link whose query string has an escaped "&".
const lemmyPost = `<h2>Saturday meetup</h2>
<p>We meet at the <a href="https://maps.example/park?lat=40.66&amp;lon=-73.97">playground</a> at <strong>10am</strong>. Bring <em>snacks</em>!</p>
<ul>
<li>strollers welcome</li>
<li>ask for <code>Maya</code></li>
</ul>
<blockquote>
<p>Last time was lovely</p>
</blockquote>
`

const lemmyPostSanitized = `<p><strong>Saturday meetup</strong></p>
<p>We meet at the <a href="https://maps.example/park?lat=40.66&amp;lon=-73.97" rel="nofollow noopener noreferrer" target="_blank">playground</a> at <strong>10am</strong>. Bring <em>snacks</em>!</p>
<ul>
<li>strollers welcome</li>
<li>ask for <code>Maya</code></li>
</ul>
<blockquote>
<p>Last time was lovely</p>
</blockquote>
`

func TestSanitizerRemovesDangerousMarkup(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"script element and its content", `<p>hi</p><script>alert(1)</script>`, `<p>hi</p>`},
		{"script with uppercase name", `<SCRIPT>alert(1)</SCRIPT>hi`, `hi`},
		{"iframe", `<iframe src="https://evil.example/"></iframe>after`, `after`},
		{"img with onerror", `<img src=x onerror="alert(1)">text`, `text`},
		{"onclick attribute", `<p onclick="alert(1)">hi</p>`, `<p>hi</p>`},
		{"onmouseover on a link", `<a href="https://example.com/" onmouseover="alert(1)">x</a>`, `<a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank">x</a>`},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"uppercase javascript href", `<a href="JAVASCRIPT:alert(1)">x</a>`, `x`},
		{"mixed case javascript href", `<a href="JaVaScRiPt:alert(1)">x</a>`, `x`},
		{"decimal entity javascript href", `<a href="&#106;avascript:alert(1)">x</a>`, `x`},
		{"padded entity javascript href", `<a href="&#0000106&#0000097vascript:alert(1)">x</a>`, `x`},
		{"hex entity javascript href", `<a href="&#x6A;&#x61;vascript:alert(1)">x</a>`, `x`},
		{"entity colon javascript href", `<a href="javascript&colon;alert(1)">x</a>`, `x`},
		{"tab inside javascript href", "<a href=\"java\tscript:alert(1)\">x</a>", `x`},
		{"tab entity inside javascript href", `<a href="java&#x09;script:alert(1)">x</a>`, `x`},
		{"newline inside javascript href", "<a href=\"java\nscript:alert(1)\">x</a>", `x`},
		{"newline entity inside javascript href", `<a href="java&#10;script:alert(1)">x</a>`, `x`},
		{"whitespace before javascript href", "<a href=\" \tjavascript:alert(1)\">x</a>", `x`},
		{"control character before javascript href", `<a href="&#1;javascript:alert(1)">x</a>`, `x`},
		{"data href", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, `x`},
		{"uppercase data href", `<a href="DATA:text/html,<script>alert(1)</script>">x</a>`, `x`},
		{"vbscript href", `<a href="vbscript:msgbox(1)">x</a>`, `x`},
		{"relative href", `<a href="/logout">x</a>`, `x`},
		{"protocol-relative href", `<a href="//evil.example/">x</a>`, `x`},
		{"style attribute", `<p style="position:fixed;top:0">x</p>`, `<p>x</p>`},
		{"style element", `<style>p{display:none}</style>x`, `x`},
		{"object and embed", `<object data="https://evil.example/x.swf"><embed src="https://evil.example/x.swf"></object>text`, `text`},
		{"form and inputs", `<form action="https://evil.example/"><input name="password"><button>Go</button></form>`, `Go`},
		{"svg with script", `<svg onload="alert(1)"><script>alert(1)</script></svg>x`, `x`},
		{"markup hidden in svg style", `<svg><style>&lt;/style&gt;&lt;img src=x onerror=alert(1)&gt;</style></svg>`, ``},
		{"markup hidden in noscript", `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, `&#34;&gt;`},
		{"comment", `a<!-- <script>alert(1)</script> -->b`, `ab`},
		{"id and unknown attributes", `<p id="login" data-x="1" title="t">x</p>`, `<p>x</p>`},
		{"unknown classes", `<span class="h-card evil-overlay">x</span>`, `<span class="h-card">x</span>`},
		{"class on p", `<p class="mention">x</p>`, `<p>x</p>`},
		{"unclosed bold closed", `<strong>bold`, `<strong>bold</strong>`},
		{"unclosed link closed", `<a href="https://example.com/">open`, `<a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank">open</a>`},
		{"stray end tags", `x</li></ul></p>y`, `x<p></p>y`},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example/">x`, `x`},
		{"base href", `<base href="https://evil.example/">x`, `x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizerKeepsFediverseMarkup(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"mastodon note with mention, hashtag and link", mastodonNote, mastodonNoteSanitized},
		{"lemmy post with heading, list and quote", lemmyPost, lemmyPostSanitized},
		{"inline formatting", `<p><b>b</b> <i>i</i> <u>u</u> <s>s</s> <del>d</del> <em>e</em></p>`, `<p><b>b</b> <i>i</i> <u>u</u> <s>s</s> <del>d</del> <em>e</em></p>`},
		{"ordered list", `<ol><li>one</li><li>two</li></ol>`, `<ol><li>one</li><li>two</li></ol>`},
		{"code block", "<pre><code>go test ./...\n</code></pre>", "<pre><code>go test ./...\n</code></pre>"},
		{"line breaks", `<p>one<br>two<br />three</p>`, `<p>one<br/>two<br/>three</p>`},
		{"mailto link", `<a href="mailto:moms@example.org">write us</a>`, `<a href="mailto:moms@example.org" rel="nofollow noopener noreferrer" target="_blank">write us</a>`},
		{"entities", `<p>Tom &amp; Jerry &lt;3 caf&eacute; &#x1F600;</p>`, `<p>Tom &amp; Jerry &lt;3 café 😀</p>`},
		{"plain text", `no markup at all`, `no markup at all`},
		{"empty", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizerSetsRelAndTargetOnLinks(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"link without rel", `<a href="https://example.com/">x</a>`, `<a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank">x</a>`},
		{"sender's rel replaced", `<a href="https://example.com/" rel="me opener">x</a>`, `<a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank">x</a>`},
		{"rel tag kept", `<a href="https://example.com/tags/x" rel="TAG">x</a>`, `<a href="https://example.com/tags/x" rel="nofollow noopener noreferrer tag" target="_blank">x</a>`},
		{"sender's target replaced", `<a target="_top" href="https://example.com/">x</a>`, `<a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank">x</a>`},
		{"class kept between href and rel", `<a class="mention u-url mention" href="https://example.com/@a">x</a>`, `<a href="https://example.com/@a" class="mention u-url" rel="nofollow noopener noreferrer" target="_blank">x</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizerDowngradesHeadings(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"h1", `<h1>Title</h1>`, `<p><strong>Title</strong></p>`},
		{"h6 with attributes", `<h6 id="x" style="color:red">Small</h6>`, `<p><strong>Small</strong></p>`},
		{"heading with a link", `<h3><a href="https://example.com/">Link</a></h3>`, `<p><strong><a href="https://example.com/" rel="nofollow noopener noreferrer" target="_blank">Link</a></strong></p>`},
		{"heading inside bold", `<b><h1>x</h1></b>`, `<b><p><strong>x</strong></p></b>`},
		{"heading holding a list becomes its content", `<span><h2>a<ul><li>b</li></ul></h2></span>`, `<span>a<ul><li>b</li></ul></span>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizerKeepsWordsApartWhenDroppingBlocks(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"div", `Hello<div>world</div>`, `Hello world `},
		{"nested sections", `<section><article>a</article><article>b</article></section>`, `  a  b  `},
		{"table", `<table><tr><th>day</th><th>place</th></tr><tr><td>Sat</td><td>park</td></tr></table>`, `    day  place    Sat  park    `},
		{"inline elements dropped without spaces", `H<sub>2</sub>O and 10<sup>th</sup>`, `H2O and 10th`},
		{"link with a bad href becomes its text", `see <a href="javascript:x()">this</a>.`, `see this.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizerIsIdempotent(t *testing.T) {
	s := NewSanitizer()
	for _, in := range sanitizeSeeds {
		once := s.Sanitize(in)
		if twice := s.Sanitize(once); twice != once {
			t.Errorf("Sanitize(Sanitize(%q))\n got %q\nwant %q", in, twice, once)
		}
	}
}

func TestSanitizerIsSafeForConcurrentUse(t *testing.T) {
	s := NewSanitizer()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := s.Sanitize(mastodonNote); got != mastodonNoteSanitized {
					t.Errorf("concurrent Sanitize got %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// sanitizeSeeds are inputs for the idempotence test and the fuzz corpus.
var sanitizeSeeds = []string{
	mastodonNote,
	lemmyPost,
	`<p>a<p>b</p></p>`,
	`<h1><p>x</p></h1>`,
	`<h1><span><h2>x</h2></span></h1>`,
	`<a href="https://a.example/"><a href="https://b.example/">x</a></a>`,
	`<a href="https://a.example/"><p>block in link</p></a>`,
	`<b><i>mis</b>nested</i>`,
	`<table>foster<tr><td>x</td></tr></table>`,
	`<ul><li><h3>x</h3></li></ul>`,
	"<pre>\n\nleading newlines</pre>",
	`<a href="https://example.com/caf&eacute;?q=a b#frag ment">x</a>`,
	`<a href="HTTPS://EXAMPLE.COM/%7Euser">x</a>`,
	`<div><div><h1>deep</h1></div></div>`,
	`<span class=" h-card  h-card ">x</span>`,
	`<p><math><mi><p>x</p></mi></math></p>`,
	`<plaintext><script>alert(1)</script>`,
	`<xmp><img src=x onerror=alert(1)></xmp>`,
	`<textarea><img src=x onerror=alert(1)></textarea>`,
	"a\x00b\rc\r\nd",
}

// allowedAttrs are the attributes each element of sanitized HTML may carry.
var allowedAttrs = map[string]map[string]bool{
	"a":    {"href": true, "class": true, "rel": true, "target": true},
	"span": {"class": true},
}

// checkSafe fails t unless out has only allowed elements, attributes, classes
// and link schemes.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	allowedElements := map[string]bool{
		"p": true, "br": true, "span": true, "a": true, "strong": true,
		"b": true, "em": true, "i": true, "u": true, "s": true, "del": true,
		"code": true, "pre": true, "blockquote": true, "ul": true, "ol": true,
		"li": true,
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		switch tt {
		case html.CommentToken, html.DoctypeToken:
			t.Fatalf("Sanitize(%q) = %q: has %v", in, out, tok)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			if !allowedElements[tok.Data] {
				t.Fatalf("Sanitize(%q) = %q: has element %q", in, out, tok.Data)
			}
			for _, at := range tok.Attr {
				if !allowedAttrs[tok.Data][at.Key] {
					t.Fatalf("Sanitize(%q) = %q: has attribute %s on %s", in, out, at.Key, tok.Data)
				}
				switch at.Key {
				case "href":
					u, err := url.Parse(at.Val)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
						t.Fatalf("Sanitize(%q) = %q: has href %q", in, out, at.Val)
					}
				case "class":
					for _, c := range strings.Fields(at.Val) {
						if !allowedClasses[c] {
							t.Fatalf("Sanitize(%q) = %q: has class %q", in, out, c)
						}
					}
				case "target":
					if at.Val != "_blank" {
						t.Fatalf("Sanitize(%q) = %q: has target %q", in, out, at.Val)
					}
				}
			}
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range sanitizeSeeds {
		f.Add(s)
	}
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in string) {
		out := s.Sanitize(in)
		checkSafe(t, in, out)
		if again := s.Sanitize(out); again != out {
			t.Fatalf("Sanitize is not idempotent on %q:\n once  %q\n twice %q", in, out, again)
		}
	})
}

func BenchmarkSanitizeMastodonNote(b *testing.B) {
	s := NewSanitizer()
	for b.Loop() {
		s.Sanitize(mastodonNote)
	}
}

func BenchmarkNewSanitizer(b *testing.B) {
	for b.Loop() {
		NewSanitizer()
	}
}

func BenchmarkRender(b *testing.B) {
	in := "@brooklyn_moms anyone know a pediatrician near Prospect Park? #Kita\n\nhttps://www.example.org/pediatricians/brooklyn/prospect-park"
	for b.Loop() {
		Render(in, testOptions)
	}
}
