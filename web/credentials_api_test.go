package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// credentialJSON is what update_credentials and verify_credentials answer.
type credentialJSON struct {
	DisplayName  string `json:"display_name"`
	Note         string `json:"note"`
	Avatar       string `json:"avatar"`
	Header       string `json:"header"`
	Locked       bool   `json:"locked"`
	Bot          bool   `json:"bot"`
	Discoverable *bool  `json:"discoverable"`
	Fields       []struct {
		Name, Value string
	} `json:"fields"`
	Source struct {
		Privacy   string `json:"privacy"`
		Sensitive bool   `json:"sensitive"`
		Language  string `json:"language"`
		Note      string `json:"note"`
		Fields    []struct {
			Name, Value string
		} `json:"fields"`
	} `json:"source"`
}

// Apps send update_credentials in three shapes: a plain form (go-mastodon,
// toot), multipart with pictures (Tusky, Ivory) and JSON (Elk, Phanpy).
// Each sets every field the same way, and verify_credentials reads it back.
func TestUpdateCredentialsTakesFormsMultipartAndJSONAlike(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	photo := string(testenv.PhotoWithMetadata(t, 900, 700, 1))
	tests := []struct {
		name string
		send func(u *mediaUser) *httptest.ResponseRecorder
	}{
		{"a plain form", func(u *mediaUser) *httptest.ResponseRecorder {
			return u.send(http.MethodPatch, "/api/v1/accounts/update_credentials", url.Values{
				"display_name": {"Ada Park"}, "note": {"Mother of two"}, "locked": {"true"}, "bot": {"true"}, "discoverable": {"false"},
				"fields_attributes[0][name]": {"Kids"}, "fields_attributes[0][value]": {"Two"},
				"fields_attributes[1][name]": {"Town"}, "fields_attributes[1][value]": {"Leeds"},
				"source[privacy]": {"unlisted"}, "source[sensitive]": {"true"}, "source[language]": {"fr"}}, "")
		}},
		{"multipart with an avatar and a header", func(u *mediaUser) *httptest.ResponseRecorder {
			body, ct := multipartBody(t, map[string]string{
				"display_name": "Ada Park", "note": "Mother of two", "locked": "1", "bot": "1", "discoverable": "0",
				"fields_attributes[0][name]": "Kids", "fields_attributes[0][value]": "Two",
				"fields_attributes[1][name]": "Town", "fields_attributes[1][value]": "Leeds",
				"source[privacy]": "unlisted", "source[sensitive]": "1", "source[language]": "fr"},
				map[string][]byte{"avatar": []byte(photo), "header": []byte(photo)})
			return u.send(http.MethodPatch, "/api/v1/accounts/update_credentials", body, ct)
		}},
		{"JSON", func(u *mediaUser) *httptest.ResponseRecorder {
			return u.send(http.MethodPatch, "/api/v1/accounts/update_credentials", []byte(`{"display_name": "Ada Park",
				"note": "Mother of two", "locked": true, "bot": true, "discoverable": false,
				"fields_attributes": [{"name": "Kids", "value": "Two"}, {"name": "Town", "value": "Leeds"}],
				"source": {"privacy": "unlisted", "sensitive": true, "language": "fr"}}`), "")
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := s.mediaUser("ada" + string(rune('a'+i)))
			rec := tt.send(u)
			var got credentialJSON
			decodeInto(t, rec, &got)
			var verified credentialJSON
			decodeInto(t, u.send(http.MethodGet, "/api/v1/accounts/verify_credentials", nil, ""), &verified)
			for what, c := range map[string]credentialJSON{"answer": got, "verify_credentials": verified} {
				if c.DisplayName != "Ada Park" || !strings.Contains(c.Note, "Mother of two") || !c.Locked || !c.Bot ||
					c.Discoverable == nil || *c.Discoverable || len(c.Fields) != 2 || c.Fields[1].Name != "Town" || c.Fields[1].Value != "Leeds" {
					t.Errorf("%s: %+v", what, c)
				}
				if c.Source.Privacy != "unlisted" || !c.Source.Sensitive || c.Source.Language != "fr" || c.Source.Note != "Mother of two" ||
					len(c.Source.Fields) != 2 || c.Source.Fields[0].Value != "Two" {
					t.Errorf("%s: source %+v", what, c.Source)
				}
			}
			if strings.HasPrefix(tt.name, "multipart") {
				for _, pic := range []string{got.Avatar, got.Header} {
					served := u.send(http.MethodGet, strings.TrimPrefix(pic, siteBase), nil, "")
					wantStatus(t, pic, served, http.StatusOK)
					testenv.NoMetadata(t, pic, served.Body.Bytes())
				}
			}
		})
	}
}

func TestUpdateCredentialsRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	u := s.mediaUser("ada")
	five := url.Values{"display_name": {"Changed"}}
	for i := range models.MaxProfileFields + 1 {
		n := string(rune('0' + i))
		five.Set("fields_attributes["+n+"][name]", "name "+n)
		five.Set("fields_attributes["+n+"][value]", "value "+n)
	}
	script, ct := multipartBody(t, map[string]string{"display_name": "Changed"}, map[string][]byte{"avatar": testenv.ScriptAsPicture()})
	tests := []struct {
		name string
		rec  *httptest.ResponseRecorder
		says string
	}{
		{"five profile fields", u.send(http.MethodPatch, "/api/v1/accounts/update_credentials", five, ""), "at most 4 fields"},
		{"a script as the avatar", u.send(http.MethodPatch, "/api/v1/accounts/update_credentials", script, ct), "content type is invalid"},
		{"a visibility Mastodon has not", u.send(http.MethodPatch, "/api/v1/accounts/update_credentials",
			url.Values{"display_name": {"Changed"}, "source[privacy]": {"everyone"}}, ""), "privacy"},
		{"a display name over the limit", u.send(http.MethodPatch, "/api/v1/accounts/update_credentials",
			[]byte(`{"display_name": "`+strings.Repeat("x", models.MaxDisplayNameLength+1)+`"}`), ""), "display name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantMastodonError(t, tt.name, tt.rec, http.StatusUnprocessableEntity, tt.says)
			a, err := models.AccountByID(context.Background(), s.db, u.acc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Actor.DisplayName == "Changed" || a.Actor.IconURL != "" {
				t.Errorf("a refused change changed the profile: %+v", a.Actor)
			}
			if rows, files := s.stored(); rows != 0 || files != 0 {
				t.Errorf("a refused change left %d rows and %d files", rows, files)
			}
		})
	}
	var prefs map[string]any
	decodeInto(t, u.send(http.MethodGet, "/api/v1/preferences", nil, ""), &prefs)
	if b, _ := json.Marshal(prefs); !strings.Contains(string(b), `"posting:default:visibility":"public"`) {
		t.Errorf("preferences after refusals: %s", b)
	}
}
