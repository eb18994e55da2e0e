package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// The filters API v2, as Mastodon serves it: a member's keyword filters
// (GET/POST /api/v2/filters, GET/PUT/DELETE /api/v2/filters/:id) and their
// keywords (GET/POST /api/v2/filters/:id/keywords, GET/PUT/DELETE
// /api/v2/filter_keywords/:id). Parameters come as a form (Rails style,
// keywords_attributes[][keyword]) or as JSON.

// apiFilter is Mastodon's Filter entity; keywords and statuses are left
// out where it sits inside a FilterResult, as Mastodon does.
type apiFilter struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	Context      []string            `json:"context"`
	ExpiresAt    *string             `json:"expires_at"`
	FilterAction string              `json:"filter_action"`
	Keywords     *[]apiFilterKeyword `json:"keywords,omitempty"`
	Statuses     *[]struct{}         `json:"statuses,omitempty"`
}

// apiFilterKeyword is Mastodon's FilterKeyword entity.
type apiFilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// apiFilterResult is Mastodon's FilterResult: why a status is filtered.
type apiFilterResult struct {
	Filter         apiFilter `json:"filter"`
	KeywordMatches []string  `json:"keyword_matches"`
	StatusMatches  []string  `json:"status_matches"`
}

func filterEntity(f *models.Filter, withRules bool) apiFilter {
	out := apiFilter{ID: strconv.FormatInt(f.ID, 10), Title: f.Title, Context: f.Contexts, FilterAction: f.Action}
	if f.ExpiresAt != nil {
		e := f.ExpiresAt.UTC().Format(apiTime)
		out.ExpiresAt = &e
	}
	if withRules {
		kws := make([]apiFilterKeyword, 0, len(f.Keywords))
		for _, k := range f.Keywords {
			kws = append(kws, keywordEntity(k))
		}
		out.Keywords, out.Statuses = &kws, &[]struct{}{}
	}
	return out
}

func keywordEntity(k models.FilterKeyword) apiFilterKeyword {
	return apiFilterKeyword{ID: strconv.FormatInt(k.ID, 10), Keyword: k.Keyword, WholeWord: k.WholeWord}
}

// filterInput is what POST and PUT send; nil fields were not sent.
type filterInput struct {
	Title     *string
	Context   []string
	Action    *string
	ExpiresIn *string
	Keywords  []keywordInput
}

type keywordInput struct {
	ID        string
	Keyword   *string
	WholeWord *bool
	Destroy   bool
}

var keywordAttr = regexp.MustCompile(`^keywords_attributes\[(\d*)\]\[(id|keyword|whole_word|_destroy)\]$`)

// readFilterInput reads a filter from a JSON body or a form.
func readFilterInput(c echo.Context) (filterInput, error) {
	var in filterInput
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		var body struct {
			Title     *string          `json:"title"`
			Context   []string         `json:"context"`
			Action    *string          `json:"filter_action"`
			ExpiresIn json.RawMessage  `json:"expires_in"`
			Keywords  []map[string]any `json:"keywords_attributes"`
		}
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return in, echo.NewHTTPError(http.StatusBadRequest, "could not read the filter")
		}
		in.Title, in.Context, in.Action = body.Title, body.Context, body.Action
		if body.ExpiresIn != nil {
			s := strings.Trim(string(body.ExpiresIn), `"`)
			if s == "null" {
				s = ""
			}
			in.ExpiresIn = &s
		}
		for _, m := range body.Keywords {
			k := keywordInput{ID: anyString(m["id"]), Destroy: anyBool(m["_destroy"])}
			if v, ok := m["keyword"]; ok {
				s := anyString(v)
				k.Keyword = &s
			}
			if v, ok := m["whole_word"]; ok {
				b := anyBool(v)
				k.WholeWord = &b
			}
			in.Keywords = append(in.Keywords, k)
		}
		return in, nil
	}
	form, err := c.FormParams()
	if err != nil {
		return in, echo.NewHTTPError(http.StatusBadRequest, "could not read the filter")
	}
	if form.Has("title") {
		s := form.Get("title")
		in.Title = &s
	}
	in.Context = append(form["context[]"], form["context"]...)
	if form.Has("filter_action") {
		s := form.Get("filter_action")
		in.Action = &s
	}
	if form.Has("expires_in") {
		s := form.Get("expires_in")
		in.ExpiresIn = &s
	}
	// keywords_attributes[N][field] groups by N; keywords_attributes[][field]
	// pairs the n-th value of each field.
	indexed := map[string]*keywordInput{}
	var unindexed []*keywordInput
	for key, values := range form {
		m := keywordAttr.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		for i, v := range values {
			var k *keywordInput
			if m[1] != "" {
				if k = indexed[m[1]]; k == nil {
					k = &keywordInput{}
					indexed[m[1]] = k
				}
			} else {
				for len(unindexed) <= i {
					unindexed = append(unindexed, &keywordInput{})
				}
				k = unindexed[i]
			}
			switch m[2] {
			case "id":
				k.ID = v
			case "keyword":
				s := v
				k.Keyword = &s
			case "whole_word":
				b := anyBool(v)
				k.WholeWord = &b
			case "_destroy":
				k.Destroy = anyBool(v)
			}
		}
	}
	keys := make([]string, 0, len(indexed))
	for n := range indexed {
		keys = append(keys, n)
	}
	sort.Slice(keys, func(i, j int) bool { a, _ := strconv.Atoi(keys[i]); b, _ := strconv.Atoi(keys[j]); return a < b })
	for _, n := range keys {
		in.Keywords = append(in.Keywords, *indexed[n])
	}
	for _, k := range unindexed {
		in.Keywords = append(in.Keywords, *k)
	}
	return in, nil
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func anyBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "true", "1", "on", "yes":
			return true
		}
	case float64:
		return x != 0
	}
	return false
}

