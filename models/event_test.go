package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// meetupFixture is a meetup in a group, with its rules, and n people.
func meetupFixture(t *testing.T, e models.Event, n int) (models.DB, *models.Event, []*models.Actor) {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "parkmoms", Title: "Park moms"})
	if err != nil {
		t.Fatal(err)
	}
	var people []*models.Actor
	for i := range n {
		acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: fmt.Sprintf("p%d", i), Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, acc.Actor)
	}
	post := &models.Post{URI: "http://village.test/e/1", AuthorID: people[0].ID, GroupID: &g.Actor.ID, Type: "Event",
		Name: "Saturday park", Visibility: models.VisibilityPublicPost, Local: true}
	if _, err := models.InsertPost(ctx, db, post); err != nil {
		t.Fatal(err)
	}
	e.PostID = post.ID
	if e.StartsAt.IsZero() {
		e.StartsAt = time.Now().Add(48 * time.Hour)
	}
	if err := e.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := models.InsertEvent(ctx, db, &e); err != nil {
		t.Fatal(err)
	}
	return db, &e, people
}

func capacity(n int) *int { return &n }

func TestAnswersFollowTheMeetupsRules(t *testing.T) {
	t.Parallel()
	type step struct {
		who     int
		want    string // going, maybe, not_going; "leave" withdraws
		status  string // what the answer comes to
		promote []int  // who leaves the waitlist because of it
	}
	cases := []struct {
		name  string
		event models.Event
		steps []step
	}{
		{"an open meetup without a limit takes everyone", models.Event{}, []step{
			{0, "going", "going", nil}, {1, "going", "going", nil}, {2, "maybe", "maybe", nil}}},
		{"a full meetup puts the next one on the waitlist", models.Event{Capacity: capacity(1)}, []step{
			{0, "going", "going", nil}, {1, "going", "waitlist", nil}, {2, "going", "waitlist", nil}}},
		{"a place freed by leaving goes to the first who waited", models.Event{Capacity: capacity(1)}, []step{
			{0, "going", "going", nil}, {1, "going", "waitlist", nil}, {2, "going", "waitlist", nil},
			{0, "leave", "", []int{1}}}},
		{"a place freed by a change of mind goes to the first who waited", models.Event{Capacity: capacity(1)}, []step{
			{0, "going", "going", nil}, {1, "going", "waitlist", nil}, {0, "maybe", "maybe", []int{1}}}},
		{"asking again keeps one's place in line", models.Event{Capacity: capacity(1)}, []step{
			{0, "going", "going", nil}, {1, "going", "waitlist", nil}, {2, "going", "waitlist", nil},
			{1, "going", "waitlist", nil}, {0, "leave", "", []int{1}}}},
		{"waiting people who say maybe leave the line", models.Event{Capacity: capacity(1)}, []step{
			{0, "going", "going", nil}, {1, "going", "waitlist", nil}, {1, "maybe", "maybe", nil},
			{0, "leave", "", nil}}},
		{"an organizer-approved meetup keeps answers pending", models.Event{JoinMode: models.JoinRestricted}, []step{
			{0, "going", "pending", nil}, {1, "maybe", "maybe", nil}}},
		{"leaving a meetup one never answered changes nothing", models.Event{}, []step{{2, "leave", "", nil}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, e, people := meetupFixture(t, c.event, 3)
			for i, s := range c.steps {
				var out models.Outcome
				err := models.InTx(ctx, db, func(tx pgx.Tx) error {
					var err error
					if s.want == "leave" {
						out, err = models.WithdrawRSVP(ctx, tx, e.PostID, people[s.who].ID)
					} else {
						out, err = models.AnswerEvent(ctx, tx, models.Answer{EventID: e.PostID, ActorID: people[s.who].ID, Want: s.want})
					}
					return err
				})
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if out.Status != s.status {
					t.Errorf("step %d: p%d asking %s got %q, want %q", i, s.who, s.want, out.Status, s.status)
				}
				var promoted []int
				for _, r := range out.Promoted {
					for j, p := range people {
						if p.ID == r.ActorID {
							promoted = append(promoted, j)
						}
					}
					if r.Status != models.RSVPGoing {
						t.Errorf("step %d: promoted p%d is %q", i, r.ActorID, r.Status)
					}
				}
				if fmt.Sprint(promoted) != fmt.Sprint(s.promote) {
					t.Errorf("step %d: promoted %v, want %v", i, promoted, s.promote)
				}
			}
		})
	}
}

func TestAnswersToACancelledOrPastMeetupAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, e, people := meetupFixture(t, models.Event{}, 1)
	if cancelled, err := models.CancelEvent(ctx, db, e.PostID); err != nil || !cancelled {
		t.Fatalf("cancel: %v %v", cancelled, err)
	}
	_, err := models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: people[0].ID, Want: models.RSVPGoing})
	if !errors.Is(err, models.ErrEventCancelled) {
		t.Errorf("answer to a cancelled meetup: %v, want ErrEventCancelled", err)
	}
	if _, err := db.Exec(ctx, `UPDATE events SET status = 'CONFIRMED', starts_at = now() - interval '1 day', ends_at = now() - interval '20 hours'`); err != nil {
		t.Fatal(err)
	}
	_, err = models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: people[0].ID, Want: models.RSVPGoing})
	if !errors.Is(err, models.ErrEventOver) {
		t.Errorf("answer to a past meetup: %v, want ErrEventOver", err)
	}
	_, err = models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: people[0].ID, Want: "waitlist"})
	if !errors.Is(err, models.ErrBadRSVP) {
		t.Errorf("asking for the waitlist: %v, want ErrBadRSVP", err)
	}
	if c, err := models.CountRSVPs(ctx, db, e.PostID); err != nil || c != (models.RSVPCounts{}) {
		t.Errorf("refused answers were stored: %+v %v", c, err)
	}
}

func TestTheOrganizerDecidesPendingAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, e, people := meetupFixture(t, models.Event{JoinMode: models.JoinRestricted, Capacity: capacity(1)}, 3)
	for _, p := range people {
		if _, err := models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: p.ID, Want: models.RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		who     int
		approve bool
		status  string
	}{
		{0, true, models.RSVPGoing},
		{1, true, models.RSVPWaitlist}, // approved, but the one place is taken
		{2, false, ""},
	}
	for _, s := range steps {
		out, err := models.DecideRSVP(ctx, db, e.PostID, people[s.who].ID, s.approve)
		if err != nil {
			t.Fatalf("decide p%d: %v", s.who, err)
		}
		if out.Status != s.status || out.Previous != models.RSVPPending {
			t.Errorf("decide p%d: %+v, want status %q from pending", s.who, out, s.status)
		}
	}
	if _, err := models.DecideRSVP(ctx, db, e.PostID, people[0].ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("deciding on someone not pending: %v, want ErrNotFound", err)
	}
	c, err := models.CountRSVPs(ctx, db, e.PostID)
	if err != nil || c != (models.RSVPCounts{Going: 1, Waitlist: 1}) {
		t.Errorf("counts %+v %v, want one going and one waiting", c, err)
	}
}

func TestAGrowingCapacityLetsTheWaitlistIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, e, people := meetupFixture(t, models.Event{Capacity: capacity(1)}, 3)
	for _, p := range people {
		if _, err := models.AnswerEvent(ctx, db, models.Answer{EventID: e.PostID, ActorID: p.ID, Want: models.RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	e.Capacity = capacity(2)
	if err := models.UpdateEvent(ctx, db, e); err != nil {
		t.Fatal(err)
	}
	if e.Sequence != 1 {
		t.Errorf("sequence after one change: %d, want 1", e.Sequence)
	}
	promoted, err := models.PromoteWaitlist(ctx, db, e.PostID)
	if err != nil {
		t.Fatal(err)
	}
	if len(promoted) != 1 || promoted[0].ActorID != people[1].ID {
		t.Errorf("promoted %+v, want only p1, the first who waited", promoted)
	}
	going, err := models.EventAttendees(ctx, db, e.PostID, models.RSVPGoing)
	if err != nil || len(going) != 2 || going[0].Actor == nil || going[0].Actor.Username != "p0" {
		t.Errorf("going: %+v %v", going, err)
	}
}

func TestAnEventOutsideItsBoundsIsRefused(t *testing.T) {
	t.Parallel()
	now := time.Now()
	later := func(d time.Duration) *time.Time { x := now.Add(time.Hour + d); return &x }
	lat, lon, far := 52.5, 13.4, 200.0
	cases := []struct {
		name string
		e    models.Event
	}{
		{"no start", models.Event{}},
		{"a start in the past", models.Event{StartsAt: now.Add(-time.Hour)}},
		{"a start centuries away", models.Event{StartsAt: now.AddDate(300, 0, 0)}},
		{"an end before the start", models.Event{StartsAt: now.Add(time.Hour), EndsAt: later(-2 * time.Hour)}},
		{"a year long", models.Event{StartsAt: now.Add(time.Hour), EndsAt: later(365 * 24 * time.Hour)}},
		{"an unknown time zone", models.Event{StartsAt: now.Add(time.Hour), TimeZone: "Mars/Olympus"}},
		{"no room at all", models.Event{StartsAt: now.Add(time.Hour), Capacity: capacity(0)}},
		{"a capacity of millions", models.Event{StartsAt: now.Add(time.Hour), Capacity: capacity(5_000_000)}},
		{"an unknown join mode", models.Event{StartsAt: now.Add(time.Hour), JoinMode: "bribe"}},
		{"a latitude without longitude", models.Event{StartsAt: now.Add(time.Hour), Place: models.Place{Latitude: &lat}}},
		{"coordinates off the globe", models.Event{StartsAt: now.Add(time.Hour), Place: models.Place{Latitude: &lat, Longitude: &far}}},
	}
	for _, c := range cases {
		if err := c.e.Validate(now); !errors.Is(err, models.ErrInvalidEvent) {
			t.Errorf("%s: %v, want ErrInvalidEvent", c.name, err)
		}
	}
	ok := models.Event{StartsAt: now.Add(time.Hour), EndsAt: later(2 * time.Hour), TimeZone: "Europe/Berlin",
		Place: models.Place{Latitude: &lat, Longitude: &lon}}
	if err := ok.Validate(now); err != nil {
		t.Errorf("a sound meetup: %v", err)
	}
	if ok.JoinMode != models.JoinFree || ok.Status != models.EventConfirmed {
		t.Errorf("defaults: join mode %q, status %q", ok.JoinMode, ok.Status)
	}
}
