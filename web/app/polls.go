package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// pollView is a post's poll as a page shows it: bars and counts (hidden
// while the poll hides them), the time left or that it closed, and, for a
// member who may vote, the form.
type pollView struct {
	PostID   int64
	Options  []pollOptionView
	Multiple bool
	Totals   bool // counts may be shown
	Closed   bool
	EndsISO  string
	Ends     string // "closes in 2 h", "closed"
	Voters   string // "3 people voted"
	// For a signed-in member: whether she voted, may vote, and the form's
	// CSRF token and way back.
	Voted, CanVote bool
	CSRF, Next     string
}

type pollOptionView struct {
	Index   int
	Title   string
	Count   int
	Percent int
	Chosen  bool // the viewer voted for it
}

// pollViewOf builds the view of a poll for everyone (no viewer yet).
func pollViewOf(p *models.Poll, now time.Time) *pollView {
	v := &pollView{PostID: p.PostID, Multiple: p.Multiple, Totals: p.ShowsTotals(now), Closed: p.Expired(now)}
	total := p.VotesCount()
	if p.Multiple && p.Voters() > 0 {
		total = p.Voters() // each bar is the share of people who chose it
	}
	for i, title := range p.Options {
		o := pollOptionView{Index: i, Title: title, Count: p.Counts[i]}
		if total > 0 {
			o.Percent = min(100, p.Counts[i]*100/total)
		}
		v.Options = append(v.Options, o)
	}
	if end := p.EndsAt(); end != nil {
		v.EndsISO = end.UTC().Format(time.RFC3339)
	}
	switch end := p.EndsAt(); {
	case v.Closed:
		v.Ends = i18n.Text("poll.closed")
	case end != nil:
		v.Ends = i18n.Format("poll.closes_in", timeLeft(end.Sub(now)))
	}
	if v.Totals {
		if n := p.Voters(); n == 1 {
			v.Voters = i18n.Text("poll.voters_one")
		} else {
			v.Voters = i18n.Format("poll.voters", n)
		}
	}
	return v
}

// timeLeft says a duration as people read it: minutes, hours or days.
func timeLeft(d time.Duration) string {
	switch {
	case d < time.Hour:
		return i18n.Format("poll.left.minutes", max(1, int(d.Minutes())))
	case d < 48*time.Hour:
		return i18n.Format("poll.left.hours", int(d.Hours()))
	}
	return i18n.Format("poll.left.days", int(d.Hours()/24))
}

// loadPolls keeps the polls of the posts a page shows, for view.
func (v *postViews) loadPolls(ctx context.Context, posts []*models.Post) error {
	var ids []int64
	for _, p := range posts {
		if p != nil && p.Type == "Question" {
			ids = append(ids, p.ID)
		}
	}
	polls, err := models.PollsOf(ctx, v.h.db, ids)
	if err != nil {
		return fmt.Errorf("web: polls of posts: %w", err)
	}
	v.polls = polls
	return nil
}

// withVoter learns which options the viewer chose in the page's polls, so
// that member views mark them and offer the vote form to those who did not
// vote yet.
func (v *postViews) withVoter(ctx context.Context, viewerID int64) error {
	ids := make([]int64, 0, len(v.polls))
	for id := range v.polls {
		ids = append(ids, id)
	}
	own, err := models.OwnVotes(ctx, v.h.db, ids, viewerID)
	if err != nil {
		return fmt.Errorf("web: own votes: %w", err)
	}
	v.ownVotes = own
	return nil
}

// memberPoll gives a member's view of a post its poll's vote form or her choices.
func (v *postViews) memberPoll(pv *postView, p *models.Post, viewer *models.Actor, csrf, next string) {
	if pv.Poll == nil {
		return
	}
	poll := *pv.Poll
	poll.Options = append([]pollOptionView(nil), pv.Poll.Options...)
	poll.CSRF, poll.Next = csrf, next
	own := v.ownVotes[p.ID]
	for _, c := range own {
		if c >= 0 && c < len(poll.Options) {
			poll.Options[c].Chosen = true
		}
	}
	poll.Voted = len(own) > 0
	poll.CanVote = v.ownVotes != nil && !poll.Voted && !poll.Closed && p.AuthorID != viewer.ID
	pv.Poll = &poll
}

