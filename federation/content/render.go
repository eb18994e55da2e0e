package content

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// RenderOptions tell Render what it cannot know by itself.
type RenderOptions struct {
	// BaseURL is this instance's absolute http(s) URL, such as
	// "https://village.example"; a hashtag links to BaseURL/tags/TAG.
	// Without a usable BaseURL hashtags are still collected but not linked.
	BaseURL string

	// ResolveMention returns the actor URL (the ActivityPub id) of @name
	// (host "") or @name@host (host may carry a port), or "" when the
	// account is unknown, in which case the mention stays plain text. Name
	// and host come as written: compare them without case. A URL that is
	// not absolute http(s) counts as unknown.
	// Render calls it synchronously and without a context: resolve remote
	// handles beforehand (ScanMentions lists them) and look them up here.
	ResolveMention func(name, host string) string
}

// Mention is an account mentioned in a post.
type Mention struct {
	Name string // as written, without "@"
	Host string // as written, "" for a local name; may carry ":port"
	URL  string // the actor URL ResolveMention gave; "" from ScanMentions
}

// Rendered is a post written as plain text, rendered to HTML.
type Rendered struct {
	// HTML is the post in Mastodon's markup: <p> paragraphs, <br/> lines,
	// h-card mentions, hashtag links, and links whose display omits the
	// scheme. A Sanitizer leaves it unchanged.
	HTML string
	// Mentions are the resolved mentions in order of appearance, once per
	// actor URL: for the Note's tag and cc.
	Mentions []Mention
	// Tags are the hashtags, lowercased and without "#", once each, in
	// order of appearance: for the Note's Hashtag tags.
	Tags []string
}

// displayedURLRunes is how much of a link's address, after its scheme and
// "www.", is shown before the rest is hidden behind an ellipsis, as Mastodon
// shows it.
const displayedURLRunes = 30

// maxURLBytes is the longest URL Render links.
const maxURLBytes = 2048

var (
	urlStartRE  = regexp.MustCompile(`^(?i:https?://)`)
	urlPrefixRE = regexp.MustCompile(`^(?i:https?://(?:www\.)?)`)
	// A user name as Mastodon allows it (letters, digits, _ . -, not ending
	// in . or -), then an optional host: dot-separated labels and a port.
	mentionRE = regexp.MustCompile(`^@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?:@([\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*(?::[0-9]{1,5})?))?`)
	hashtagRE = regexp.MustCompile(`^#([\p{L}\p{M}\p{N}_]+)`)
)

// segment is one piece of a line of text: plain text, a link, a mention or a
// hashtag.
type segment struct {
	kind segmentKind
	raw  string // the text as written
	name string // mention: user name; hashtag: tag as written
	host string // mention: host as written
	href string // link: the canonical URL
}

type segmentKind int

const (
	textSegment segmentKind = iota
	linkSegment
	mentionSegment
	hashtagSegment
)

// Render turns a post written as plain text into HTML: the text is escaped;
// blank lines separate paragraphs and single newlines become <br/>; bare
// http(s) URLs become links; @name and @name@host[:port] become h-card
// mentions when opts.ResolveMention knows them; #tag (letters, digits, _;
// at least one letter or _) becomes a hashtag link.
func Render(text string, opts RenderOptions) Rendered {
	text = cleanInput(text)
	base := baseURL(opts.BaseURL)

	var out Rendered
	var b strings.Builder
	for _, para := range paragraphs(text) {
		b.WriteString("<p>")
		for i, line := range para {
			if i > 0 {
				b.WriteString("<br/>")
			}
			for _, seg := range scanLine(line) {
				switch seg.kind {
				case linkSegment:
					writeLink(&b, seg)
				case mentionSegment:
					if !writeMention(&b, seg, opts.ResolveMention, &out.Mentions) {
						b.WriteString(html.EscapeString(seg.raw))
					}
				case hashtagSegment:
					tag := strings.ToLower(seg.name)
					if !slices.Contains(out.Tags, tag) {
						out.Tags = append(out.Tags, tag)
					}
					writeHashtag(&b, seg, tag, base)
				default:
					b.WriteString(html.EscapeString(seg.raw))
				}
			}
		}
		b.WriteString("</p>")
	}
	out.HTML = b.String()
	return out
}

