package push

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// bodyLimit is how many characters of text a message carries, as Mastodon's.
const bodyLimit = 140

// defaultAvatarPath is the picture of someone who has none (the API's).
const defaultAvatarPath = "/static/avatar.png"

// Payload is Mastodon's Web Push message (Web::NotificationSerializer),
// which apps decrypt and show. URL is ours, for browsers only: the page
// the service worker opens on a click.
type Payload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   string `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
	URL              string `json:"url,omitempty"`
}

// appType is the Mastodon type a stored notification is pushed as (the
// same mapping as the migration's web_push_type and the notifications API).
func appType(stored string) string {
	if stored == models.NotifyEventUpdate {
		return "update"
	}
	return stored
}

// buildPayload makes the message of one due push.
func buildPayload(ctx context.Context, db models.DB, urls federation.URLs, d *models.PushDue) (*Payload, error) {
	n := &d.Notification
	from, err := models.ActorByID(ctx, db, n.FromID)
	if err != nil {
		return nil, err
	}
	typ := appType(n.Type)
	key := "push.title." + typ
	if i18n.Text(key) == key {
		key = "push.title.other"
	}
	icon := from.IconURL
	if icon == "" {
		icon = urls.Base + defaultAvatarPath
	}
	p := &Payload{
		AccessToken: d.Subscription.AccessToken, PreferredLocale: "en",
		NotificationID: strconv.FormatInt(n.ID, 10), NotificationType: typ,
		Icon: icon, Title: i18n.Format(key, from.ShownName()),
	}
	// The post's warning, else its text; else the sender's bio (a follow).
	text := from.Summary
	if n.PostID != nil {
		post, err := models.PostByID(ctx, db, *n.PostID)
		switch {
		case errors.Is(err, models.ErrNotFound):
		case err != nil:
			return nil, err
		case post.Summary != "":
			text = post.Summary
		default:
			text = post.Content
		}
	}
	p.Body = truncate(plainText(text), bodyLimit)
	if d.Subscription.SessionID != nil {
		p.URL = urls.Base + "/notifications"
		if n.PostID != nil {
			p.URL = urls.Base + "/posts/" + strconv.FormatInt(*n.PostID, 10)
		}
	}
	return p, nil
}

// plainText is HTML's text, entities decoded, spaces collapsed; plain
// text (a local bio) comes through as it is.
func plainText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			// Paragraphs and line breaks part words.
			b.WriteByte(' ')
		}
	}
}

// truncate shortens s to at most limit characters, the last being "…".
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:limit-1])) + "…"
}
