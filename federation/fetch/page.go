package fetch

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strings"

	"golang.org/x/net/html"
)

// PageAccept asks for an ActivityPub document and takes a web page as
// the fallback, as Mastodon asks when someone pastes a link.
const PageAccept = ActivityAccept + ", text/html;q=0.1"

// maxPageBytes caps how much of a web page is read looking for its
// alternate link: it sits in the head.
const maxPageBytes = 256 << 10

// Pasted is what an address someone pasted leads to: an ActivityPub
// document (whose id may differ from the address: a post's page served as
// JSON names the post's own id), or the address a web page names as its
// ActivityPub alternate.
type Pasted struct {
	Document  *Document // JSON; its id is not checked against its URL
	Alternate string    // from <link rel="alternate" type="application/activity+json">
}

// GetPasted fetches an address pasted in a search box, under the same
// guard, timeout, redirect and size rules as GetActivity. An ActivityPub
// answer is returned as it is (the caller fetches the id it names before
// believing it); an HTML answer gives its alternate link, resolved
// against the page's address.
func (c *Client) GetPasted(ctx context.Context, rawURL string) (*Pasted, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.open(ctx, rawURL, PageAccept)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/html" || resp.StatusCode < 200 || resp.StatusCode > 299 {
		doc, err := c.readDocument(ctx, resp, checkActivityType)
		if err != nil {
			return nil, err
		}
		return &Pasted{Document: doc}, nil
	}
	href := alternateLink(io.LimitReader(resp.Body, maxPageBytes))
	if href == "" {
		return nil, fmt.Errorf("%w: the page %s names no ActivityPub alternate", ErrContentType, resp.Request.URL.Redacted())
	}
	alt, err := resp.Request.URL.Parse(href)
	if err != nil || (alt.Scheme != "https" && alt.Scheme != "http") {
		return nil, fmt.Errorf("%w: alternate %q of %s", ErrInvalidURL, href, resp.Request.URL.Redacted())
	}
	return &Pasted{Alternate: alt.String()}, nil
}

// alternateLink finds the first <link rel="alternate"
// type="application/activity+json"> of a page (ld+json with the
// ActivityStreams profile too), before its body starts.
func alternateLink(r io.Reader) string {
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return ""
			case "link":
			default:
				continue
			}
			var rel, typ, href string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "rel":
					rel = string(v)
				case "type":
					typ = string(v)
				case "href":
					href = string(v)
				}
			}
			if hasToken(rel, "alternate") && checkActivityType(typ) == nil && href != "" {
				return href
			}
		}
	}
}

// hasToken reports whether a space-separated attribute holds a token.
func hasToken(attr, token string) bool {
	for _, f := range strings.Fields(attr) {
		if strings.EqualFold(f, token) {
			return true
		}
	}
	return false
}
