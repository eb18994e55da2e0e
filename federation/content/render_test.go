package content

import (
	"reflect"
	"strings"
	"testing"
)

// testOptions know the local people alice and brooklyn_moms, bob on
// mastodon.social and the group moms on a Village at 127.0.0.3:8080.
var testOptions = RenderOptions{
	BaseURL: "https://village.example",
	ResolveMention: func(name, host string) string {
		switch strings.ToLower(name + "@" + host) {
		case "alice@", "alice@village.example":
			return "https://village.example/users/alice"
		case "brooklyn_moms@":
			return "https://village.example/groups/brooklyn_moms"
		case "bob@mastodon.social":
			return "https://mastodon.social/users/bob"
		case "moms@127.0.0.3:8080":
			return "http://127.0.0.3:8080/groups/moms"
		case "evil@":
			return "javascript:alert(1)"
		}
		return ""
	},
}

const (
	aliceHTML = `<span class="h-card"><a href="https://village.example/users/alice" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>alice</span></a></span>`
	bobHTML   = `<span class="h-card"><a href="https://mastodon.social/users/bob" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>bob</span></a></span>`
	momsHTML  = `<span class="h-card"><a href="http://127.0.0.3:8080/groups/moms" class="u-url mention" rel="nofollow noopener noreferrer" target="_blank">@<span>moms</span></a></span>`
)

var (
	alice = Mention{Name: "alice", URL: "https://village.example/users/alice"}
	bob   = Mention{Name: "bob", Host: "mastodon.social", URL: "https://mastodon.social/users/bob"}
	moms  = Mention{Name: "moms", Host: "127.0.0.3:8080", URL: "http://127.0.0.3:8080/groups/moms"}
)

func hashtagHTML(path, shown string) string {
	return `<a href="https://village.example/tags/` + path + `" class="mention hashtag" rel="nofollow noopener noreferrer tag" target="_blank">#<span>` + shown + `</span></a>`
}

func linkHTML(href, inner string) string {
	return `<a href="` + href + `" rel="nofollow noopener noreferrer" target="_blank">` + inner + `</a>`
}

func TestRenderMentions(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantHTML string
		want     []Mention
	}{
		{"local mention", "hi @alice!", `<p>hi ` + aliceHTML + `!</p>`, []Mention{alice}},
		{"remote mention", "@bob@mastodon.social thanks", `<p>` + bobHTML + ` thanks</p>`, []Mention{bob}},
		{"remote mention with port", "cc @moms@127.0.0.3:8080, please", `<p>cc ` + momsHTML + `, please</p>`, []Mention{moms}},
		{"mention at the end of a sentence", "ask @bob@mastodon.social.", `<p>ask ` + bobHTML + `.</p>`, []Mention{bob}},
		{"unknown mention left as text", "hi @nobody and @nobody@elsewhere.example", `<p>hi @nobody and @nobody@elsewhere.example</p>`, nil},
		{"mention resolved to a non-http URL left as text", "hi @evil", `<p>hi @evil</p>`, nil},
		{"email address is no mention", "write alice@village.example", `<p>write alice@village.example</p>`, nil},
		{"mention glued to a letter is no mention", "@aliceé", `<p>@aliceé</p>`, nil},
		{"same actor mentioned twice is listed once", "@alice and @alice@village.example", `<p>` + aliceHTML + ` and ` + aliceHTML + `</p>`, []Mention{alice}},
		{"mentions in order", "@bob@mastodon.social @alice", `<p>` + bobHTML + ` ` + aliceHTML + `</p>`, []Mention{bob, alice}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.in, testOptions)
			if got.HTML != tt.wantHTML {
				t.Errorf("Render(%q).HTML\n got %s\nwant %s", tt.in, got.HTML, tt.wantHTML)
			}
			if !reflect.DeepEqual(got.Mentions, tt.want) {
				t.Errorf("Render(%q).Mentions = %+v, want %+v", tt.in, got.Mentions, tt.want)
			}
		})
	}
}

func TestRenderLeavesMentionsAsTextWithoutResolver(t *testing.T) {
	got := Render("hi @alice", RenderOptions{})
	if got.HTML != `<p>hi @alice</p>` || got.Mentions != nil {
		t.Errorf("Render without resolver = %+v", got)
	}
}

