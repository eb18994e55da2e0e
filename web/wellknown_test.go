package web_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

// webfinger asks the server about a resource.
func (s apServer) webfinger(t *testing.T, resource string) (int, map[string]any) {
	t.Helper()
	rec := s.get(t, "/.well-known/webfinger?resource="+url.QueryEscape(resource), "application/jrd+json")
	if rec.Code != http.StatusOK {
		return rec.Code, decodeJSON(t, rec)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/jrd+json") {
		t.Errorf("Content-Type %q, want application/jrd+json", ct)
	}
	if o := rec.Header().Get("Access-Control-Allow-Origin"); o != "*" {
		t.Errorf("Access-Control-Allow-Origin %q, want *", o)
	}
	return rec.Code, decodeJSON(t, rec)
}

// jrdLink returns the link with the given rel.
func jrdLink(jrd map[string]any, rel string) map[string]any {
	links, _ := jrd["links"].([]any)
	for _, l := range links {
		if m, _ := l.(map[string]any); m["rel"] == rel {
			return m
		}
	}
	return nil
}

func TestWebFingerAnswersPeopleGroupsAndTheInstanceActor(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	alice := struct{ subject, self, profile string }{"acct:alice@" + apHost, apBase + "/users/alice", apBase + "/@alice"}
	moms := struct{ subject, self, profile string }{"acct:brooklyn_moms@" + apHost, apBase + "/groups/brooklyn_moms", apBase + "/groups/brooklyn_moms"}
	instance := struct{ subject, self, profile string }{"acct:127.0.0.2@" + apHost, apBase + "/actor", apBase + "/@instance"}
	tests := []struct {
		name     string
		resource string
		want     struct{ subject, self, profile string }
	}{
		{"person by acct", "acct:alice@" + apHost, alice},
		{"person without the acct scheme", "alice@" + apHost, alice},
		{"person with a leading @", "@alice@" + apHost, alice},
		{"person with acct and a leading @", "acct:@alice@" + apHost, alice},
		{"person with a capitalised name", "acct:Alice@" + apHost, alice},
		{"person by actor URL", apBase + "/users/alice", alice},
		{"group by acct", "acct:brooklyn_moms@" + apHost, moms},
		{"group by actor URL", apBase + "/groups/brooklyn_moms", moms},
		{"instance actor by host name", "acct:127.0.0.2@" + apHost, instance},
		{"instance actor by actor URL", apBase + "/actor", instance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, jrd := s.webfinger(t, tt.resource)
			if code != http.StatusOK {
				t.Fatalf("%d %v", code, jrd)
			}
			if jrd["subject"] != tt.want.subject {
				t.Errorf("subject = %v, want %s", jrd["subject"], tt.want.subject)
			}
			wantAliases := []any{tt.want.self}
			if tt.want.profile != tt.want.self {
				wantAliases = append(wantAliases, tt.want.profile)
			}
			if !reflect.DeepEqual(jrd["aliases"], wantAliases) {
				t.Errorf("aliases = %v, want %v", jrd["aliases"], wantAliases)
			}
			links := map[string]map[string]any{
				"self":                                  {"rel": "self", "type": "application/activity+json", "href": tt.want.self},
				"http://webfinger.net/rel/profile-page": {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": tt.want.profile},
				"http://ostatus.org/schema/1.0/subscribe": {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": apBase + "/authorize_interaction?uri={uri}"},
			}
			for rel, want := range links {
				if got := jrdLink(jrd, rel); !reflect.DeepEqual(got, want) {
					t.Errorf("link %s = %v, want %v", rel, got, want)
				}
			}
		})
	}
}

func TestWebFingerComparesTheHostWithoutCase(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	e := web.New(web.Options{DB: s.db, URLs: federation.NewURLs("https://Village.Example"), Version: "test"})
	named := apServer{e: e, db: s.db}
	code, jrd := named.webfinger(t, "acct:alice@village.EXAMPLE")
	if code != http.StatusOK || jrd["subject"] != "acct:alice@Village.Example" {
		t.Errorf("%d %v", code, jrd)
	}
}

func TestWebFingerRefusesWhatIsNotOurs(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	tests := []struct {
		name     string
		path     string
		status   int
		wantText string
	}{
		{"missing resource", "/.well-known/webfinger", http.StatusBadRequest, "resource"},
		{"empty resource", "/.well-known/webfinger?resource=", http.StatusBadRequest, "resource"},
		{"acct without a host", "/.well-known/webfinger?resource=acct:alice", http.StatusBadRequest, "acct:name@host"},
		{"acct without a name", "/.well-known/webfinger?resource=acct:@" + apHost, http.StatusBadRequest, "acct:name@host"},
		{"another host", "/.well-known/webfinger?resource=acct:alice@127.0.0.3:8080", http.StatusNotFound, ""},
		{"our host on another port", "/.well-known/webfinger?resource=acct:alice@127.0.0.2", http.StatusNotFound, ""},
		{"unknown name", "/.well-known/webfinger?resource=acct:nobody@" + apHost, http.StatusNotFound, ""},
		{"the instance actor's stored name", "/.well-known/webfinger?resource=acct:instance@" + apHost, http.StatusNotFound, ""},
		{"another server's actor URL", "/.well-known/webfinger?resource=" + url.QueryEscape("https://mastodon.example/users/alice"), http.StatusNotFound, ""},
		{"a person at a group URL", "/.well-known/webfinger?resource=" + url.QueryEscape(apBase+"/groups/alice"), http.StatusNotFound, ""},
		{"an unknown actor URL", "/.well-known/webfinger?resource=" + url.QueryEscape(apBase+"/users/nobody"), http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.get(t, tt.path, "")
			if rec.Code != tt.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body.String(), tt.status)
			}
			msg, _ := decodeJSON(t, rec)["error"].(string)
			if msg == "" || !strings.Contains(msg, tt.wantText) {
				t.Errorf("error %q, want one mentioning %q", msg, tt.wantText)
			}
		})
	}
}

