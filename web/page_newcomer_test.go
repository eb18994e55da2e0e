package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/models"
)

// The first minutes of someone new to Village: what a phone, the header,
// logging in and a new moderator meet.

func TestAPhoneCanAddVillageToItsHomeScreen(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	if err := models.SetInstance(context.Background(), s.db, models.InstanceInfo{Name: "Brooklyn Village"}, models.SignupOpen); err != nil {
		t.Fatal(err)
	}
	visitor := s.browser()
	wantIn(t, "every page's head", visitor.page("/"), `<link rel="manifest" href="/manifest.webmanifest">`,
		`<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">`, `<meta name="theme-color"`)

	rec := visitor.get("/manifest.webmanifest")
	wantStatus(t, "the manifest", rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/manifest+json" {
		t.Errorf("manifest Content-Type %q", ct)
	}
	var m struct {
		Name, ShortName, StartURL, Display, Scope string
		Icons                                     []struct{ Src, Sizes, Type, Purpose string }
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("manifest: %v\n%s", err, rec.Body)
	}
	for key, into := range map[string]any{"name": &m.Name, "short_name": &m.ShortName, "start_url": &m.StartURL,
		"display": &m.Display, "scope": &m.Scope, "icons": &m.Icons} {
		if err := json.Unmarshal(raw[key], into); err != nil {
			t.Errorf("manifest %s: %v", key, err)
		}
	}
	if m.Name != "Brooklyn Village" || m.ShortName == "" || m.StartURL != "/home" || m.Display != "standalone" || m.Scope != "/" {
		t.Errorf("manifest says %+v", m)
	}
	// Installable on Android: PNG icons of 192 and 512 pixels, and a
	// maskable one; each is really there, as a PNG.
	sizes := map[string]bool{}
	for _, icon := range m.Icons {
		rec := visitor.get(icon.Src)
		wantStatus(t, "icon "+icon.Src, rec, http.StatusOK)
		if icon.Type == "image/png" {
			if !bytes.HasPrefix(rec.Body.Bytes(), []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("icon %s is no PNG", icon.Src)
			}
			sizes[icon.Sizes+" "+icon.Purpose] = true
		}
	}
	for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		if !sizes[want] {
			t.Errorf("the manifest lacks a PNG icon %s (has %v)", want, sizes)
		}
	}

	rec = visitor.get("/favicon.ico")
	wantStatus(t, "/favicon.ico", rec, http.StatusOK)
	if !bytes.HasPrefix(rec.Body.Bytes(), []byte{0, 0, 1, 0}) || rec.Header().Get("Content-Type") != "image/x-icon" {
		t.Errorf("/favicon.ico is no icon: %q, % x", rec.Header().Get("Content-Type"), rec.Body.Bytes()[:min(4, rec.Body.Len())])
	}
}

func TestRobotsKeepCrawlersOutOfPrivatePagesAndLanguageModelsOutOfEverything(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	rec := s.browser().get("/robots.txt")
	wantStatus(t, "/robots.txt", rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("robots.txt Content-Type %q", ct)
	}
	// Group by group of user agents: what each is told.
	rules := map[string][]string{}
	var agents []string
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		key, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "user-agent":
			if len(agents) > 0 && len(rules[agents[0]]) > 0 {
				agents = nil
			}
			agents = append(agents, value)
		case "disallow":
			for _, a := range agents {
				rules[a] = append(rules[a], value)
			}
		}
	}
	for _, bot := range []string{"GPTBot", "CCBot", "ClaudeBot", "Google-Extended"} {
		if got := rules[bot]; len(got) != 1 || got[0] != "/" {
			t.Errorf("%s is told %v, want everything disallowed", bot, got)
		}
	}
	everyone := strings.Join(rules["*"], " ")
	for _, private := range []string{"/api/", "/admin", "/settings", "/home", "/posts/", "/moderate"} {
		if !strings.Contains(" "+everyone+" ", " "+private+" ") {
			t.Errorf("crawlers are not kept out of %s: %v", private, rules["*"])
		}
	}
	for _, public := range []string{"/", "/groups"} {
		for _, d := range rules["*"] {
			if d == public {
				t.Errorf("crawlers are kept out of the public %s", public)
			}
		}
	}
}

func TestTheHeaderSaysSignUpAndTheFollowBoxAsksForTheirHandle(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	home := s.browser().page("/")
	wantIn(t, "the header of a visitor", home, `<a class="button" href="/signup">Sign up</a>`)
	wantNotIn(t, "the header of a visitor", home, `href="/signup">Join</a>`)

	_, b := s.member("alice")
	page := b.page("/home")
	wantIn(t, "the follow box", page, `<label for="follow-handle">Their fediverse handle</label>`)
	wantNotIn(t, "the follow box", page, "Your fediverse handle")
}

func TestAModeratorReadsHerMembersOnlyGroupWithoutJoining(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t) // maria moderates the members-only park_slope, and follows nothing
	_, maria := s.member("maria")
	id := maria.writePost("/groups/park_slope", url.Values{"text": {"PICNIC-SATURDAY"}, "group": {"@park_slope@127.0.0.2:8080"}})
	if st := s.followState(mustAccount(t, s, "maria").Actor, s.group("park_slope").Actor); st != "" {
		t.Fatalf("maria follows the group (%q): the test needs a moderator who is not a member", st)
	}

	page := maria.page("/groups/park_slope")
	wantIn(t, "the moderator's group page", page, "PICNIC-SATURDAY", `href="/posts/`+idOf(id)+`"`,
		"You moderate this group.", `href="/groups/park_slope/manage"`)
	wantNotIn(t, "the moderator's group page", page, "Posts in this group are for its members only.", "Ask to join")

	// A member reads them too; anyone else still does not.
	alice, a := s.member("alice")
	wantNotIn(t, "a stranger's look", a.page("/groups/park_slope"), "PICNIC-SATURDAY")
	wantIn(t, "a stranger's look", a.page("/groups/park_slope"), "Posts in this group are for its members only.")
	wantNotIn(t, "a visitor's look", s.browser().page("/groups/park_slope"), "PICNIC-SATURDAY")
	if _, err := models.PutFollow(context.Background(), s.db, alice.Actor.ID, s.group("park_slope").Actor.ID,
		siteBase+"/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "a member's look", a.page("/groups/park_slope"), "PICNIC-SATURDAY")
}