func TestRenderHashtags(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantHTML string
		want     []string
	}{
		{"ascii tag keeps its case on screen", "see #Kita", `<p>see ` + hashtagHTML("kita", "Kita") + `</p>`, []string{"kita"}},
		{"non-ASCII tag", "#café time", `<p>` + hashtagHTML("caf%C3%A9", "café") + ` time</p>`, []string{"café"}},
		{"tag with digits and underscore", "#kita_2024.", `<p>` + hashtagHTML("kita_2024", "kita_2024") + `.</p>`, []string{"kita_2024"}},
		{"cyrillic tag", "#Детсад", `<p>` + hashtagHTML("%D0%B4%D0%B5%D1%82%D1%81%D0%B0%D0%B4", "Детсад") + `</p>`, []string{"детсад"}},
		{"number is no tag", "we're #1", `<p>we&#39;re #1</p>`, nil},
		{"tag inside a word is no tag", "C#sharp", `<p>C#sharp</p>`, nil},
		{"tags lowercased and listed once", "#Kita #kita #KITA", `<p>` + hashtagHTML("kita", "Kita") + ` ` + hashtagHTML("kita", "kita") + ` ` + hashtagHTML("kita", "KITA") + `</p>`, []string{"kita"}},
		{"url fragment is no tag", "https://example.com/#top", `<p>` + linkHTML("https://example.com/#top", `<span class="invisible">https://</span>example.com/#top`) + `</p>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.in, testOptions)
			if got.HTML != tt.wantHTML {
				t.Errorf("Render(%q).HTML\n got %s\nwant %s", tt.in, got.HTML, tt.wantHTML)
			}
			if !reflect.DeepEqual(got.Tags, tt.want) {
				t.Errorf("Render(%q).Tags = %q, want %q", tt.in, got.Tags, tt.want)
			}
		})
	}
}

func TestRenderCollectsHashtagsWithoutBaseURL(t *testing.T) {
	for _, base := range []string{"", "/relative", "javascript:alert(1)"} {
		got := Render("#Kita", RenderOptions{BaseURL: base})
		if got.HTML != `<p>#Kita</p>` || !reflect.DeepEqual(got.Tags, []string{"kita"}) {
			t.Errorf("Render with BaseURL %q = %+v", base, got)
		}
	}
}

func TestRenderLinks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"url with query string", "https://example.com/s?q=kita&near=park",
			`<p>` + linkHTML("https://example.com/s?q=kita&amp;near=park", `<span class="invisible">https://</span>example.com/s?q=kita&amp;near=park`) + `</p>`},
		{"period after url stays outside", "Look at https://example.com/a.",
			`<p>Look at ` + linkHTML("https://example.com/a", `<span class="invisible">https://</span>example.com/a`) + `.</p>`},
		{"comma and question mark after url", "https://example.com/a, or http://example.org?",
			`<p>` + linkHTML("https://example.com/a", `<span class="invisible">https://</span>example.com/a`) + `, or ` + linkHTML("http://example.org", `<span class="invisible">http://</span>example.org`) + `?</p>`},
		{"url in parentheses", "(https://example.com/a)",
			`<p>(` + linkHTML("https://example.com/a", `<span class="invisible">https://</span>example.com/a`) + `)</p>`},
		{"url with its own parentheses", "https://en.wikipedia.org/wiki/Kita_(school)",
			`<p>` + linkHTML("https://en.wikipedia.org/wiki/Kita_(school)", `<span class="invisible">https://</span><span class="ellipsis">en.wikipedia.org/wiki/Kita_(sc</span><span class="invisible">hool)</span>`) + `</p>`},
		{"long url shortened with www hidden", "https://www.example.org/pediatricians/brooklyn/prospect-park",
			`<p>` + linkHTML("https://www.example.org/pediatricians/brooklyn/prospect-park", `<span class="invisible">https://www.</span><span class="ellipsis">example.org/pediatricians/broo</span><span class="invisible">klyn/prospect-park</span>`) + `</p>`},
		{"uppercase scheme", "HTTPS://EXAMPLE.COM/A",
			`<p>` + linkHTML("https://EXAMPLE.COM/A", `<span class="invisible">HTTPS://</span>EXAMPLE.COM/A`) + `</p>`},
		{"non-ASCII path encoded in href only", "https://de.example/Kindergärten",
			`<p>` + linkHTML("https://de.example/Kinderg%C3%A4rten", `<span class="invisible">https://</span>de.example/Kindergärten`) + `</p>`},
		{"mention-like part of a url stays in the url", "https://mastodon.social/@bob",
			`<p>` + linkHTML("https://mastodon.social/@bob", `<span class="invisible">https://</span>mastodon.social/@bob`) + `</p>`},
		{"url glued to a word is not linked", "xhttps://example.com", `<p>xhttps://example.com</p>`},
		{"scheme without host is not linked", "https:// and http://", `<p>https:// and http://</p>`},
		{"javascript is not linked", "javascript:alert(1)", `<p>javascript:alert(1)</p>`},
		{"url with a bad escape is not linked", "https://example.com/%zz", `<p>https://example.com/%zz</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.in, testOptions).HTML; got != tt.want {
				t.Errorf("Render(%q).HTML\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderTextAndParagraphs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"html shown literally", "<b>bold</b> & <script>alert(1)</script>", `<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>`},
		{"quotes escaped", `"quoted" 'single'`, `<p>&#34;quoted&#34; &#39;single&#39;</p>`},
		{"entity written as text stays text", "&lt;3 &amp;", `<p>&amp;lt;3 &amp;amp;</p>`},
		{"blank line separates paragraphs", "one\n\ntwo", `<p>one</p><p>two</p>`},
		{"single newline is a line break", "one\ntwo", `<p>one<br/>two</p>`},
		{"several blank lines and spaces", "one\n \n\t\n\ntwo\n", `<p>one</p><p>two</p>`},
		{"windows and old mac line ends", "one\r\ntwo\r\rthree", `<p>one<br/>two</p><p>three</p>`},
		{"trailing spaces dropped", "one   \ntwo", `<p>one<br/>two</p>`},
		{"control characters dropped", "a\x00b\x07c\x1bd", `<p>abcd</p>`},
		{"invalid utf-8 replaced", "a\xffb", `<p>a\uFFFDb</p>`},
		{"whitespace only", " \n\n\t", ``},
		{"empty", "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := strings.ReplaceAll(tt.want, `\uFFFD`, "\uFFFD")
			if got := Render(tt.in, testOptions).HTML; got != want {
				t.Errorf("Render(%q).HTML\n got %s\nwant %s", tt.in, got, want)
			}
		})
	}
}