// ScanMentions lists the mentions in text as Render would find them, in
// order and once each (names and hosts compared without case), with URL
// empty: a caller resolves the remote ones (WebFinger) before Render.
func ScanMentions(text string) []Mention {
	var found []Mention
	for _, para := range paragraphs(cleanInput(text)) {
		for _, line := range para {
			for _, seg := range scanLine(line) {
				if seg.kind != mentionSegment {
					continue
				}
				seen := slices.ContainsFunc(found, func(m Mention) bool {
					return strings.EqualFold(m.Name, seg.name) && strings.EqualFold(m.Host, seg.host)
				})
				if !seen {
					found = append(found, Mention{Name: seg.name, Host: seg.host})
				}
			}
		}
	}
	return found
}

// cleanInput makes text valid UTF-8 with "\n" line ends and without control
// characters, which an HTML parser would drop or change (so the output
// would not survive sanitizing) and which no one means to post.
func cleanInput(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, text)
}

// paragraphs splits text into paragraphs (runs of lines that are not blank)
// and those into lines.
func paragraphs(text string) [][]string {
	var paras [][]string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			if cur != nil {
				paras = append(paras, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, strings.TrimRightFunc(line, unicode.IsSpace))
	}
	if cur != nil {
		paras = append(paras, cur)
	}
	return paras
}

// scanLine cuts a line into text, links, mentions and hashtags. A link is
// recognised first, so a "#fragment" or "@" inside it stays part of it.
func scanLine(line string) []segment {
	var segs []segment
	textStart := 0
	prev := ' ' // the start of a line counts as a boundary
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if seg, ok := matchAt(line[i:], r, prev); ok {
			if i > textStart {
				segs = append(segs, segment{kind: textSegment, raw: line[textStart:i]})
			}
			segs = append(segs, seg)
			i += len(seg.raw)
			textStart = i
			prev, _ = utf8.DecodeLastRuneInString(seg.raw)
			continue
		}
		prev = r
		i += size
	}
	if textStart < len(line) {
		segs = append(segs, segment{kind: textSegment, raw: line[textStart:]})
	}
	return segs
}

// matchAt reports whether a link, mention or hashtag starts at s, whose
// first rune is r and which follows the rune prev.
func matchAt(s string, r, prev rune) (segment, bool) {
	if isWordRune(prev) {
		return segment{}, false
	}
	switch r {
	case 'h', 'H':
		if prev == '@' || prev == '/' {
			return segment{}, false
		}
		if raw, href := matchURL(s); href != "" {
			return segment{kind: linkSegment, raw: raw, href: href}, true
		}
	case '@':
		// "=@x" and "/@x" are parts of URLs and addresses, not mentions.
		if prev == '=' || prev == '/' || prev == '@' {
			return segment{}, false
		}
		m := mentionRE.FindStringSubmatch(s)
		if m == nil {
			return segment{}, false
		}
		// "@alice@" or "@alicé" is not the mention @alice.
		if next, _ := utf8.DecodeRuneInString(s[len(m[0]):]); isWordRune(next) || next == '@' {
			return segment{}, false
		}
		return segment{kind: mentionSegment, raw: m[0], name: m[1], host: m[2]}, true
	case '#':
		if prev == '&' || prev == '/' || prev == '=' || prev == '#' {
			return segment{}, false
		}
		m := hashtagRE.FindStringSubmatch(s)
		// "#1" in "we're #1" is no hashtag: a tag needs a letter or "_".
		if m == nil || !strings.ContainsFunc(m[1], func(r rune) bool { return unicode.IsLetter(r) || r == '_' }) {
			return segment{}, false
		}
		return segment{kind: hashtagSegment, raw: m[0], name: m[1]}, true
	}
	return segment{}, false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// matchURL returns the http(s) URL at the start of s as written, without
// the punctuation that ends the sentence around it, and as its href; or two
// empty strings.
func matchURL(s string) (raw, href string) {
	if !urlStartRE.MatchString(s) {
		return "", ""
	}
	end := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' || r == utf8.RuneError
	})
	if end < 0 {
		end = len(s)
	}
	// Longer runs are no URL anyone reads; the limit also keeps a line of
	// many failed "http://" starts from costing quadratic time.
	if end > maxURLBytes {
		return "", ""
	}
	raw = trimURLEnd(s[:end])
	if href = linkHref(raw); href == "" {
		return "", ""
	}
	return raw, href
}

