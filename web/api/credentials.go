package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/media"
)

// credentials is what PATCH /api/v1/accounts/update_credentials was sent,
// read from a multipart form, a plain form or JSON alike; nil is "not
// sent, leave it".
type credentials struct {
	change          models.ProfileChange
	avatar, header  []byte
	privacy         *string
	sensitive       *bool
	language        *string
	touchesSettings bool
}

// UpdateCredentials answers PATCH /api/v1/accounts/update_credentials
// (display_name, note, avatar, header, locked, bot, discoverable, indexable,
// fields_attributes[0..3][name|value], source[privacy|sensitive|language])
// with the CredentialAccount. Everything is checked, and the pictures
// processed, before anything is written; the profile and the preferences
// then change in one transaction that also sends Update{Person} to the
// person's followers elsewhere.
func (h *Handler) UpdateCredentials(c echo.Context) error {
	ctx := c.Request().Context()
	acc := currentAccount(c)
	in, err := readCredentials(c)
	if err != nil {
		return err
	}
	in.change = in.change.Normalize()
	if err := in.change.Validate(); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	prefs, err := models.PreferencesOf(ctx, h.db, acc.ID)
	if err != nil {
		return err
	}
	if in.privacy != nil {
		prefs.Visibility = *in.privacy
	}
	if in.sensitive != nil {
		prefs.Sensitive = *in.sensitive
	}
	if in.language != nil {
		prefs.Language = strings.TrimSpace(*in.language)
	}
	if err := checkPreferences(prefs); err != nil {
		return err
	}
	if (in.avatar != nil || in.header != nil) && h.media == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "This server takes no uploads")
	}
	for _, data := range [][]byte{in.avatar, in.header} {
		if len(data) > models.MaxProfileImageBytes {
			return mediaRefusal(media.ErrTooLarge)
		}
	}
	var saved []string // new picture files, removed again if the change fails
	for _, p := range []struct {
		data []byte
		kind media.Kind
		set  **string
	}{{in.avatar, media.Avatar, &in.change.IconURL}, {in.header, media.Header, &in.change.HeaderURL}} {
		if p.data == nil {
			continue
		}
		address, err := h.media.SaveProfilePicture(ctx, p.kind, p.data)
		if err != nil {
			h.forget(ctx, saved)
			return mediaRefusal(err)
		}
		saved = append(saved, address)
		*p.set = &address
	}
	old := acc.Actor
	setPreferences := func(tx pgx.Tx) error {
		if !in.touchesSettings {
			return nil
		}
		return models.SetPreferences(ctx, tx, acc.ID, prefs)
	}
	if in.change == (models.ProfileChange{}) { // preferences only: nothing to tell other servers
		err = models.InTx(ctx, h.db, setPreferences)
	} else {
		err = h.outbox.ChangeProfile(ctx, acc.Actor.ID, in.change, setPreferences)
	}
	if err != nil {
		h.forget(ctx, saved)
		return err
	}
	if in.change.IconURL != nil && old.IconURL != *in.change.IconURL {
		h.media.ForgetProfilePicture(ctx, old.IconURL)
	}
	if in.change.HeaderURL != nil && old.HeaderURL != *in.change.HeaderURL {
		h.media.ForgetProfilePicture(ctx, old.HeaderURL)
	}
	fresh, err := models.AccountByID(ctx, h.db, acc.ID)
	if err != nil {
		return err
	}
	out, err := h.credentialAccount(ctx, fresh)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) forget(ctx context.Context, addresses []string) {
	for _, a := range addresses {
		h.media.ForgetProfilePicture(ctx, a)
	}
}

// checkPreferences refuses a default visibility or language Mastodon
// would not take.
func checkPreferences(p models.Preferences) error {
	if !slices.Contains([]string{models.VisibilityPublicPost, models.VisibilityUnlisted, models.VisibilityPrivate}, p.Visibility) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Source privacy is invalid (public, unlisted or private)")
	}
	if p.Language != "" && !models.ValidLanguage(p.Language) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Source language is not a language code")
	}
	return nil
}