// Mastodon accepts an actor only when preferredUsername@host of its
// document WebFingers back to the same id.
func TestWebFingerRoundTripLeadsBackToTheSameActor(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	for _, subject := range []string{"acct:alice@" + apHost, "acct:brooklyn_moms@" + apHost, "acct:park_slope@" + apHost, "acct:127.0.0.2@" + apHost} {
		t.Run(subject, func(t *testing.T) {
			_, jrd := s.webfinger(t, subject)
			self, _ := jrdLink(jrd, "self")["href"].(string)
			if self == "" {
				t.Fatalf("no self link: %v", jrd)
			}
			doc := s.getDoc(t, self)
			if doc["id"] != self {
				t.Errorf("document id %v, want the self link %s", doc["id"], self)
			}
			u, err := url.Parse(self)
			if err != nil {
				t.Fatal(err)
			}
			back := "acct:" + doc["preferredUsername"].(string) + "@" + u.Host
			if back != subject {
				t.Errorf("preferredUsername@host = %s, want %s", back, subject)
			}
			_, again := s.webfinger(t, back)
			if jrdLink(again, "self")["href"] != self {
				t.Errorf("WebFinger of %s gives %v, want %s", back, jrdLink(again, "self"), self)
			}
		})
	}
}

func TestHostMetaGivesTheWebFingerTemplate(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	rec := s.get(t, "/.well-known/host-meta", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/xrd+xml") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc struct {
		XMLName xml.Name
		Links   []struct {
			Rel      string `xml:"rel,attr"`
			Template string `xml:"template,attr"`
		} `xml:"Link"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	if doc.XMLName.Space != "http://docs.oasis-open.org/ns/xri/xrd-1.0" || doc.XMLName.Local != "XRD" {
		t.Errorf("root element %v", doc.XMLName)
	}
	if len(doc.Links) != 1 || doc.Links[0].Rel != "lrdd" || doc.Links[0].Template != apBase+"/.well-known/webfinger?resource={uri}" {
		t.Errorf("links = %+v", doc.Links)
	}
}

func TestNodeInfoDescribesVillageAndCountsUsers(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	rec := s.get(t, "/.well-known/nodeinfo", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	links, _ := decodeJSON(t, rec)["links"].([]any)
	hrefs := map[string]string{}
	for _, l := range links {
		m, _ := l.(map[string]any)
		hrefs[m["rel"].(string)], _ = m["href"].(string)
	}
	wantHrefs := map[string]string{
		"http://nodeinfo.diaspora.software/ns/schema/2.0": apBase + "/nodeinfo/2.0",
		"http://nodeinfo.diaspora.software/ns/schema/2.1": apBase + "/nodeinfo/2.1",
	}
	if !reflect.DeepEqual(hrefs, wantHrefs) {
		t.Fatalf("links = %v, want %v", hrefs, wantHrefs)
	}
	for _, version := range []string{"2.0", "2.1"} {
		t.Run(version, func(t *testing.T) {
			rec := s.get(t, wantHrefs["http://nodeinfo.diaspora.software/ns/schema/"+version], "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			wantCT := `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/` + version + `#"`
			if ct := rec.Header().Get("Content-Type"); ct != wantCT {
				t.Errorf("Content-Type %q, want %q", ct, wantCT)
			}
			doc := decodeJSON(t, rec)
			want := map[string]any{
				"version":           version,
				"software":          map[string]any{"name": "village", "version": "test"},
				"protocols":         []any{"activitypub"},
				"services":          map[string]any{"inbound": []any{}, "outbound": []any{}},
				"openRegistrations": false,
				// One account: groups and the instance actor are not users.
				"usage": map[string]any{"users": map[string]any{"total": float64(1), "activeMonth": float64(1), "activeHalfyear": float64(1)}, "localPosts": float64(0)},
				"metadata": map[string]any{"nodeName": apHost, "nodeDescription": "",
					"features": []any{"mastodon_api", "oauth2", "groups"}, "postFormats": []any{"text/plain"}},
			}
			for k, v := range want {
				if !reflect.DeepEqual(doc[k], v) {
					t.Errorf("%s = %v, want %v", k, doc[k], v)
				}
			}
		})
	}
}

func TestNodeInfoCountsOnlyRecentlyActiveUsersAsActive(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	ctx := t.Context()
	if _, err := models.CreateAccount(ctx, s.db, models.NewAccount{Username: "bea", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	// Bea signed up long ago and has not been seen for two months.
	if _, err := s.db.Exec(ctx, `UPDATE accounts SET created_at = now() - interval '400 days'
		WHERE actor_id = (SELECT id FROM actors WHERE username = 'bea')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO access_tokens (account_id, token_sha256, last_used_at)
		SELECT id, '\x01', now() - interval '60 days' FROM accounts WHERE actor_id = (SELECT id FROM actors WHERE username = 'bea')`); err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, s.get(t, "/nodeinfo/2.1", ""))
	users := doc["usage"].(map[string]any)["users"]
	want := map[string]any{"total": float64(2), "activeMonth": float64(1), "activeHalfyear": float64(2)}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users = %v, want %v", users, want)
	}
}
