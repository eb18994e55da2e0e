package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web/httperr"
	"github.com/village-social/village/web/i18n"
)

// Joining and leaving a local group. A public group takes a member at
// once; a members-only group asks its join questions, and the request
// waits, with the answers, for a moderator (models.SetJoinAnswers). Leaving
// (or taking a request back) undoes the follow.
//
// The answers are kept as plain text a moderator can read as it is: each
// question on its own line with its answer on the next lines, questions
// separated by a blank line (blank lines inside an answer are closed up).

// Membership states.
const (
	memberNone    = ""
	memberPending = "pending"
	memberJoined  = "member"
)

// membershipData is a group's join page: the person's membership, the
// join questions or the request waiting, leaving, and posting.
type membershipData struct {
	Title       string
	Path        string
	Handle      string
	MembersOnly bool
	State       string // memberNone, memberPending or memberJoined
	Moderator   bool
	Questions   []joinQuestion
	Compose     composeForm
	CSRF        string
}

// joinQuestion is one of a group's join questions, with its answer.
type joinQuestion struct {
	ID     string
	Text   string
	Answer string
	Error  string
}

// joinQuestions reads a group's questions, one a line.
func joinQuestions(g *models.Group) []joinQuestion {
	var out []joinQuestion
	for _, line := range strings.Split(strings.ReplaceAll(g.JoinQuestions, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" && len(out) < maxJoinQuestions {
			out = append(out, joinQuestion{ID: fmt.Sprintf("answer-%d", len(out)+1), Text: content.CutRunes(line, maxLabelRunes)})
		}
	}
	return out
}

