package web_test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// rssFeed and atomFeed read what a feed reader reads.
type rssFeed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		// Before Link, which would take atom:link too.
		Self struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Link  string `xml:"link"`
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// feedBody fetches a feed as a feed reader does.
func (s pubSite) feed(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8")
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

func TestFeedsAreValidRSSAndAtomWithTheRightItems(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	alice := localActor(t, s.db, "alice")
	club := localActor(t, s.db, "online_only")
	for i := range 25 {
		s.localPost(t, alice, &models.Post{Content: fmt.Sprintf("<p>Club note %d</p>", i), GroupID: &club.ID})
	}
	tests := []struct {
		path      string
		items     int
		newest    string // in the first item's content
		title     string // the feed's title
		mustHave  string // in some item's content
		mustNotBe string // in no item
	}{
		// Top-level posts into the group: Alice's two and Bob's; not the replies.
		{"/groups/brooklyn_moms/feed.rss", 3, "Top-level from Bob", "Brooklyn Moms <3", "Content warning: Sleep &lt;talk&gt;", "Thanks Bob"},
		{"/groups/brooklyn_moms/feed.atom", 3, "Top-level from Bob", "Brooklyn Moms <3", "Playground meetup", "Thanks Bob"},
		{"/groups/online_only/feed.rss", 20, "Club note 24", "Night Feeds Club", "Club note 5", "Club note 4<"},
		{"/groups/online_only/feed.atom", 20, "Club note 24", "Night Feeds Club", "Club note 5", "Club note 4<"},
		// Alice's public posts, replies too, never the members-only one.
		{"/users/alice/feed.rss", 20, "Club note 24", "Alice <Park> (@alice@" + apHost + ")", "Club note 5", "SECRET-MEMBERS-POST"},
		{"/users/alice/feed.atom", 20, "Club note 24", "Alice <Park> (@alice@" + apHost + ")", "Club note 5", "SECRET-MEMBERS-POST"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := s.feed(t, tt.path)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			body := rec.Body.Bytes()
			if !strings.HasPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`) {
				t.Errorf("no XML declaration: %.60s", body)
			}
			var titles, contents []string
			if strings.HasSuffix(tt.path, ".rss") {
				if ct := rec.Header().Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				var f rssFeed
				if err := xml.Unmarshal(body, &f); err != nil {
					t.Fatalf("not XML: %v\n%s", err, body)
				}
				if f.Version != "2.0" || f.Channel.Title != tt.title || f.Channel.Link == "" ||
					f.Channel.Self.Rel != "self" || f.Channel.Self.Href != apBase+tt.path {
					t.Errorf("channel: version %q title %q link %q self %+v", f.Version, f.Channel.Title, f.Channel.Link, f.Channel.Self)
				}
				for _, it := range f.Channel.Items {
					if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil || it.Link == "" || it.GUID == "" {
						t.Errorf("item %+v: %v", it, err)
					}
					titles, contents = append(titles, it.Title), append(contents, it.Description)
				}
			} else {
				if ct := rec.Header().Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				var f atomFeed
				if err := xml.Unmarshal(body, &f); err != nil {
					t.Fatalf("not XML: %v\n%s", err, body)
				}
				if f.ID != apBase+tt.path || f.Title != tt.title || f.Author.Name == "" {
					t.Errorf("feed: id %q title %q author %q", f.ID, f.Title, f.Author.Name)
				}
				if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
					t.Errorf("updated %q: %v", f.Updated, err)
				}
				for _, e := range f.Entries {
					if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.ID == "" || e.Link.Href == "" || e.Content.Type != "html" {
						t.Errorf("entry %+v: %v", e, err)
					}
					titles, contents = append(titles, e.Title), append(contents, e.Content.Body)
				}
			}
			if len(contents) != tt.items {
				t.Fatalf("%d items, want %d", len(contents), tt.items)
			}
			if !strings.Contains(contents[0], tt.newest) {
				t.Errorf("newest item is %q, want %q", contents[0], tt.newest)
			}
			all := strings.Join(contents, "\n")
			if !strings.Contains(all, tt.mustHave) {
				t.Errorf("no item has %q", tt.mustHave)
			}
			if strings.Contains(all, tt.mustNotBe) {
				t.Errorf("an item has %q", tt.mustNotBe)
			}
			if !strings.Contains(all, "<p>") {
				t.Error("item content is not HTML")
			}
			for _, ti := range titles {
				if ti == "" {
					t.Error("an item without a title")
				}
			}
			checkInert(t, all) // Bob's hostile HTML is cleaned in feeds too
		})
	}
}

func TestFeedsOfMembersOnlyGroupsAndUnknownActorsAreNotFound(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	for _, path := range []string{
		"/groups/park_slope/feed.rss", "/groups/park_slope/feed.atom",
		"/groups/nobody/feed.rss", "/users/nobody/feed.atom",
		"/users/brooklyn_moms/feed.rss", "/groups/alice/feed.atom", // the wrong kind of actor
	} {
		t.Run(path, func(t *testing.T) {
			rec := s.feed(t, path)
			if rec.Code != http.StatusNotFound {
				t.Errorf("%d, want 404", rec.Code)
			}
			if strings.Contains(rec.Body.String(), "SECRET") {
				t.Error("the 404 shows the members' post")
			}
		})
	}
}
