package content

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// breakBefore is how many line breaks an element's start and end put
// around its text: a paragraph stands apart by a blank line, other blocks
// start on a line of their own.
var breakBefore = map[atom.Atom]int{
	atom.P: 2,

	atom.Address: 1, atom.Article: 1, atom.Aside: 1, atom.Blockquote: 1,
	atom.Dd: 1, atom.Details: 1, atom.Div: 1, atom.Dl: 1, atom.Dt: 1,
	atom.Figcaption: 1, atom.Figure: 1, atom.Footer: 1, atom.H1: 1,
	atom.H2: 1, atom.H3: 1, atom.H4: 1, atom.H5: 1, atom.H6: 1,
	atom.Header: 1, atom.Hr: 1, atom.Li: 1, atom.Main: 1, atom.Nav: 1,
	atom.Ol: 1, atom.Pre: 1, atom.Section: 1, atom.Summary: 1,
	atom.Table: 1, atom.Tr: 1, atom.Ul: 1,
}

// hiddenElements hold text a reader never sees as the post's text.
var hiddenElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true,
	atom.Noscript: true, atom.Noembed: true, atom.Noframes: true,
	atom.Iframe: true, atom.Object: true, atom.Title: true,
	atom.Textarea: true, atom.Select: true,
}

// PlainText returns the text of an HTML fragment, for titles, notifications
// and search: entities decoded, a line per block element or <br>, a blank
// line between paragraphs, runs of white space within a line collapsed to
// one space, and no empty lines at either end. It accepts any input,
// sanitized or not; the text of script, style and the like is left out.
func PlainText(htmlText string) string {
	var t textBuilder
	z := html.NewTokenizer(strings.NewReader(htmlText))
	hidden := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF, or a read error a string reader does not have.
			return t.String()
		case html.TextToken:
			if hidden == 0 {
				t.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hiddenElements[a] {
				if tt == html.StartTagToken {
					hidden++
				} else if tt == html.EndTagToken && hidden > 0 {
					hidden--
				}
				continue
			}
			switch {
			case a == atom.Br: // "</br>" too, as browsers read it
				t.lineBreak()
			case a == atom.Pre:
				t.breaks(1)
				if tt == html.StartTagToken {
					t.pre++
				} else if tt == html.EndTagToken && t.pre > 0 {
					t.pre--
				}
			case breakBefore[a] > 0:
				t.breaks(breakBefore[a])
			}
		}
	}
}

// textBuilder collects text and line breaks; String tidies the lines.
type textBuilder struct {
	b        strings.Builder
	newlines int // line breaks at the end of b
	pre      int // depth of <pre>, where newlines in text count
}

func (t *textBuilder) text(s string) {
	for _, r := range s {
		if r == '\n' && t.pre > 0 {
			t.lineBreak()
			continue
		}
		if unicode.IsSpace(r) {
			// Markup's white space between blocks is no text; String
			// collapses the rest.
			if t.b.Len() == 0 || t.newlines > 0 {
				continue
			}
			r = ' '
		}
		t.b.WriteRune(r)
		t.newlines = 0
	}
}

// lineBreak ends the line, even an empty one: two <br> make a blank line.
func (t *textBuilder) lineBreak() {
	t.b.WriteByte('\n')
	t.newlines++
}

// breaks makes sure the text ends in at least n line breaks, unless there
// is no text yet.
func (t *textBuilder) breaks(n int) {
	if t.b.Len() == 0 {
		return
	}
	for t.newlines < n {
		t.lineBreak()
	}
}

func (t *textBuilder) String() string {
	var lines []string
	blank := false
	for _, line := range strings.Split(t.b.String(), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
			blank = false
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// leadingMentionRE matches a mention at the start of a line, with the comma
// or colon that may follow it, as in "@moms@village.example: hello".
var leadingMentionRE = regexp.MustCompile(`^@[\p{L}\p{N}_.-]+(?:@[\p{L}\p{N}_.-]+(?::[0-9]+)?)?[,:;]?(?:\s+|$)`)

// Title returns a title for a post: the first line of its plain text that
// is not empty once the mentions it starts with are removed (a Mastodon
// user posts into a group by mentioning it first), shortened to at most
// maxRunes runes on a word boundary with "…", as Lemmy makes a post's title
// from the first line of a Note. maxRunes <= 0 means no limit. Title
// removes every leading mention, not only the group's: a post that begins
// by addressing people does not begin its title with them either.
func Title(htmlText string, maxRunes int) string {
	for _, line := range strings.Split(PlainText(htmlText), "\n") {
		for {
			loc := leadingMentionRE.FindStringIndex(line)
			if loc == nil {
				break
			}
			line = line[loc[1]:]
		}
		if line = strings.TrimSpace(line); line != "" {
			return truncateWords(line, maxRunes)
		}
	}
	return ""
}

// truncateWords shortens s to at most max runes, "…" included, cutting
// after the last whole word that fits (or within a word longer than the
// limit) and dropping the punctuation before the cut.
func truncateWords(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	cut := runes[:max-1]
	if !unicode.IsSpace(runes[max-1]) {
		for i := len(cut) - 1; i > 0; i-- {
			if unicode.IsSpace(cut[i]) {
				cut = cut[:i]
				break
			}
		}
	}
	trimmed := strings.TrimRightFunc(string(cut), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	})
	if trimmed == "" {
		trimmed = strings.TrimRightFunc(string(runes[:max-1]), unicode.IsSpace)
	}
	return trimmed + "…"
}

// CutRunes is s cut to at most n runes, without a mark: for names and
// labels that only need a bound.
func CutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
