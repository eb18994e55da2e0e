package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// What apps read before anything else, without a token: the instance
// (v1 and v2), its rules, and its custom emojis (none).

// mastodonVersion is the Mastodon API version Village answers like; apps
// read the number before "(compatible; ...)" to decide what to offer.
const mastodonVersion = "4.3.0"

// instanceFacts are what both versions of the instance document say.
type instanceFacts struct {
	info     models.InstanceInfo
	title    string
	mode     models.SignupMode
	public   models.PublicSettings
	contact  *apiAccount // nil without an admin
	users    models.UserCounts
	posts    int
	domains  int
	version  string
	rules    []apiRule
	statuses map[string]int
	media    map[string]any
	polls    map[string]int
	vapid    string // the Web Push public key apps and browsers subscribe with
}

// apiRule is Mastodon's Rule entity.
type apiRule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

func (h *Handler) instanceFacts(ctx context.Context) (*instanceFacts, error) {
	f := &instanceFacts{version: mastodonVersion + " (compatible; Village " + h.version + ")"}
	var err error
	if f.info, err = models.Instance(ctx, h.db); err != nil {
		return nil, err
	}
	if f.title = f.info.Name; f.title == "" {
		f.title = h.urls.Host()
	}
	if f.mode, err = models.InstanceSignupMode(ctx, h.db); err != nil {
		return nil, err
	}
	if f.public, err = models.InstancePublicSettings(ctx, h.db); err != nil {
		return nil, err
	}
	if f.users, err = models.CountUsers(ctx, h.db); err != nil {
		return nil, err
	}
	if f.posts, err = models.CountLocalPosts(ctx, h.db); err != nil {
		return nil, err
	}
	if f.domains, err = models.CountKnownDomains(ctx, h.db); err != nil {
		return nil, err
	}
	admin, err := models.ContactAdmin(ctx, h.db)
	if err != nil {
		return nil, err
	}
	if admin != nil {
		if f.contact, err = h.account(ctx, admin.Actor); err != nil {
			return nil, err
		}
	}
	f.rules = apiRules(f.public.Rules)
	vapid, err := models.InstanceVAPIDKeys(ctx, h.db)
	if err != nil {
		return nil, err
	}
	f.vapid = vapid.Public
	media, polls := models.PostMediaLimits(), models.PostPollLimits()
	f.statuses = map[string]int{"max_characters": models.MaxPostLength, "max_media_attachments": media.MaxAttachments,
		"characters_reserved_per_url": models.CharactersReservedPerURL}
	f.media = map[string]any{"supported_mime_types": media.SupportedMIMETypes, "description_limit": media.DescriptionLimit,
		"image_size_limit": media.ImageSizeLimit, "image_matrix_limit": media.ImageMatrixLimit,
		"video_size_limit": media.VideoSizeLimit, "video_frame_rate_limit": media.VideoFrameRate,
		"video_matrix_limit": media.VideoMatrixLimit}
	f.polls = map[string]int{"max_options": polls.MaxOptions, "max_characters_per_option": polls.MaxCharactersPerOption,
		"min_expiration": polls.MinExpiration, "max_expiration": polls.MaxExpiration}
	return f, nil
}

// InstanceV2 answers GET /api/v2/instance.
func (h *Handler) InstanceV2(c echo.Context) error {
	f, err := h.instanceFacts(c.Request().Context())
	if err != nil {
		return fmt.Errorf("api: instance: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"domain":      h.urls.Host(),
		"title":       f.title,
		"version":     f.version,
		"source_url":  "https://github.com/village-social/village",
		"description": f.info.Description,
		"usage":       map[string]any{"users": map[string]int{"active_month": f.users.ActiveMonth}},
		"thumbnail":   map[string]any{"url": h.urls.Base + "/static/icon-512.png"},
		"icon":        []any{},
		"languages":   []string{"en"},
		"configuration": map[string]any{
			"urls": map[string]any{"streaming": h.streamingURL(), "about": h.urls.Base + "/",
				"privacy_policy": nil, "terms_of_service": nil, "status": nil},
			"vapid":             map[string]string{"public_key": f.vapid},
			"accounts":          map[string]int{"max_featured_tags": 0, "max_pinned_statuses": models.MaxProfilePins},
			"statuses":          f.statuses,
			"media_attachments": f.media,
			"polls":             f.polls,
			"translation":       map[string]bool{"enabled": false},
		},
		"registrations": map[string]any{"enabled": f.mode != models.SignupInvite,
			"approval_required": f.mode == models.SignupApproval, "message": nil, "url": nil},
		"api_versions": map[string]int{"mastodon": 2},
		"contact":      map[string]any{"email": f.info.ContactEmail, "account": f.contact},
		"rules":        f.rules,
	})
}

// streamingURL is where apps open the streaming API's WebSocket: this
// server, as ws:// or wss://.
func (h *Handler) streamingURL() string {
	if rest, ok := strings.CutPrefix(h.urls.Base, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(h.urls.Base, "http://")
}

// InstanceV1 answers GET /api/v1/instance, the older shape many apps read first.
func (h *Handler) InstanceV1(c echo.Context) error {
	f, err := h.instanceFacts(c.Request().Context())
	if err != nil {
		return fmt.Errorf("api: instance: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"uri":               h.urls.Host(),
		"title":             f.title,
		"short_description": f.info.Description,
		"description":       f.info.Description,
		"email":             f.info.ContactEmail,
		"version":           f.version,
		"urls":              map[string]string{"streaming_api": h.streamingURL()},
		"stats":             map[string]int{"user_count": f.users.Total, "status_count": f.posts, "domain_count": f.domains},
		"thumbnail":         h.urls.Base + "/static/icon-512.png",
		"languages":         []string{"en"},
		"registrations":     f.mode != models.SignupInvite,
		"approval_required": f.mode == models.SignupApproval,
		"invites_enabled":   true,
		"configuration": map[string]any{
			"accounts":          map[string]int{"max_featured_tags": 0},
			"statuses":          f.statuses,
			"media_attachments": f.media,
			"polls":             f.polls,
		},
		"contact_account": f.contact,
		"rules":           f.rules,
	})
}

// InstanceRules answers GET /api/v1/instance/rules.
func (h *Handler) InstanceRules(c echo.Context) error {
	s, err := models.InstancePublicSettings(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRules(s.Rules))
}

// apiRules numbers the rules from 1, in their order.
func apiRules(rules []string) []apiRule {
	out := make([]apiRule, 0, len(rules))
	for i, r := range rules {
		out = append(out, apiRule{ID: strconv.Itoa(i + 1), Text: r, Hint: ""})
	}
	return out
}

// CustomEmojis answers GET /api/v1/custom_emojis: Village has none.
func (h *Handler) CustomEmojis(c echo.Context) error {
	return c.JSON(http.StatusOK, []any{})
}

// Preferences answers GET /api/v1/preferences with Village's defaults:
// members have no preferences to set yet.
func (h *Handler) Preferences(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{
		"posting:default:visibility": models.VisibilityPublicPost,
		"posting:default:sensitive":  false,
		"posting:default:language":   nil,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}
