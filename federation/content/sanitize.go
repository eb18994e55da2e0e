// Package content handles the HTML of posts, in and out: it sanitizes the
// HTML that arrives from other servers, renders the plain text that local
// members write into HTML that other servers understand (mentions, hashtags,
// links in Mastodon's markup), and turns HTML back into plain text for
// titles, notifications and search.
//
// Every HTML string this package returns is in one canonical form: Render's
// output passes through a Sanitizer unchanged, and sanitizing twice gives
// the same result as sanitizing once.
package content

import (
	"slices"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// linkRel is the rel of every link in sanitized HTML: remote authors get no
// search ranking from us (nofollow), and the page they link to gets neither
// a handle on our window (noopener) nor the address of the page the reader
// came from (noreferrer).
const linkRel = "nofollow noopener noreferrer"

// allowedClasses are the class names kept on a and span: those of Mastodon's
// mention, hashtag and shortened-link markup, which clients style.
var allowedClasses = map[string]bool{
	"h-card":    true,
	"mention":   true,
	"u-url":     true,
	"hashtag":   true,
	"invisible": true,
	"ellipsis":  true,
}

// blockWrappers are block elements outside the allow-list whose content
// stays, set apart by spaces: what servers wrap text in (div, section) and
// Lemmy's markdown tables.
var blockWrappers = map[atom.Atom]bool{
	atom.Div: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Nav: true,
	atom.Main: true, atom.Figure: true, atom.Figcaption: true,
	atom.Address: true, atom.Details: true, atom.Summary: true,
	atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Hr: true,
	atom.Table: true, atom.Caption: true, atom.Thead: true,
	atom.Tbody: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true,
	atom.Th: true,
}

// paragraphClosers are the allowed elements whose start tag closes an open
// <p> when HTML is parsed: a <p> around one of them would not survive the
// next parse.
var paragraphClosers = map[atom.Atom]bool{
	atom.P: true, atom.Blockquote: true, atom.Pre: true, atom.Ul: true,
	atom.Ol: true, atom.Li: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
}

// Sanitizer cleans HTML that comes from other servers. Build one with
// NewSanitizer and keep it: building the policy is the expensive part.
// A Sanitizer is safe for concurrent use.
type Sanitizer struct {
	policy *bluemonday.Policy
}

// NewSanitizer returns a Sanitizer with Village's allow-list, close to the
// one Mastodon 4 applies to remote statuses:
//
//   - kept: p, br, span, a, strong, b, em, i, u, s, del, code, pre,
//     blockquote, ul, ol, li;
//   - h1–h6 become <p><strong>…</strong></p>, as Mastodon does, so that a
//     heading shows the same here as in Mastodon apps and one post cannot
//     shout over the timeline it appears in (a heading holding a list,
//     quote or paragraph becomes just its content);
//   - div, section, table and other block wrappers become their content
//     between spaces, so words they separated stay apart;
//   - a keeps only an absolute http, https or mailto href (a link without
//     one becomes its text), and always gets rel="nofollow noopener
//     noreferrer" (plus "tag" if the sender marked a hashtag so) and
//     target="_blank";
//   - a and span keep only the classes h-card, mention, u-url, hashtag,
//     invisible and ellipsis;
//   - everything else goes: script, style, iframe, object, embed, form and
//     img elements (images arrive as attachments), every other attribute
//     (on*, style, id, …), comments.
//
// The output is well formed: every element is closed.
func NewSanitizer() *Sanitizer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "span",
		"strong", "b", "em", "i", "u", "s", "del",
		"code", "pre", "blockquote", "ul", "ol", "li",
		"h1", "h2", "h3", "h4", "h5", "h6")
	// Block wrappers pass, without attributes, only to be replaced by
	// their content between spaces (cleanTree): dropped outright, they
	// would glue "Hello<div>world</div>" into "Helloworld". bluemonday's
	// own remedy, a space for every stripped tag, also splits
	// "H<sub>2</sub>O" and puts a space before the period after a link it
	// removed.
	for a := range blockWrappers {
		p.AllowElements(a.String())
	}
	p.AllowAttrs("href").OnElements("a")
	// class and rel pass bluemonday whole; cleanTree keeps only the tokens
	// we allow, so one unknown class does not cost a mention its h-card.
	p.AllowAttrs("class").OnElements("a", "span")
	p.AllowAttrs("rel").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	// A relative URL would resolve against our own host.
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	return &Sanitizer{policy: p}
}