// expiry reads expires_in (seconds; empty: never).
func expiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 10*365*24*3600 {
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: Expires in must be a number of seconds")
	}
	t := now.Add(time.Duration(n) * time.Second)
	return &t, nil
}

// filterError turns a model's validation error into Mastodon's 422.
func filterError(err error) error {
	for _, known := range []error{models.ErrFilterTitle, models.ErrFilterContext, models.ErrFilterAction,
		models.ErrFilterKeyword, models.ErrFiltersTooMany} {
		if errors.Is(err, known) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+known.Error())
		}
	}
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return err
}

// ListFilters answers GET /api/v2/filters.
func (h *Handler) ListFilters(c echo.Context) error {
	list, err := models.Filters(c.Request().Context(), h.db, currentAccount(c).Actor.ID)
	if err != nil {
		return err
	}
	out := make([]apiFilter, 0, len(list))
	for _, f := range list {
		out = append(out, filterEntity(f, true))
	}
	return c.JSON(http.StatusOK, out)
}

// filterParam loads the token's filter named by :id, as 404 otherwise.
func (h *Handler) filterParam(c echo.Context) (*models.Filter, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	f, err := models.FilterByID(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id)
	return f, filterError(err)
}

// GetFilter answers GET /api/v2/filters/:id.
func (h *Handler) GetFilter(c echo.Context) error {
	f, err := h.filterParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, filterEntity(f, true))
}

// CreateFilter answers POST /api/v2/filters.
func (h *Handler) CreateFilter(c echo.Context) error {
	in, err := readFilterInput(c)
	if err != nil {
		return err
	}
	f := &models.Filter{AccountID: currentAccount(c).Actor.ID, Contexts: in.Context}
	if in.Title != nil {
		f.Title = *in.Title
	}
	if in.Action != nil {
		f.Action = *in.Action
	}
	if in.ExpiresIn != nil {
		if f.ExpiresAt, err = expiry(*in.ExpiresIn, h.clock()); err != nil {
			return err
		}
	}
	for _, k := range in.Keywords {
		if k.Destroy || k.Keyword == nil {
			continue
		}
		kw := models.FilterKeyword{Keyword: *k.Keyword, WholeWord: true}
		if k.WholeWord != nil {
			kw.WholeWord = *k.WholeWord
		}
		f.Keywords = append(f.Keywords, kw)
	}
	if err := models.CreateFilter(c.Request().Context(), h.db, f); err != nil {
		return filterError(err)
	}
	return c.JSON(http.StatusOK, filterEntity(f, true))
}

// UpdateFilter answers PUT /api/v2/filters/:id: fields not sent stay.
func (h *Handler) UpdateFilter(c echo.Context) error {
	f, err := h.filterParam(c)
	if err != nil {
		return err
	}
	in, err := readFilterInput(c)
	if err != nil {
		return err
	}
	if in.Title != nil {
		f.Title = *in.Title
	}
	if len(in.Context) > 0 {
		f.Contexts = in.Context
	}
	if in.Action != nil {
		f.Action = *in.Action
	}
	if in.ExpiresIn != nil {
		if f.ExpiresAt, err = expiry(*in.ExpiresIn, h.clock()); err != nil {
			return err
		}
	}
	var changes []models.KeywordChange
	for _, k := range in.Keywords {
		ch := models.KeywordChange{Destroy: k.Destroy, FilterKeyword: models.FilterKeyword{WholeWord: true}}
		if k.ID != "" {
			id, err := strconv.ParseInt(k.ID, 10, 64)
			if err != nil {
				return echo.NewHTTPError(http.StatusNotFound, "Record not found")
			}
			old := keywordOf(f, id)
			if old == nil {
				return echo.NewHTTPError(http.StatusNotFound, "Record not found")
			}
			ch.FilterKeyword = *old
		} else if k.Destroy {
			continue
		}
		if k.Keyword != nil {
			ch.Keyword = *k.Keyword
		}
		if k.WholeWord != nil {
			ch.WholeWord = *k.WholeWord
		}
		changes = append(changes, ch)
	}
	ctx := c.Request().Context()
	if err := models.UpdateFilter(ctx, h.db, f, changes); err != nil {
		return filterError(err)
	}
	saved, err := models.FilterByID(ctx, h.db, f.AccountID, f.ID)
	if err != nil {
		return filterError(err)
	}
	return c.JSON(http.StatusOK, filterEntity(saved, true))
}

