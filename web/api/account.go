package api

import (
	"context"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/village-social/village/models"
)

// apiAccount is Mastodon's Account entity.
type apiAccount struct {
	ID             string     `json:"id"`
	Username       string     `json:"username"`
	Acct           string     `json:"acct"`
	DisplayName    string     `json:"display_name"`
	Locked         bool       `json:"locked"`
	Bot            bool       `json:"bot"`
	Discoverable   bool       `json:"discoverable"`
	Group          bool       `json:"group"`
	CreatedAt      string     `json:"created_at"`
	Note           string     `json:"note"`
	URL            string     `json:"url"`
	URI            string     `json:"uri"`
	Avatar         string     `json:"avatar"`
	AvatarStatic   string     `json:"avatar_static"`
	Header         string     `json:"header"`
	HeaderStatic   string     `json:"header_static"`
	FollowersCount int        `json:"followers_count"`
	FollowingCount int        `json:"following_count"`
	StatusesCount  int        `json:"statuses_count"`
	LastStatusAt   *string    `json:"last_status_at"`
	Emojis         []struct{} `json:"emojis"`
	Fields         []struct{} `json:"fields"`
	// Limited is Mastodon's mark of an account on a silenced server (its
	// follows wait for approval); sent only when true, as Mastodon does.
	Limited bool `json:"limited,omitempty"`
}

// account renders an actor as Mastodon's Account.
func (h *Handler) account(ctx context.Context, a *models.Actor) (*apiAccount, error) {
	counts, err := models.CountFollows(ctx, h.db, a.ID)
	if err != nil {
		return nil, err
	}
	acct := a.Username
	if !a.IsLocal() {
		acct = a.Username + "@" + a.Domain
	}
	note := a.Summary
	profile := a.URL
	if a.IsLocal() {
		// Local summaries are plain text; remote ones arrive as HTML.
		note = plainToHTML(a.Summary)
		profile = h.urls.Profile(a)
	}
	if profile == "" {
		profile = h.urls.Actor(a)
	}
	display := a.DisplayName
	if display == "" {
		display = a.Username
	}
	limited := false
	if !a.IsLocal() {
		sev, err := h.domainBlocks.Severity(ctx, a.Domain)
		if err != nil {
			return nil, err
		}
		limited = sev == models.BlockSilence
	}
	avatar := a.IconURL
	if avatar == "" {
		avatar = h.urls.Base + "/static/avatar.png"
	}
	return &apiAccount{
		ID: strconv.FormatInt(a.ID, 10), Username: a.Username, Acct: acct, DisplayName: display,
		Locked: a.ManuallyApprovesFollowers, Bot: a.Type == "Service" || a.Type == "Application",
		Discoverable: a.Discoverable, Group: a.Type == models.ActorGroup,
		CreatedAt: a.CreatedAt.UTC().Truncate(24 * time.Hour).Format("2006-01-02T15:04:05.000Z"),
		Note:      note, URL: profile, URI: h.urls.Actor(a), Avatar: avatar, AvatarStatic: avatar,
		Header: h.urls.Base + "/static/header.png", HeaderStatic: h.urls.Base + "/static/header.png",
		FollowersCount: counts.Followers, FollowingCount: counts.Following,
		Emojis: []struct{}{}, Fields: []struct{}{}, Limited: limited,
	}, nil
}

func (h *Handler) accounts(ctx context.Context, actors []*models.Actor) ([]*apiAccount, error) {
	out := make([]*apiAccount, 0, len(actors))
	for _, a := range actors {
		acc, err := h.account(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, acc)
	}
	return out, nil
}

// plainToHTML turns plain text into paragraphs of escaped HTML.
func plainToHTML(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
