package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/village-social/village/models"
)

const siteHost = "127.0.0.2:8080"

var conversationLinkRE = regexp.MustCompile(`href="(/messages/\d+)"`)

// In the web app, a member writes privately to a group's moderator from
// the group's page; the moderator finds it under Messages (new), reads the
// conversation and answers privately; nobody else sees any of it, and the
// group takes nothing in.
func TestMessagesInTheWebApp(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, nora := s.member("nora")
	mariaAcc, maria := s.member("maria")
	_, lou := s.member("lou")

	wantIn(t, "the group's page", nora.page("/groups/park_slope"), `/messages/new?to=%40maria%40`)
	form := nora.page("/messages/new?to=@maria@" + siteHost)
	wantIn(t, "the new message form", form, `name="visibility" value="direct"`, "@maria@"+siteHost+" ")
	id := nora.writePost("/messages/new?to=@maria@"+siteHost, url.Values{"visibility": {"direct"},
		"text": {"@maria@" + siteHost + " someone keeps posting my address, can you help?"}})
	p := s.post(id)
	if p.Visibility != models.VisibilityDirect || p.GroupID != nil || p.Source == "" {
		t.Fatalf("stored as %s in group %v, source %q", p.Visibility, p.GroupID, p.Source)
	}

	messages := maria.page("/messages")
	wantIn(t, "maria's messages", messages, "someone keeps posting my address", "nora")
	m := conversationLinkRE.FindStringSubmatch(messages)
	if m == nil {
		t.Fatalf("no conversation link in %s", messages)
	}
	thread := maria.page(m[1])
	wantIn(t, "the conversation", thread, "someone keeps posting my address", `name="visibility" value="direct"`,
		`name="in_reply_to" value="`+strconv.FormatInt(id, 10)+`"`)
	if conv, err := models.ConversationOfThread(context.Background(), s.db, mariaAcc.Actor.ID, id); err == nil && conv.Unread {
		t.Errorf("the conversation is still unread after maria read it")
	}
	answer := maria.writePost(m[1], url.Values{"visibility": {"direct"}, "in_reply_to": {strconv.FormatInt(id, 10)},
		"text": {"@nora I removed it and banned them"}})
	if a := s.post(answer); a.Visibility != models.VisibilityDirect {
		t.Errorf("the answer is %s", a.Visibility)
	}
	wantIn(t, "nora's messages", nora.page("/messages"), "I removed it and banned them")

	for _, path := range []string{"/posts/" + strconv.FormatInt(id, 10), "/messages/new?reply_to=" + strconv.FormatInt(id, 10)} {
		wantStatus(t, "lou at "+path, lou.get(path), http.StatusNotFound)
	}
	wantStatus(t, "lou at nora's conversation", lou.get(m[1]), http.StatusNotFound)
	wantNotIn(t, "lou's messages", lou.page("/messages"), "posting my address")
	wantNotIn(t, "the group's page", lou.page("/groups/brooklyn_moms"), "posting my address")
	wantNotIn(t, "lou's home", lou.page("/home"), "posting my address")

	// A private message must name someone.
	rec := nora.submit("/messages/new", "/posts", url.Values{"visibility": {"direct"}, "text": {"to nobody at all"}})
	wantStatus(t, "a message naming nobody", rec, http.StatusUnprocessableEntity)
}

func TestBookmarksInTheWebApp(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, nora := s.member("nora")
	_, lou := s.member("lou")
	nora.join("brooklyn_moms")
	id := nora.writePost("/groups/brooklyn_moms", url.Values{"group": {"@brooklyn_moms@" + siteHost}, "text": {"free crib, pick up today"}})
	path := "/posts/" + strconv.FormatInt(id, 10)
	wantIn(t, "the thread", lou.page(path), `action="`+path+`/bookmark"`)
	wantNotIn(t, "lou's bookmarks", lou.page("/bookmarks"), "free crib")
	location(t, lou.submit(path, path+"/bookmark", url.Values{}))
	wantIn(t, "lou's bookmarks", lou.page("/bookmarks"), "free crib", `action="`+path+`/unbookmark"`)
	wantNotIn(t, "nora's bookmarks", nora.page("/bookmarks"), "free crib")
	location(t, lou.submit("/bookmarks", path+"/unbookmark", url.Values{}))
	wantNotIn(t, "lou's bookmarks", lou.page("/bookmarks"), "free crib")
}