// VotePost records a member's vote in a post's poll (POST /posts/:id/vote,
// one "choice" field per chosen option) and goes back.
func (h *Handler) VotePost(c echo.Context) error {
	v, p, err := h.viewerPost(c, memberPostPath, false)
	if v == nil || err != nil {
		return err
	}
	if p.Type != "Question" {
		return echo.NewHTTPError(http.StatusNotFound, "post not found")
	}
	if err := c.Request().ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, i18n.Text("poll.error.choice"))
	}
	var choices []int
	for _, s := range c.Request().PostForm["choice"] {
		n, err := strconv.Atoi(s)
		if err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.Text("poll.error.choice"))
		}
		choices = append(choices, n)
	}
	err = h.outbox.Vote(c.Request().Context(), v.Actor, p, choices)
	for refusal, key := range map[error]string{models.ErrPollExpired: "poll.error.closed", models.ErrPollAlreadyVoted: "poll.error.voted",
		models.ErrPollNoChoice: "poll.error.choice", models.ErrPollUnknownOption: "poll.error.choice",
		models.ErrPollOneChoice: "poll.error.choice", models.ErrPollOwn: "poll.error.own", models.ErrPollBanned: "poll.error.banned"} {
		if errors.Is(err, refusal) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, i18n.Text(key))
		}
	}
	if err != nil {
		return err
	}
	return goBack(c, memberPostPath(p.ID)+"#post-"+strconv.FormatInt(p.ID, 10))
}

// pollDurations are the lengths the compose form offers, within the
// limits the API takes (models.MinPollExpiration to MaxPollExpiration).
var pollDurations = []struct {
	value time.Duration
	key   string
	n     int
}{
	{5 * time.Minute, "poll.left.minutes", 5}, {30 * time.Minute, "poll.left.minutes", 30}, {time.Hour, "poll.left.hours", 1},
	{6 * time.Hour, "poll.left.hours", 6}, {24 * time.Hour, "poll.left.days", 1}, {3 * 24 * time.Hour, "poll.left.days", 3},
	{7 * 24 * time.Hour, "poll.left.days", 7},
}

const defaultPollDuration = 24 * time.Hour

type pollSlot struct {
	Index, N int
	Title    string
}

type pollDurationChoice struct {
	Value, Label string
	Selected     bool
}

// PollSlots are the form's option fields, as many as a poll may have.
func (f composeForm) PollSlots() []pollSlot {
	out := make([]pollSlot, models.MaxPollOptions)
	for i := range out {
		out[i] = pollSlot{Index: i, N: i + 1}
		if i < len(f.PollOptions) {
			out[i].Title = f.PollOptions[i]
		}
	}
	return out
}

// PollDurations are the choices of the form's duration field.
func (f composeForm) PollDurations() []pollDurationChoice {
	chosen := f.PollDuration
	if chosen == "" {
		chosen = strconv.Itoa(int(defaultPollDuration.Seconds()))
	}
	out := make([]pollDurationChoice, 0, len(pollDurations))
	for _, d := range pollDurations {
		value := strconv.Itoa(int(d.value.Seconds()))
		out = append(out, pollDurationChoice{Value: value, Label: i18n.Format(d.key, d.n), Selected: value == chosen})
	}
	return out
}

// readPoll reads the compose form's poll into f and checks it, noting what
// is wrong in f.Errors["poll"]; nil when no option was typed.
func readPoll(r *http.Request, f *composeForm, photos bool, now time.Time) *models.Poll {
	f.PollDuration = r.PostFormValue("poll_duration")
	f.PollMultiple, f.PollHideTotals = r.PostFormValue("poll_multiple") != "", r.PostFormValue("poll_hide_totals") != ""
	var options []string
	seen := map[string]bool{}
	for _, o := range r.PostForm["poll_option"] {
		o = strings.TrimSpace(o)
		f.PollOptions = append(f.PollOptions, o)
		if o == "" {
			continue
		}
		if seen[o] {
			f.Errors["poll"] = i18n.Text("compose.poll.error.same")
		}
		seen[o] = true
		options = append(options, o)
	}
	if len(options) == 0 {
		f.PollOptions = nil
		return nil
	}
	var length time.Duration
	for _, d := range pollDurations {
		if strconv.Itoa(int(d.value.Seconds())) == f.PollDuration {
			length = d.value
		}
	}
	switch {
	case len(options) < 2:
		f.Errors["poll"] = i18n.Text("compose.poll.error.few")
	case len(options) > models.MaxPollOptions:
		f.Errors["poll"] = i18n.Format("compose.poll.error.many", models.MaxPollOptions)
	case length == 0:
		f.Errors["poll"] = i18n.Text("compose.poll.error.duration")
	case photos:
		f.Errors["poll"] = i18n.Text("compose.poll.error.photos")
	case f.Anonymous:
		f.Errors["poll"] = i18n.Text("compose.poll.error.anonymous")
	}
	for _, o := range options {
		if utf8.RuneCountInString(o) > models.MaxPollOptionChars {
			f.Errors["poll"] = i18n.Format("compose.poll.error.long", models.MaxPollOptionChars)
		}
	}
	if f.Errors["poll"] != "" {
		return nil
	}
	end := now.Add(length).Truncate(time.Second)
	return &models.Poll{Options: options, Multiple: f.PollMultiple, HideTotals: f.PollHideTotals, ExpiresAt: &end}
}
