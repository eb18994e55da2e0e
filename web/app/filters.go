package app

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// The member's filters page (/settings/filters): the same filters as the
// client API's v2, made and removed with plain forms.

// filterRow is a filter as the page lists it.
type filterRow struct {
	ID       int64
	Title    string
	Keywords string
	Contexts string
	Hide     bool
	Expires  string // "" when it never ends
}

// filtersData is the page: the filters, and the form to add one.
type filtersData struct {
	Filters  []filterRow
	Form     filterForm
	Contexts []string
	Error    string
}

// filterForm is what was typed into the add form.
type filterForm struct {
	Title     string
	Keywords  string // comma-separated
	Contexts  map[string]bool
	Hide      bool
	WholeWord bool
	ExpiresIn string // seconds; "" never
}

func (h *Handler) filtersData(c echo.Context, v *models.Account, form filterForm) (filtersData, error) {
	d := filtersData{Form: form, Contexts: models.FilterContexts}
	list, err := models.Filters(c.Request().Context(), h.db, v.Actor.ID)
	if err != nil {
		return d, err
	}
	for _, f := range list {
		row := filterRow{ID: f.ID, Title: f.Title, Contexts: strings.Join(f.Contexts, ", "), Hide: f.Action == models.FilterHide}
		var kws []string
		for _, k := range f.Keywords {
			kws = append(kws, k.Keyword)
		}
		row.Keywords = strings.Join(kws, ", ")
		if f.ExpiresAt != nil {
			row.Expires = f.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		d.Filters = append(d.Filters, row)
	}
	return d, nil
}

// FiltersPage lists the member's filters.
func (h *Handler) FiltersPage(c echo.Context) error {
	v, err := h.signInFirst(c, "/settings/filters")
	if v == nil {
		return err
	}
	flash := ""
	if c.QueryParam("added") == "1" {
		flash = i18n.Text("filters.added")
	}
	d, err := h.filtersData(c, v, filterForm{Contexts: map[string]bool{models.FilterHome: true, models.FilterThread: true,
		models.FilterNotifications: true}, WholeWord: true})
	if err != nil {
		return err
	}
	return h.memberPage(c, http.StatusOK, "settings_filters", i18n.Text("filters.title"), flash, d)
}

// AddFilterForm makes a filter from the form; errors come back with the
// form as typed.
func (h *Handler) AddFilterForm(c echo.Context) error {
	v, err := h.signInFirst(c, "/settings/filters")
	if v == nil {
		return err
	}
	r := c.Request()
	form := filterForm{Title: r.PostFormValue("title"), Keywords: r.PostFormValue("keywords"), Contexts: map[string]bool{},
		Hide: r.PostFormValue("action") == models.FilterHide, WholeWord: r.PostFormValue("whole_word") != "",
		ExpiresIn: r.PostFormValue("expires_in")}
	f := &models.Filter{AccountID: v.Actor.ID, Title: form.Title, Action: models.FilterWarn}
	if form.Hide {
		f.Action = models.FilterHide
	}
	_ = r.ParseForm()
	for _, ctx := range r.PostForm["context"] {
		form.Contexts[ctx] = true
		f.Contexts = append(f.Contexts, ctx)
	}
	for _, k := range strings.Split(form.Keywords, ",") {
		if k = strings.TrimSpace(k); k != "" {
			f.Keywords = append(f.Keywords, models.FilterKeyword{Keyword: k, WholeWord: form.WholeWord})
		}
	}
	problem := ""
	if len(f.Keywords) == 0 {
		problem = i18n.Text("filters.error.keywords")
	} else if n, err := strconv.Atoi(form.ExpiresIn); form.ExpiresIn != "" && (err != nil || n <= 0) {
		problem = i18n.Text("filters.error.expires")
	} else {
		if form.ExpiresIn != "" {
			t := h.clock().Add(time.Duration(n) * time.Second)
			f.ExpiresAt = &t
		}
		err := models.CreateFilter(r.Context(), h.db, f)
		for _, known := range []error{models.ErrFilterTitle, models.ErrFilterContext, models.ErrFilterAction,
			models.ErrFilterKeyword, models.ErrFiltersTooMany} {
			if errors.Is(err, known) {
				problem = known.Error()
				err = nil
			}
		}
		if err != nil {
			return err
		}
	}
	if problem != "" {
		d, err := h.filtersData(c, v, form)
		if err != nil {
			return err
		}
		d.Error = problem
		return h.memberPage(c, http.StatusUnprocessableEntity, "settings_filters", i18n.Text("filters.title"), "", d)
	}
	return c.Redirect(http.StatusSeeOther, "/settings/filters?added=1")
}

// DeleteFilterForm removes one of the member's filters.
func (h *Handler) DeleteFilterForm(c echo.Context) error {
	v, err := h.signInFirst(c, "/settings/filters")
	if v == nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "filter not found")
	}
	found, err := models.DeleteFilter(c.Request().Context(), h.db, v.Actor.ID, id)
	if err != nil {
		return err
	}
	if !found {
		return echo.NewHTTPError(http.StatusNotFound, "filter not found")
	}
	return c.Redirect(http.StatusSeeOther, "/settings/filters")
}
