package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// pollForm is the poll of POST /api/v1/statuses: poll[options][],
// poll[expires_in], poll[multiple] and poll[hide_totals] in a form, or a
// "poll" object in JSON, whose numbers and booleans apps send as either
// JSON values or strings.
type pollForm struct {
	Options    []string  `json:"options"`
	ExpiresIn  flexValue `json:"expires_in"`
	Multiple   flexValue `json:"multiple"`
	HideTotals flexValue `json:"hide_totals"`
}

// flexValue is a JSON scalar kept as the text a form would have sent.
type flexValue string

func (v *flexValue) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	if x != nil {
		*v = flexValue(scalar(x))
	}
	return nil
}

// pollOf reads and checks the poll of a new status, from JSON or the form;
// nil when none was sent. A poll goes with neither photos nor anonymity.
func (f *statusForm) pollOf(now time.Time) (*models.Poll, error) {
	form := f.Poll
	if !form.sent() {
		form = &pollForm{Options: f.PollOptions, ExpiresIn: flexValue(f.PollExpiresIn),
			Multiple: flexValue(f.PollMultiple), HideTotals: flexValue(f.PollHideTotals)}
	}
	if !form.sent() {
		return nil, nil
	}
	switch {
	case len(f.mediaIDs) > 0:
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: a post cannot have both photos and a poll")
	case f.Anonymous:
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: an anonymous post cannot have a poll")
	}
	return form.poll(now)
}

// sent reports whether a poll was given at all.
func (f *pollForm) sent() bool {
	return f != nil && (len(f.Options) > 0 || f.ExpiresIn != "" || f.Multiple != "" || f.HideTotals != "")
}

// poll checks a poll as Mastodon's PollValidator does, with the limits the
// instance document advertises: a 422 with the reason, or the poll.
func (f *pollForm) poll(now time.Time) (*models.Poll, error) {
	invalid := func(format string, args ...any) error {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+fmt.Sprintf(format, args...))
	}
	p := &models.Poll{}
	seen := map[string]bool{}
	for _, o := range f.Options {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			return nil, invalid("Poll options can't be blank")
		case utf8.RuneCountInString(o) > models.MaxPollOptionChars:
			return nil, invalid("Poll options can have at most %d characters each", models.MaxPollOptionChars)
		case seen[o]:
			return nil, invalid("Poll contains duplicate items")
		}
		seen[o] = true
		p.Options = append(p.Options, o)
	}
	switch {
	case len(p.Options) < 2:
		return nil, invalid("Poll must have at least 2 options")
	case len(p.Options) > models.MaxPollOptions:
		return nil, invalid("Poll cannot have more than %d options", models.MaxPollOptions)
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(string(f.ExpiresIn)), 10, 64)
	if err != nil {
		return nil, invalid("Poll expires_in must be a number of seconds")
	}
	d := time.Duration(secs) * time.Second
	switch {
	case d < models.MinPollExpiration:
		return nil, invalid("Poll duration is too short: at least %d seconds", int(models.MinPollExpiration.Seconds()))
	case d > models.MaxPollExpiration:
		return nil, invalid("Poll duration is too long: at most %d seconds", int(models.MaxPollExpiration.Seconds()))
	}
	end := now.Add(d).Truncate(time.Second)
	p.ExpiresAt = &end
	if p.Multiple, err = parseBool(string(f.Multiple)); err != nil {
		return nil, invalid("Poll multiple must be true or false")
	}
	if p.HideTotals, err = parseBool(string(f.HideTotals)); err != nil {
		return nil, invalid("Poll hide_totals must be true or false")
	}
	return p, nil
}

// apiPoll is Mastodon's Poll entity.
type apiPoll struct {
	ID          string          `json:"id"`
	ExpiresAt   *string         `json:"expires_at"`
	Expired     bool            `json:"expired"`
	Multiple    bool            `json:"multiple"`
	VotesCount  int             `json:"votes_count"`
	VotersCount *int            `json:"voters_count"`
	Options     []apiPollOption `json:"options"`
	Emojis      []struct{}      `json:"emojis"`
	Voted       *bool           `json:"voted,omitempty"`     // only with a signed-in viewer
	OwnVotes    []int           `json:"own_votes,omitempty"` // only with a signed-in viewer
}

type apiPollOption struct {
	Title      string `json:"title"`
	VotesCount *int   `json:"votes_count"` // null while totals are hidden
}

// pollEntity renders a post's poll for viewerID; nil when it has none.
func (h *Handler) pollEntity(ctx context.Context, p *models.Post, viewerID int64) (*apiPoll, error) {
	if p.Type != "Question" {
		return nil, nil
	}
	poll, err := models.PollOf(ctx, h.db, p.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := &apiPoll{ID: strconv.FormatInt(p.ID, 10), Expired: poll.Expired(now), Multiple: poll.Multiple,
		VotesCount: poll.VotesCount(), Options: []apiPollOption{}, Emojis: []struct{}{}}
	if end := poll.EndsAt(); end != nil {
		s := end.UTC().Format(apiTime)
		out.ExpiresAt = &s
	}
	if poll.VotersCount != nil || poll.Multiple {
		n := poll.Voters()
		out.VotersCount = &n
	}
	show := poll.ShowsTotals(now)
	for i, title := range poll.Options {
		o := apiPollOption{Title: title}
		if show {
			n := poll.Counts[i]
			o.VotesCount = &n
		}
		out.Options = append(out.Options, o)
	}
	if viewerID != 0 {
		own, err := models.OwnVotes(ctx, h.db, []int64{p.ID}, viewerID)
		if err != nil {
			return nil, err
		}
		out.OwnVotes = own[p.ID]
		if out.OwnVotes == nil {
			out.OwnVotes = []int{}
		}
		voted := len(out.OwnVotes) > 0 || p.AuthorID == viewerID
		out.Voted = &voted
	}
	return out, nil
}

// GetPoll answers GET /api/v1/polls/:id (the poll's id is its post's).
func (h *Handler) GetPoll(c echo.Context) error {
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	poll, err := h.pollEntity(c.Request().Context(), p, viewerID(c))
	if err != nil {
		return err
	}
	if poll == nil {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return c.JSON(http.StatusOK, poll)
}

// Vote answers POST /api/v1/polls/:id/votes with choices[] (form or JSON).
func (h *Handler) Vote(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentAccount(c).Actor
	p, err := h.postParam(c, c.Param("id"))
	if err != nil {
		return err
	}
	if p.Type != "Question" {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	params, err := requestParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	var choices []int
	for _, s := range params["choices"] {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: choices must be option indices")
		}
		choices = append(choices, n)
	}
	if err := h.outbox.Vote(ctx, me, p, choices); err != nil {
		if refusal := voteRefusal(err); refusal != nil {
			return refusal
		}
		return err
	}
	poll, err := h.pollEntity(ctx, p, me.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, poll)
}

// voteRefusal is the 422 for a vote the poll does not take; nil otherwise.
func voteRefusal(err error) error {
	if errors.Is(err, models.ErrPollBanned) {
		return echo.NewHTTPError(http.StatusForbidden, "This action is not allowed: "+models.ErrPollBanned.Error())
	}
	for _, refusal := range []error{models.ErrPollExpired, models.ErrPollUnknownOption, models.ErrPollAlreadyVoted,
		models.ErrPollOneChoice, models.ErrPollNoChoice, models.ErrPollOwn} {
		if errors.Is(err, refusal) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+refusal.Error())
		}
	}
	return nil
}