// trimURLEnd drops trailing punctuation that belongs to the sentence, not
// the URL: "see https://example.com/a." and "(https://example.com/b)".
// Closing brackets stay when the URL opened them: ".../Foo_(bar)".
func trimURLEnd(u string) string {
	for u != "" {
		r, size := utf8.DecodeLastRuneInString(u)
		switch r {
		case '.', ',', ':', ';', '!', '?', '\'', '*', '…', '。', '、', '，', '！', '？':
		case ')':
			if strings.Count(u, "(") >= strings.Count(u, ")") {
				return u
			}
		case ']':
			if strings.Count(u, "[") >= strings.Count(u, "]") {
				return u
			}
		case '}':
			if strings.Count(u, "{") >= strings.Count(u, "}") {
				return u
			}
		default:
			return u
		}
		u = u[:len(u)-size]
	}
	return u
}

// linkHref returns raw as the href a sanitizer keeps unchanged: an absolute
// http(s) URL with a host, in net/url's canonical form. It returns "" for
// anything else.
func linkHref(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return ""
	}
	href := u.String()
	// The sanitizer parses and prints the URL once more; a URL that would
	// change again is not linked, so Render's output stays a fixed point.
	if again, err := url.Parse(href); err != nil || again.String() != href {
		return ""
	}
	return href
}

// baseURL returns the instance URL hashtag links start with, without a
// trailing slash, or "" when base is not an absolute http(s) URL.
func baseURL(base string) string {
	base = strings.TrimRight(base, "/")
	if linkHref(base) == "" {
		return ""
	}
	return base
}

// writeLink writes a URL as Mastodon shows it: the scheme and "www." hidden
// (class invisible), the next 30 characters shown, and the rest hidden
// behind an ellipsis, so that copying the text gives the whole URL.
func writeLink(b *strings.Builder, seg segment) {
	prefix := urlPrefixRE.FindString(seg.raw)
	shown, hidden := splitRunes(seg.raw[len(prefix):], displayedURLRunes)
	b.WriteString(`<a href="`)
	b.WriteString(html.EscapeString(seg.href))
	b.WriteString(`" rel="` + linkRel + `" target="_blank"><span class="invisible">`)
	b.WriteString(html.EscapeString(prefix))
	b.WriteString(`</span>`)
	if hidden == "" {
		b.WriteString(html.EscapeString(shown))
	} else {
		b.WriteString(`<span class="ellipsis">`)
		b.WriteString(html.EscapeString(shown))
		b.WriteString(`</span><span class="invisible">`)
		b.WriteString(html.EscapeString(hidden))
		b.WriteString(`</span>`)
	}
	b.WriteString(`</a>`)
}

// splitRunes splits s after n runes.
func splitRunes(s string, n int) (string, string) {
	for i := range s {
		if n == 0 {
			return s[:i], s[i:]
		}
		n--
	}
	return s, ""
}

// writeMention writes a mention resolve knows as an h-card and records it in
// mentions; it reports false, writing nothing, for an unknown one.
func writeMention(b *strings.Builder, seg segment, resolve func(name, host string) string, mentions *[]Mention) bool {
	if resolve == nil {
		return false
	}
	actor := resolve(seg.name, seg.host)
	href := linkHref(actor)
	if href == "" {
		return false
	}
	if !slices.ContainsFunc(*mentions, func(m Mention) bool { return m.URL == actor }) {
		*mentions = append(*mentions, Mention{Name: seg.name, Host: seg.host, URL: actor})
	}
	b.WriteString(`<span class="h-card"><a href="`)
	b.WriteString(html.EscapeString(href))
	b.WriteString(`" class="u-url mention" rel="` + linkRel + `" target="_blank">@<span>`)
	b.WriteString(html.EscapeString(seg.name))
	b.WriteString(`</span></a></span>`)
	return true
}

// writeHashtag writes a hashtag linked to base/tags/tag, or as text without
// a base.
func writeHashtag(b *strings.Builder, seg segment, tag, base string) {
	href := ""
	if base != "" {
		href = linkHref(base + "/tags/" + url.PathEscape(tag))
	}
	if href == "" {
		b.WriteString(html.EscapeString(seg.raw))
		return
	}
	b.WriteString(`<a href="`)
	b.WriteString(html.EscapeString(href))
	b.WriteString(`" class="mention hashtag" rel="` + linkRel + ` tag" target="_blank">#<span>`)
	b.WriteString(html.EscapeString(seg.name))
	b.WriteString(`</span></a>`)
}

// FieldHTML renders the plain-text value of a profile field as Mastodon
// sends and shows one: escaped, with its links made (rel nofollow
// noopener noreferrer), on one line without a paragraph around it.
func FieldHTML(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	out := Render(text, RenderOptions{}).HTML
	return strings.TrimSuffix(strings.TrimPrefix(out, "<p>"), "</p>")
}
