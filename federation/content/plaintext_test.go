package content

import (
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"paragraphs apart by a blank line", `<p>one</p><p>two</p>`, "one\n\ntwo"},
		{"line breaks", `<p>one<br>two<br/>three</p>`, "one\ntwo\nthree"},
		{"two breaks make a blank line", `one<br><br>two`, "one\n\ntwo"},
		{"list items on their own lines", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>", "a\nb"},
		{"heading then paragraph", `<h2>Meetup</h2><p>Saturday</p>`, "Meetup\n\nSaturday"},
		{"entities decoded", `<p>Tom &amp; Jerry &lt;3 caf&eacute; &#x1F600;</p>`, "Tom & Jerry <3 café 😀"},
		{"white space collapsed", "<p>  lots \t of\n   space  </p>", "lots of space"},
		{"non-breaking spaces collapsed", "a&nbsp;&nbsp;b", "a b"},
		{"script and style left out", `<style>p{}</style><p>hi<script>alert(1)</script></p>`, "hi"},
		{"mention and hidden url parts read whole", mastodonNoteSanitized, "@brooklyn_moms anyone know a pediatrician near Prospect Park? #Kita\n\nhttps://www.example.org/pediatricians/brooklyn/prospect-park"},
		{"preformatted lines kept", "<pre>a  b\nc</pre>", "a b\nc"},
		{"inline elements do not break lines", `a <b>bold</b> <a href="https://x.example/">link</a>`, "a bold link"},
		{"text without markup", "just text", "just text"},
		{"unclosed and broken markup", `<p>one<b>two</p><div>three`, "onetwo\n\nthree"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"first line", `<p>Playground meetup<br>Saturday at 10</p>`, 100, "Playground meetup"},
		{"mastodon post into a group loses the group mention", mastodonNoteSanitized, 100, "anyone know a pediatrician near Prospect Park? #Kita"},
		{"remote group mention with port", `<p>@moms@127.0.0.3:8080 Lost teddy bear</p>`, 100, "Lost teddy bear"},
		{"several leading mentions with punctuation", `<p>@moms@village.example, @alice: is the pool open?</p>`, 100, "is the pool open?"},
		{"line of mentions only is skipped", `<p>@brooklyn_moms</p><p>Stroller swap on Sunday</p>`, 100, "Stroller swap on Sunday"},
		{"mention in the middle stays", `<p>Thanks @alice for the tip</p>`, 100, "Thanks @alice for the tip"},
		{"possessive is no leading mention", `<p>@alice's party is on</p>`, 100, "@alice's party is on"},
		{"cut on a word", `<p>Anyone know a pediatrician near Prospect Park?</p>`, 30, "Anyone know a pediatrician…"},
		{"punctuation before the cut dropped", `<p>Hello, world and everyone</p>`, 12, "Hello…"},
		{"cut exactly at a space", `<p>abcd efgh</p>`, 5, "abcd…"},
		{"one long word cut inside", `<p>Donaudampfschifffahrtsgesellschaft</p>`, 10, "Donaudamp…"},
		{"fits exactly", `<p>exactly ten</p>`, 11, "exactly ten"},
		{"non-ASCII counted in runes", `<p>Müttertreff im Café am Kanal</p>`, 16, "Müttertreff im…"},
		{"no limit", `<p>Anyone know a pediatrician near Prospect Park?</p>`, 0, "Anyone know a pediatrician near Prospect Park?"},
		{"nothing but mentions", `<p>@alice @bob@mastodon.social</p>`, 50, ""},
		{"empty", ``, 50, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Title(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Title(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if tt.max > 0 && utf8.RuneCountInString(got) > tt.max {
				t.Errorf("Title(%q, %d) = %q is longer than %d runes", tt.in, tt.max, got, tt.max)
			}
		})
	}
}

func TestTitleOfRenderedPost(t *testing.T) {
	r := Render("@brooklyn_moms Lost: blue teddy bear near the sandpit\nPlease DM me!", testOptions)
	if got, want := Title(r.HTML, 40), "Lost: blue teddy bear near the sandpit"; got != want {
		t.Errorf("Title(Render(…)) = %q, want %q", got, want)
	}
}

func FuzzTitle(f *testing.F) {
	f.Add(mastodonNoteSanitized, 30)
	f.Add(lemmyPost, 1)
	f.Add("<p>@a @b\n\n   x y z</p>", 2)
	f.Fuzz(func(t *testing.T, in string, max int) {
		max %= 200
		got := Title(in, max)
		if max > 0 && utf8.RuneCountInString(got) > max {
			t.Fatalf("Title(%q, %d) = %q is longer than %d runes", in, max, got, max)
		}
	})
}