var (
	fieldKeyRE = regexp.MustCompile(`^fields_attributes\[(\d*)\]\[(name|value)\]$`)
)

// readCredentials reads the request as JSON or as a form (multipart when
// it carries files).
func readCredentials(c echo.Context) (*credentials, error) {
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return readCredentialsJSON(c)
	}
	return readCredentialsForm(c)
}

// credentialsJSON is the JSON body apps send.
type credentialsJSON struct {
	DisplayName      *string         `json:"display_name"`
	Note             *string         `json:"note"`
	Avatar           *string         `json:"avatar"` // a data: URI or base64
	Header           *string         `json:"header"`
	Locked           *flexBool       `json:"locked"`
	Bot              *flexBool       `json:"bot"`
	Discoverable     *flexBool       `json:"discoverable"`
	Indexable        *flexBool       `json:"indexable"`
	FieldsAttributes json.RawMessage `json:"fields_attributes"` // a list, or an object keyed "0".."3"
	Source           *struct {
		Privacy   *string   `json:"privacy"`
		Sensitive *flexBool `json:"sensitive"`
		Language  *string   `json:"language"`
	} `json:"source"`
}

func readCredentialsJSON(c echo.Context) (*credentials, error) {
	var j credentialsJSON
	if err := json.NewDecoder(c.Request().Body).Decode(&j); err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read the profile: "+err.Error())
	}
	in := &credentials{}
	in.change.DisplayName, in.change.Bio = j.DisplayName, j.Note
	in.change.Locked, in.change.Bot, in.change.Discoverable = j.Locked.get(), j.Bot.get(), j.Discoverable.get()
	in.change.Indexable = j.Indexable.get()
	if len(j.FieldsAttributes) > 0 && string(j.FieldsAttributes) != "null" {
		var list []models.ProfileField
		if err := json.Unmarshal(j.FieldsAttributes, &list); err != nil {
			var byIndex map[string]models.ProfileField
			if err := json.Unmarshal(j.FieldsAttributes, &byIndex); err != nil {
				return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: fields_attributes is not a list of fields")
			}
			list = fieldsInOrder(byIndex)
		}
		in.change.Fields = &list
	}
	if j.Source != nil {
		in.privacy, in.sensitive, in.language = j.Source.Privacy, j.Source.Sensitive.get(), j.Source.Language
	}
	for _, p := range []struct {
		s   *string
		out *[]byte
		key string
	}{{j.Avatar, &in.avatar, "Avatar"}, {j.Header, &in.header, "Header"}} {
		if p.s == nil || *p.s == "" {
			continue
		}
		data, err := decodeDataURI(*p.s)
		if err != nil {
			return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+p.key+" is not a file, a data: URI or base64")
		}
		*p.out = data
	}
	in.touchesSettings = in.privacy != nil || in.sensitive != nil || in.language != nil
	return in, nil
}

// fieldsInOrder lists fields sent as an object keyed by their index.
func fieldsInOrder(byIndex map[string]models.ProfileField) []models.ProfileField {
	keys := make([]int, 0, len(byIndex))
	for k := range byIndex {
		if n, err := strconv.Atoi(k); err == nil && n >= 0 {
			keys = append(keys, n)
		}
	}
	slices.Sort(keys)
	out := make([]models.ProfileField, 0, len(keys))
	for _, k := range keys {
		out = append(out, byIndex[strconv.Itoa(k)])
	}
	return out
}

