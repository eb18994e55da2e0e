package web_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/village-social/village/models"
)

// TestAppsAreToldOnlyTypesMastodonKnows: a meetup's change reaches
// Mastodon apps as "update" with the meetup's status, under types[]=update
// too; meetup and help reminders and help calendars' news, which have no
// Mastodon type, are left out of every list an app reads.
func TestAppsAreToldOnlyTypesMastodonKnows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStatusSite(t)
	alice, bea := s.users["alice"], s.users["bea"]
	meetup, err := strconv.ParseInt(alice.status("Saturday park", "public"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{models.NotifyEventReminder, models.NotifyEventUpdate, models.NotifyFavourite} {
		if err := models.Notify(ctx, s.db, bea.actor.ID, typ, alice.actor.ID, &meetup, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO notifications (recipient_id, type, from_id) VALUES ($1, 'help_reminder', $2)`,
		bea.actor.ID, alice.actor.ID); err != nil {
		t.Fatal(err)
	}
	type told struct {
		Type   string `json:"type"`
		Status *struct {
			ID string `json:"id"`
		} `json:"status"`
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"favourite", "update"}},
		{"?types[]=update", []string{"update"}},
		{"?exclude_types[]=update", []string{"favourite"}},
		{"?types[]=event_reminder", nil},
	}
	for _, c := range cases {
		var list []told
		bea.get("/api/v1/notifications"+c.query, &list)
		var got []string
		for _, n := range list {
			got = append(got, n.Type)
			if n.Status == nil || n.Status.ID != strconv.FormatInt(meetup, 10) {
				t.Errorf("%q: a %s without the meetup's status: %+v", c.query, n.Type, n.Status)
			}
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) || (len(got) > 1 && got[1] != c.want[1]) {
			t.Errorf("notifications%s: %v, want %v", c.query, got, c.want)
		}
	}
}

// TestUnreadCountFollowsTheMarkerAndOneNotificationReadsAlone: the
// unread count (Mastodon 4.3) counts what came after the notifications
// marker, by type and up to limit; GET /notifications/:id reads one of
// hers, never another's.
func TestUnreadCountFollowsTheMarkerAndOneNotificationReadsAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStatusSite(t)
	alice, bea := s.users["alice"], s.users["bea"]
	post, err := strconv.ParseInt(alice.status("Saturday park", "public"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{models.NotifyFavourite, models.NotifyReblog, models.NotifyMention} {
		if err := models.Notify(ctx, s.db, bea.actor.ID, typ, alice.actor.ID, &post, nil); err != nil {
			t.Fatal(err)
		}
	}
	type count struct{ Count int }
	unread := func(query string) int {
		t.Helper()
		var c count
		bea.get("/api/v1/notifications/unread_count"+query, &c)
		return c.Count
	}
	if n := unread(""); n != 3 {
		t.Errorf("unread before any marker: %d, want 3", n)
	}
	var list []struct{ ID, Type string }
	bea.get("/api/v1/notifications", &list)
	if len(list) != 3 {
		t.Fatalf("bea's notifications: %+v", list)
	}
	oldest := list[2]
	bea.form("/api/v1/markers", url.Values{"notifications[last_read_id]": {oldest.ID}}, nil)
	for query, want := range map[string]int{"": 2, "?limit=1": 1, "?types[]=mention": 1, "?exclude_types[]=mention&exclude_types[]=reblog": 0} {
		if n := unread(query); n != want {
			t.Errorf("unread_count%s after the marker: %d, want %d", query, n, want)
		}
	}
	var one struct{ ID, Type string }
	bea.get("/api/v1/notifications/"+oldest.ID, &one)
	if one.ID != oldest.ID || one.Type != oldest.Type {
		t.Errorf("GET /notifications/%s: %+v, want %+v", oldest.ID, one, oldest)
	}
	if rec := alice.send("GET", "/api/v1/notifications/"+oldest.ID, "", ""); rec.Code != 404 {
		t.Errorf("alice reading bea's notification: %d, want 404", rec.Code)
	}
}