// formatAnswers writes the questions and their answers as the text kept
// with the request.
func formatAnswers(qs []joinQuestion) string {
	blocks := make([]string, 0, len(qs))
	for _, q := range qs {
		var lines []string
		for _, l := range strings.Split(strings.ReplaceAll(q.Answer, "\r\n", "\n"), "\n") {
			if l = strings.TrimRight(l, " \t"); strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
		blocks = append(blocks, q.Text+"\n"+strings.Join(lines, "\n"))
	}
	return strings.Join(blocks, "\n\n")
}

// fillAnswers puts the answers kept with a request back into the questions
// they answer (questions the group has since changed stay empty).
func fillAnswers(qs []joinQuestion, kept string) {
	for _, block := range strings.Split(kept, "\n\n") {
		question, answer, _ := strings.Cut(block, "\n")
		for i := range qs {
			if qs[i].Text == question && qs[i].Answer == "" {
				qs[i].Answer = answer
				break
			}
		}
	}
}

// groupParam loads the local group the URL names, as 404 when there is none.
func (h *Handler) groupParam(c echo.Context) (*models.Group, error) {
	g, err := models.GroupByName(c.Request().Context(), h.db, c.Param("name"))
	if err != nil {
		return nil, httperr.Lookup(err, "group")
	}
	return g, nil
}

// membership loads v's membership of g into d.
func (h *Handler) membership(ctx context.Context, v *models.Account, g *models.Group, d *membershipData) error {
	f, err := models.FollowBetween(ctx, h.db, v.Actor.ID, g.Actor.ID)
	switch {
	case errors.Is(err, models.ErrNotFound):
	case err != nil:
		return err
	case f.State == models.FollowAccepted:
		d.State = memberJoined
	default:
		d.State = memberPending
		kept, err := models.JoinAnswers(ctx, h.db, f.ID)
		if err != nil {
			return err
		}
		fillAnswers(d.Questions, kept)
	}
	mods, err := models.Moderators(ctx, h.db, g.Actor.ID)
	if err != nil {
		return err
	}
	for _, m := range mods {
		if m.ID == v.Actor.ID {
			d.Moderator = true
		}
	}
	return nil
}

func (h *Handler) membershipData(c echo.Context, g *models.Group) membershipData {
	csrf := csrfToken(c)
	path := "/groups/" + g.Actor.Username
	d := membershipData{Title: g.Title, Path: path, Handle: "@" + g.Actor.Username + "@" + h.urls.Host(),
		MembersOnly: g.MembersOnly(), CSRF: csrf}
	if d.MembersOnly {
		d.Questions = joinQuestions(g)
	}
	d.Compose = composeForm{ID: "group-post", CSRF: csrf, Action: "/posts", Group: d.Handle,
		Label: i18n.Format("compose.label.group", g.Title), Submit: i18n.Text("compose.submit.group"), Uploads: h.media != nil}
	if !d.MembersOnly {
		d.Compose.Next = path // the post shows on the group's page
	}
	return d
}

// MembershipPage shows a group's join page (GET /groups/:name/join): how
// to join, the request waiting, or, for members, posting and leaving.
func (h *Handler) MembershipPage(c echo.Context) error {
	g, err := h.groupParam(c)
	if err != nil {
		return err
	}
	v, err := h.signInFirst(c, "/groups/"+g.Actor.Username+"/join")
	if v == nil {
		return err
	}
	d := h.membershipData(c, g)
	if err := h.membership(c.Request().Context(), v, g, &d); err != nil {
		return err
	}
	flash := ""
	switch c.QueryParam("done") {
	case "joined":
		flash = i18n.Format("membership.joined", g.Title)
	case "left":
		flash = i18n.Format("membership.left", g.Title)
	case "withdrawn":
		flash = i18n.Text("membership.withdrawn")
	}
	return h.memberPage(c, http.StatusOK, "member_group", i18n.Format("membership.title", g.Title), flash, d)
}

// membershipRequest reads the group a join or leave form is about and its
// signed-in sender; a nil account means the request was answered (a missing
// group, or the log-in form). page is the group's membership page.
func (h *Handler) membershipRequest(c echo.Context) (*models.Group, *models.Account, string, error) {
	g, err := h.groupParam(c)
	if err != nil {
		return nil, nil, "", err
	}
	page := "/groups/" + g.Actor.Username + "/join"
	v, err := h.signInFirst(c, page)
	return g, v, page, err
}

// JoinGroup joins a group (POST /groups/:name/join): a public one at once;
// a members-only one with the answers to its questions, which wait with
// the request. Asking again while waiting changes the answers.
func (h *Handler) JoinGroup(c echo.Context) error {
	g, v, page, err := h.membershipRequest(c)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	d := h.membershipData(c, g)
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the form")
	}
	answers := form["answer"]
	problems := false
	for i := range d.Questions {
		q := &d.Questions[i]
		if i < len(answers) {
			q.Answer = strings.TrimSpace(answers[i])
		}
		switch {
		case q.Answer == "":
			q.Error, problems = i18n.Text("membership.error.answer"), true
		case utf8.RuneCountInString(q.Answer) > maxAnswerRunes:
			q.Error, problems = i18n.Format("membership.error.answer_long", maxAnswerRunes), true
		}
	}
	if problems {
		if err := h.membership(ctx, v, g, &d); err != nil {
			return err
		}
		for i := range d.Questions { // what was typed, not what was kept
			if i < len(answers) {
				d.Questions[i].Answer = strings.TrimSpace(answers[i])
			}
		}
		return h.memberPage(c, http.StatusUnprocessableEntity, "member_group", i18n.Format("membership.title", g.Title), "", d)
	}
	f, err := h.outbox.Follow(ctx, v.Actor, g.Actor)
	if errors.Is(err, outbox.ErrBanned) {
		return h.forbiddenPage(c, "groupmod.banned")
	}
	if err != nil {
		return err
	}
	if f.State == models.FollowAccepted {
		return c.Redirect(http.StatusSeeOther, page+"?done=joined")
	}
	if len(d.Questions) > 0 {
		if err := models.SetJoinAnswers(ctx, h.db, f.ID, formatAnswers(d.Questions)); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, page+"?done=requested")
}

// LeaveGroup leaves a group, or takes back a request to join it (POST
// /groups/:name/leave).
func (h *Handler) LeaveGroup(c echo.Context) error {
	g, v, page, err := h.membershipRequest(c)
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	done := "left"
	if f, err := models.FollowBetween(ctx, h.db, v.Actor.ID, g.Actor.ID); err == nil && f.State == models.FollowPending {
		done = "withdrawn"
	} else if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if err := h.outbox.Unfollow(ctx, v.Actor, g.Actor); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, page+"?done="+done)
}