func readCredentialsForm(c echo.Context) (*credentials, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read the profile")
	}
	in := &credentials{}
	str := func(key string) *string {
		if v, ok := form[key]; ok && len(v) > 0 {
			return &v[0]
		}
		return nil
	}
	var badBool error
	boolean := func(key string) *bool {
		s := str(key)
		if s == nil {
			return nil
		}
		b, err := parseBool(*s)
		if err != nil && badBool == nil {
			badBool = echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+key+" is not true or false")
		}
		return &b
	}
	in.change.DisplayName, in.change.Bio = str("display_name"), str("note")
	in.change.Locked, in.change.Bot, in.change.Discoverable = boolean("locked"), boolean("bot"), boolean("discoverable")
	in.change.Indexable = boolean("indexable")
	in.privacy, in.sensitive, in.language = str("source[privacy]"), boolean("source[sensitive]"), str("source[language]")
	if badBool != nil {
		return nil, badBool
	}
	if fields, ok := formFields(form); ok {
		in.change.Fields = &fields
	}
	for _, p := range []struct {
		key string
		out *[]byte
	}{{"avatar", &in.avatar}, {"header", &in.header}} {
		data, err := formPicture(c, p.key, str(p.key))
		if err != nil {
			return nil, err
		}
		*p.out = data
	}
	in.touchesSettings = in.privacy != nil || in.sensitive != nil || in.language != nil
	return in, nil
}

// formFields reads fields_attributes[N][name|value] (or [][name|value],
// paired in order); false when none was sent.
func formFields(form map[string][]string) ([]models.ProfileField, bool) {
	byIndex := map[string]models.ProfileField{}
	var names, values []string
	seen := false
	for key, v := range form {
		m := fieldKeyRE.FindStringSubmatch(key)
		if m == nil || len(v) == 0 {
			continue
		}
		seen = true
		if m[1] == "" {
			if m[2] == "name" {
				names = v
			} else {
				values = v
			}
			continue
		}
		f := byIndex[m[1]]
		if m[2] == "name" {
			f.Name = v[0]
		} else {
			f.Value = v[0]
		}
		byIndex[m[1]] = f
	}
	fields := fieldsInOrder(byIndex)
	for i := range max(len(names), len(values)) {
		var f models.ProfileField
		if i < len(names) {
			f.Name = names[i]
		}
		if i < len(values) {
			f.Value = values[i]
		}
		fields = append(fields, f)
	}
	return fields, seen
}

// formPicture reads an avatar or header sent as a file, or as a data: URI
// or base64 in a plain field (go-mastodon sends those); nil when none.
func formPicture(c echo.Context, key string, text *string) ([]byte, error) {
	if fh, err := c.FormFile(key); err == nil {
		if fh.Size > models.MaxProfileImageBytes {
			return nil, mediaRefusal(media.ErrTooLarge)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("api: %s: %w", key, err)
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, models.MaxProfileImageBytes+1))
	}
	if text == nil || *text == "" {
		return nil, nil
	}
	data, err := decodeDataURI(*text)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+key+" is not a file, a data: URI or base64")
	}
	return data, nil
}

// decodeDataURI reads "data:image/png;base64,…" or bare base64. The type
// it names is not believed: the picture is typed by its bytes.
func decodeDataURI(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, payload, found := strings.Cut(rest, ",")
		if !found || !strings.HasSuffix(meta, ";base64") {
			return nil, errors.New("not a base64 data URI")
		}
		s = payload
	}
	if base64.StdEncoding.DecodedLen(len(s)) > models.MaxProfileImageBytes+3 {
		return nil, media.ErrTooLarge
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err := enc.DecodeString(s); err == nil {
			return data, nil
		}
	}
	return nil, errors.New("not base64")
}

// parseBool reads a boolean as Rails does: true, 1, on, t, yes; false, 0,
// off, f, no.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "on", "t", "yes":
		return true, nil
	case "false", "0", "off", "f", "no", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}

// flexBool is a JSON boolean that apps also send as a string or a number.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
	case float64:
		*b = x != 0
	case string:
		parsed, err := parseBool(x)
		if err != nil {
			return err
		}
		*b = flexBool(parsed)
	default:
		return fmt.Errorf("%s is not a boolean", data)
	}
	return nil
}

func (b *flexBool) get() *bool {
	if b == nil {
		return nil
	}
	v := bool(*b)
	return &v
}