// Sanitize returns htmlText with everything outside the allow-list removed
// (see NewSanitizer). It never fails: input it cannot read gives "".
func (s *Sanitizer) Sanitize(htmlText string) string {
	// bluemonday decides what may stay: elements, attributes, URL schemes.
	// It works on tokens and leaves tags unbalanced, so its output is then
	// parsed, adjusted (headings, classes, rel, target) and rendered again,
	// which closes every element. Parsing bluemonday's output cannot create
	// elements it removed: their markup is gone and text is escaped.
	cleaned := s.policy.Sanitize(htmlText)
	if strings.TrimSpace(cleaned) == "" {
		return cleaned
	}
	// A tree the cleaning left may parse into another one: a heading
	// unwrapped between two list items leaves <li><li></li></li>, which
	// the parser reads as two siblings. Reshaping until the text stops
	// changing (twice is enough in practice) keeps the promise that
	// sanitizing twice gives what sanitizing once gave.
	out, ok := reshape(cleaned)
	for i := 0; ok && i < maxReshapes; i++ {
		again, reparsed := reshape(out)
		if !reparsed || again == out {
			break
		}
		out = again
	}
	if !ok {
		return ""
	}
	return out
}

// maxReshapes bounds the passes Sanitize makes after the first.
const maxReshapes = 3

// reshape parses allowed HTML as the content of a div, applies cleanTree
// and renders it again, every element closed; false when it cannot.
func reshape(allowed string) (string, bool) {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(allowed), ctx)
	if err != nil {
		return "", false
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	cleanTree(root)

	var b strings.Builder
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return "", false
		}
	}
	return b.String(), true
}

// cleanTree applies the rules bluemonday cannot express to the children of
// n, depth first.
func cleanTree(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type != html.ElementNode {
			c = next
			continue
		}
		cleanTree(c)
		switch c.DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			if hasParagraphCloser(c) {
				unwrap(c)
			} else {
				downgradeHeading(c)
			}
		case atom.A:
			if !cleanLink(c) {
				unwrap(c)
			}
		case atom.Span:
			c.Attr = classAttr(c.Attr)
		default:
			if blockWrappers[c.DataAtom] {
				c.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, c.FirstChild)
				c.AppendChild(&html.Node{Type: html.TextNode, Data: " "})
				unwrap(c)
			}
		}
		c = next
	}
}

// hasParagraphCloser reports whether n contains an element a <p> cannot
// hold; such a heading becomes its content instead.
func hasParagraphCloser(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (paragraphClosers[c.DataAtom] || hasParagraphCloser(c)) {
			return true
		}
	}
	return false
}

// downgradeHeading turns <hN>…</hN> into <p><strong>…</strong></p>.
func downgradeHeading(h *html.Node) {
	h.Data, h.DataAtom, h.Attr = "p", atom.P, nil
	strong := &html.Node{Type: html.ElementNode, Data: "strong", DataAtom: atom.Strong}
	for c := h.FirstChild; c != nil; {
		next := c.NextSibling
		h.RemoveChild(c)
		strong.AppendChild(c)
		c = next
	}
	h.AppendChild(strong)
}

// cleanLink rewrites the attributes of a in their canonical order (href,
// class, rel, target), which Render writes too. It reports false for a link
// without an href, which is no link and should become its text.
func cleanLink(a *html.Node) bool {
	var href string
	tag := false
	for _, at := range a.Attr {
		switch at.Key {
		case "href":
			href = at.Val
		case "rel":
			for _, r := range strings.Fields(at.Val) {
				if strings.EqualFold(r, "tag") {
					tag = true
				}
			}
		}
	}
	if href == "" {
		return false
	}
	rel := linkRel
	if tag {
		rel += " tag"
	}
	attrs := []html.Attribute{{Key: "href", Val: href}}
	attrs = append(attrs, classAttr(a.Attr)...)
	attrs = append(attrs,
		html.Attribute{Key: "rel", Val: rel},
		html.Attribute{Key: "target", Val: "_blank"})
	a.Attr = attrs
	return true
}

// classAttr returns the class attribute of attrs reduced to the allowed
// class names, each once and in their order, or nothing if none is left.
func classAttr(attrs []html.Attribute) []html.Attribute {
	for _, at := range attrs {
		if at.Key != "class" {
			continue
		}
		var kept []string
		for _, name := range strings.Fields(at.Val) {
			if allowedClasses[name] && !slices.Contains(kept, name) {
				kept = append(kept, name)
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return []html.Attribute{{Key: "class", Val: strings.Join(kept, " ")}}
	}
	return nil
}

// unwrap replaces n by its children.
func unwrap(n *html.Node) {
	parent := n.Parent
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		parent.InsertBefore(c, n)
		c = next
	}
	parent.RemoveChild(n)
}

// WebURL keeps a link from another server only if it is http or https, so
// that no javascript: or data: link reaches a page or a feed.
func WebURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}
