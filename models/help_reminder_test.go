package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// Helpers are reminded once, the day before their slot; members who
// took no place are not.
func TestRemindHelpersOnceTheDayBeforeOnlyToClaimers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpFixture(t, 2, 2)
	claim(t, h, h.members[0])
	slotDay := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	for _, step := range []struct {
		name string
		now  time.Time
		want int
	}{
		{"two days before: not yet", slotDay.AddDate(0, 0, -2).Add(12 * time.Hour), 0},
		{"the day before: reminded", slotDay.AddDate(0, 0, -1).Add(9 * time.Hour), 1},
		{"later that day: not again", slotDay.AddDate(0, 0, -1).Add(20 * time.Hour), 0},
	} {
		n, err := models.RemindHelpers(ctx, h.f.DB, step.now)
		if err != nil {
			t.Fatal(err)
		}
		if n != step.want {
			t.Errorf("%s: reminded of %d places, want %d", step.name, n, step.want)
		}
	}
	rows, err := h.f.DB.Query(ctx, `SELECT recipient_id FROM notifications WHERE type = 'help_reminder' AND help_calendar_id = $1`, h.cal.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if len(got) != 1 || got[0] != h.members[0].ID {
		t.Errorf("reminded %v, want only %d", got, h.members[0].ID)
	}
}

// News from the organizer and the recipient's thanks reach every helper
// as one notice, never anyone else; a helper may not post news.
func TestHelpUpdatesNotifyEveryHelper(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHelpFixture(t, 3, 3)
	claim(t, h, h.members[0])
	claim(t, h, h.members[1])
	if _, err := models.PostHelpUpdate(ctx, h.f.DB, h.cal, h.members[2].ID, models.HelpUpdateNews, "hi"); err == nil {
		t.Error("a member who is not an organizer posted news")
	}
	if _, err := models.PostHelpUpdate(ctx, h.f.DB, h.cal, h.members[2].ID, models.HelpUpdateSupport, "thinking of you"); err != nil {
		t.Errorf("a note of support: %v", err)
	}
	for _, kind := range []string{models.HelpUpdateNews, models.HelpUpdateThanks} {
		if _, err := models.PostHelpUpdate(ctx, h.f.DB, h.cal, h.organizer.ID, kind, "surgery went well"); err != nil {
			t.Fatal(err)
		}
	}
	var n, others int
	if err := h.f.DB.QueryRow(ctx, `SELECT count(*) FILTER (WHERE recipient_id = ANY($2)), count(*) FILTER (WHERE NOT recipient_id = ANY($2))
		FROM notifications WHERE help_calendar_id = $1`, h.cal.ID, []int64{h.members[0].ID, h.members[1].ID}).Scan(&n, &others); err != nil {
		t.Fatal(err)
	}
	if n != 4 || others != 0 {
		t.Errorf("%d notices to helpers (want 4: news and thanks each), %d to others", n, others)
	}
}
