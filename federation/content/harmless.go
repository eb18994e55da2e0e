package content

import (
	"errors"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// harmlessElements are the elements Sanitize keeps as they are.
var harmlessElements = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Span: true, atom.A: true,
	atom.Strong: true, atom.B: true, atom.Em: true, atom.I: true, atom.U: true,
	atom.S: true, atom.Del: true, atom.Code: true, atom.Pre: true,
	atom.Blockquote: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
}

// Harmless reports whether HTML from another server holds nothing that
// Sanitize would take away: only the elements it keeps, links to absolute
// http, https or mailto URLs, and no attribute but the class, rel, target
// and translate that Mastodon's markup carries (Sanitize rewrites rel and
// target, which changes no meaning). Such HTML may travel on as received,
// for instance inside an activity forwarded with its author's signature.
// It is strict: anything else, even what Sanitize would merely unwrap
// (a div), makes it false.
func Harmless(htmlText string) bool {
	z := html.NewTokenizer(strings.NewReader(htmlText))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return errors.Is(z.Err(), io.EOF)
		case html.TextToken:
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if !harmlessElements[a] {
				return false
			}
			for hasAttr {
				var key, val []byte
				key, val, hasAttr = z.TagAttr()
				if !harmlessAttribute(a, string(key), string(val)) {
					return false
				}
			}
		default: // comments, doctypes
			return false
		}
	}
}

func harmlessAttribute(element atom.Atom, key, val string) bool {
	switch key {
	case "class":
		return element == atom.A || element == atom.Span
	case "translate":
		return element == atom.Span
	case "rel", "target":
		return element == atom.A
	case "href":
		if element != atom.A {
			return false
		}
		u, err := url.Parse(val)
		if err != nil {
			return false
		}
		switch u.Scheme {
		case "http", "https":
			return u.Host != "" && !strings.ContainsAny(val, " \t\r\n")
		case "mailto":
			return !strings.ContainsAny(val, " \t\r\n")
		}
	}
	return false
}
