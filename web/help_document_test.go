package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// A help calendar's document at /help/:id goes only to a signed fetch by
// a member's server of its members-only group, never with the address;
// anyone else gets the 404 of a calendar that does not exist, and a
// browser the page (which sends a visitor to log in).
func TestAHelpCalendarsDocumentIsServedToMembersServersOnly(t *testing.T) {
	t.Parallel()
	member, stranger := testenv.NewRemote(t, "member"), testenv.NewRemote(t, "stranger")
	var path string
	s := newFetchSite(t, false, func(s fetchSite) {
		ctx := context.Background()
		group, alice := localActor(t, s.db, "park_slope"), localActor(t, s.db, "alice")
		m, err := s.resolver.FetchActor(ctx, member.ActorID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []*models.Actor{m, alice} {
			if _, err := models.PutFollow(ctx, s.db, a.ID, group.ID, a.URI+"#follow", models.FollowAccepted); err != nil {
				t.Fatal(err)
			}
		}
		today := time.Now().UTC().Truncate(24 * time.Hour)
		cal, err := models.CreateHelpCalendar(ctx, s.db, models.NewHelpCalendar{GroupID: group.ID, OpenedBy: alice.ID,
			RecipientName: "Rosa", Title: "Meals for Rosa", Kind: "meals", StartsOn: today, EndsOn: today.AddDate(0, 0, 3),
			TimeZone: "UTC", Private: models.HelpPrivate{Address: "12 Elm St", Notes: "no nuts", DropOff: "5-6 pm"},
			Slots: []models.NewHelpSlot{{Day: today.AddDate(0, 0, 1), Label: "dinner", Places: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		path = "/help/" + strconv.FormatInt(cal.ID, 10)
	})
	for _, tc := range []struct {
		name   string
		signer *testenv.Remote
		accept string
		status int
	}{
		{"unsigned", nil, asJSON, http.StatusNotFound},
		{"signed by a stranger", stranger, asJSON, http.StatusNotFound},
		{"signed by a member", member, asJSON, http.StatusOK},
		{"a browser without a session", nil, browserGET, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.get(t, path, tc.accept, tc.signer, signature.Cavage)
			if rec.Code != tc.status {
				t.Fatalf("GET %s: %d, want %d: %s", path, rec.Code, tc.status, rec.Body.String())
			}
			body := rec.Body.String()
			for _, private := range []string{"12 Elm St", "no nuts", "5-6 pm"} {
				if strings.Contains(body, private) {
					t.Errorf("the answer carries %q: %s", private, body)
				}
			}
			if tc.status != http.StatusOK {
				return
			}
			doc, err := federation.ParseObject(rec.Body.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			got, err := federation.HelpCalendarFromObject(doc)
			if err != nil || got.Title != "Meals for Rosa" || len(got.Slots) != 1 || got.Slots[0].Places != 2 {
				t.Fatalf("the document reads as %+v, %v", got, err)
			}
		})
	}
	rec := s.get(t, federation.HelpContextPath, "application/ld+json", nil, signature.Cavage)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), federation.HelpNamespace) {
		t.Fatalf("GET %s: %d %s", federation.HelpContextPath, rec.Code, rec.Body.String())
	}
}