func keywordOf(f *models.Filter, id int64) *models.FilterKeyword {
	for i := range f.Keywords {
		if f.Keywords[i].ID == id {
			return &f.Keywords[i]
		}
	}
	return nil
}

// DeleteFilter answers DELETE /api/v2/filters/:id.
func (h *Handler) DeleteFilter(c echo.Context) error {
	f, err := h.filterParam(c)
	if err != nil {
		return err
	}
	if _, err := models.DeleteFilter(c.Request().Context(), h.db, f.AccountID, f.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// FilterKeywords answers GET /api/v2/filters/:id/keywords.
func (h *Handler) FilterKeywords(c echo.Context) error {
	f, err := h.filterParam(c)
	if err != nil {
		return err
	}
	out := make([]apiFilterKeyword, 0, len(f.Keywords))
	for _, k := range f.Keywords {
		out = append(out, keywordEntity(k))
	}
	return c.JSON(http.StatusOK, out)
}

// keywordParams reads keyword and whole_word (form or JSON); nil: not sent.
func keywordParams(c echo.Context) (keyword *string, wholeWord *bool, err error) {
	bad := echo.NewHTTPError(http.StatusBadRequest, "could not read the keyword")
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		var body map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return nil, nil, bad
		}
		if v, ok := body["keyword"]; ok {
			s := anyString(v)
			keyword = &s
		}
		if v, ok := body["whole_word"]; ok {
			b := anyBool(v)
			wholeWord = &b
		}
		return keyword, wholeWord, nil
	}
	form, err := c.FormParams()
	if err != nil {
		return nil, nil, bad
	}
	if form.Has("keyword") {
		s := form.Get("keyword")
		keyword = &s
	}
	if form.Has("whole_word") {
		b := anyBool(form.Get("whole_word"))
		wholeWord = &b
	}
	return keyword, wholeWord, nil
}

// AddFilterKeyword answers POST /api/v2/filters/:id/keywords.
func (h *Handler) AddFilterKeyword(c echo.Context) error {
	f, err := h.filterParam(c)
	if err != nil {
		return err
	}
	kw, whole, err := keywordParams(c)
	if err != nil {
		return err
	}
	k := &models.FilterKeyword{FilterID: f.ID, WholeWord: true}
	if kw != nil {
		k.Keyword = *kw
	}
	if whole != nil {
		k.WholeWord = *whole
	}
	if err := models.AddFilterKeyword(c.Request().Context(), h.db, f.AccountID, k); err != nil {
		return filterError(err)
	}
	return c.JSON(http.StatusOK, keywordEntity(*k))
}

// keywordParam loads the token's filter keyword named by :id.
func (h *Handler) keywordParam(c echo.Context) (*models.FilterKeyword, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	k, err := models.FilterKeywordByID(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id)
	return k, filterError(err)
}

// GetFilterKeyword answers GET /api/v2/filter_keywords/:id.
func (h *Handler) GetFilterKeyword(c echo.Context) error {
	k, err := h.keywordParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, keywordEntity(*k))
}

// UpdateFilterKeyword answers PUT /api/v2/filter_keywords/:id.
func (h *Handler) UpdateFilterKeyword(c echo.Context) error {
	k, err := h.keywordParam(c)
	if err != nil {
		return err
	}
	kw, whole, err := keywordParams(c)
	if err != nil {
		return err
	}
	if kw != nil {
		k.Keyword = *kw
	}
	if whole != nil {
		k.WholeWord = *whole
	}
	if err := models.UpdateFilterKeyword(c.Request().Context(), h.db, k); err != nil {
		return filterError(err)
	}
	return c.JSON(http.StatusOK, keywordEntity(*k))
}

// DeleteFilterKeyword answers DELETE /api/v2/filter_keywords/:id.
func (h *Handler) DeleteFilterKeyword(c echo.Context) error {
	k, err := h.keywordParam(c)
	if err != nil {
		return err
	}
	if err := models.DeleteFilterKeyword(c.Request().Context(), h.db, k.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{})
}