func TestScanMentionsListsCandidatesOnce(t *testing.T) {
	got := ScanMentions("@Bob@Mastodon.Social hi @bob@mastodon.social, @alice and https://x.example/@carol\n\n@moms@127.0.0.3:8080")
	want := []Mention{
		{Name: "Bob", Host: "Mastodon.Social"},
		{Name: "alice"},
		{Name: "moms", Host: "127.0.0.3:8080"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ScanMentions = %+v, want %+v", got, want)
	}
}

// renderSeeds are inputs for the Sanitize round trip and the fuzz corpus.
var renderSeeds = []string{
	"",
	"hello",
	"@brooklyn_moms anyone know a pediatrician near Prospect Park? #Kita #café",
	"@moms@127.0.0.3:8080 @bob@mastodon.social @alice@village.example @unknown",
	"see https://example.com/search?q=a&b=c. and (https://en.wikipedia.org/wiki/Foo_(bar)) ok",
	"https://www.example.org/a/very/long/path/that/goes/on/and/on/and/on?with=query&and=more#fragment",
	"<b>bold</b> <script>alert(1)</script> &amp; &#106; \"quotes\" 'single'",
	"line one\nline two\n\n\nnew paragraph\r\nwindows\rmac",
	"#1 #_ #a1 #Детсад #日本語 #e\u0301 C#sharp &#tag",
	"http://[::1]:8080/x https://user:pass@example.com/ https://example.com:99999/",
	"https://example.com/%zz https://example.com/%41 https://ex%41mple.com/",
	"https://example.com/\u00a0x https://example.com/\u200bx",
	"\x00\x01\t\x7f\u0085\u2028\u2029\ufeff",
	"@alice@ @alice@@bob @@alice @alice.bob. @-x @a_",
	"https://example.com/a'b\"c<d>e",
	"mailto:alice@example.com javascript:alert(1) data:text/html,x",
	"HTTPS://EXAMPLE.COM/ÄÖÜ?Q=ß#Ö",
}

func TestRenderOutputSurvivesSanitize(t *testing.T) {
	s := NewSanitizer()
	for _, in := range renderSeeds {
		out := Render(in, testOptions).HTML
		if got := s.Sanitize(out); got != out {
			t.Errorf("Sanitize(Render(%q))\n got %s\nwant %s", in, got, out)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range renderSeeds {
		f.Add(s)
	}
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in string) {
		// A resolver that knows every name makes every mention markup.
		opts := RenderOptions{
			BaseURL: "https://village.example",
			ResolveMention: func(name, host string) string {
				if host == "" {
					host = "village.example"
				}
				return "https://" + host + "/users/" + name
			},
		}
		out := Render(in, opts).HTML
		if got := s.Sanitize(out); got != out {
			t.Fatalf("Sanitize changed Render(%q):\n render   %s\n sanitize %s", in, out, got)
		}
		checkSafe(t, in, out)
	})
}

func TestRenderLeavesOverlongURLUnlinked(t *testing.T) {
	in := "https://example.com/" + strings.Repeat("a", maxURLBytes)
	if got, want := Render(in, testOptions).HTML, "<p>"+in+"</p>"; got != want {
		t.Errorf("Render(overlong URL) linked it: %.120s…", got)
	}
}
