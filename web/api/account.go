package api

import (
	"context"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/village-social/village/federation/content"
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
	Indexable      bool       `json:"indexable"` // public posts open to full-text search (Mastodon 4.2)
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
	Fields         []apiField `json:"fields"`
	// Source is what the person typed, for their own account only
	// (Mastodon's CredentialAccount).
	Source *apiSource `json:"source,omitempty"`
	// Limited is Mastodon's mark of an account on a silenced server (its
	// follows wait for approval); sent only when true, as Mastodon does.
	Limited bool `json:"limited,omitempty"`
}

// apiField is a profile field: the name as text, the value as HTML.
type apiField struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// apiSource is Mastodon's source of a CredentialAccount: the bio and
// fields as typed, and the posting preferences.
type apiSource struct {
	Privacy             string     `json:"privacy"`
	Sensitive           bool       `json:"sensitive"`
	Language            *string    `json:"language"`
	Note                string     `json:"note"`
	Fields              []apiField `json:"fields"`
	FollowRequestsCount int        `json:"follow_requests_count"`
}

// Pictures an account without its own shows, as Mastodon shows its
// "missing" ones: apps expect an address, never an empty string.
const (
	defaultAvatarPath = "/static/avatar.png"
	defaultHeaderPath = "/static/header.png"
)

// fieldsOf renders an actor's profile fields: a local person's typed
// text made HTML (links made, everything escaped), a remote one's as
// sanitized when it arrived.
func fieldsOf(a *models.Actor) []apiField {
	out := make([]apiField, 0, len(a.Fields))
	for _, f := range a.Fields {
		value := f.Value
		if a.IsLocal() {
			value = content.FieldHTML(f.Value)
		}
		out = append(out, apiField{Name: f.Name, Value: value})
	}
	return out
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
	avatar, header := a.IconURL, a.HeaderURL
	if avatar == "" {
		avatar = h.urls.Base + defaultAvatarPath
	}
	if header == "" {
		header = h.urls.Base + defaultHeaderPath
	}
	return &apiAccount{
		ID: strconv.FormatInt(a.ID, 10), Username: a.Username, Acct: acct, DisplayName: display,
		Locked: a.ManuallyApprovesFollowers, Bot: a.Bot || a.Type == "Service" || a.Type == "Application",
		Discoverable: a.Discoverable, Indexable: a.Indexable, Group: a.Type == models.ActorGroup,
		CreatedAt: a.CreatedAt.UTC().Truncate(24 * time.Hour).Format("2006-01-02T15:04:05.000Z"),
		Note:      note, URL: profile, URI: h.urls.Actor(a), Avatar: avatar, AvatarStatic: avatar,
		Header: header, HeaderStatic: header,
		FollowersCount: counts.Followers, FollowingCount: counts.Following,
		Emojis: []struct{}{}, Fields: fieldsOf(a), Limited: limited,
	}, nil
}

// credentialAccount is the token's own account with its source, as
// verify_credentials and update_credentials answer.
func (h *Handler) credentialAccount(ctx context.Context, acc *models.Account) (*apiAccount, error) {
	out, err := h.account(ctx, acc.Actor)
	if err != nil {
		return nil, err
	}
	prefs, err := models.PreferencesOf(ctx, h.db, acc.ID)
	if err != nil {
		return nil, err
	}
	waiting, err := models.CountPendingFollowers(ctx, h.db, acc.Actor.ID)
	if err != nil {
		return nil, err
	}
	src := &apiSource{Privacy: prefs.Visibility, Sensitive: prefs.Sensitive, Language: optional(prefs.Language),
		Note: acc.Actor.Summary, Fields: make([]apiField, 0, len(acc.Actor.Fields)), FollowRequestsCount: waiting}
	for _, f := range acc.Actor.Fields {
		src.Fields = append(src.Fields, apiField{Name: f.Name, Value: f.Value})
	}
	out.Source = src
	return out, nil
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
