package app

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/web/i18n"
)

// The web app's pages are html/template files embedded in the binary;
// every page is "layout" around its own "content" block.

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages holds one template set per page, each with the layout, parsed
// when the page is first rendered: parsing all ~60 at start was most of a
// process's start-up CPU, and a process serves few of them in its first
// seconds. TestEveryPageParses parses them all.
type pages struct {
	funcs template.FuncMap
	sets  map[string]*pageSet
}

// pageSet is one page's files and, once parsed, its template set.
type pageSet struct {
	files []string
	once  sync.Once
	t     *template.Template
	err   error
}

// loadPages finds every page and the shared layout and partials.
func loadPages() (*pages, error) {
	funcs := template.FuncMap{
		"t":       i18n.Text,
		"since":   since,
		"safe":    func(s string) template.HTML { return template.HTML(s) }, // only for HTML we sanitized or rendered
		"initial": initial,
		"dict":    dict,
		"inc":     func(i int) int { return i + 1 },
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	var pageNames []string
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			shared = append(shared, n)
		} else {
			pageNames = append(pageNames, base)
		}
	}
	p := &pages{funcs: funcs, sets: map[string]*pageSet{}}
	for _, name := range pageNames {
		p.sets[name] = &pageSet{files: append(append([]string{}, shared...), "templates/"+name+".html")}
	}
	return p, nil
}

// template is the parsed set of page name.
func (p *pages) template(name string) (*template.Template, error) {
	s, ok := p.sets[name]
	if !ok {
		return nil, fmt.Errorf("web: no page %q", name)
	}
	s.once.Do(func() {
		s.t, s.err = template.New("layout").Funcs(p.funcs).ParseFS(templateFiles, s.files...)
		if s.err != nil {
			s.err = fmt.Errorf("web: template %s: %w", name, s.err)
		}
	})
	return s.t, s.err
}

// pageData is what every page gets besides its own data.
type pageData struct {
	Title    string
	Instance string // the instance's host
	Viewer   any    // the signed-in person, when there is one
	CSRF     string // token for forms
	Flash    string
	Uploads  bool // photos can be uploaded (compose forms show their fields)
	Data     any
}

// render writes a page. Rendering into a buffer first means a template
// error becomes a clean 500, not half a page.
func (p *pages) render(c echo.Context, status int, name string, d pageData) error {
	t, err := p.template(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		return fmt.Errorf("web: page %s: %w", name, err)
	}
	c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	c.Response().Header().Set("Referrer-Policy", "same-origin")
	if c.Response().Header().Get("Content-Security-Policy") == "" { // a page may widen it (the OAuth consent page)
		c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self' https:")
	}
	c.Response().WriteHeader(status)
	_, err = buf.WriteTo(c.Response())
	return err
}

// StaticFiles serves the embedded assets under /static/, cacheable.
func StaticFiles() echo.HandlerFunc {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

func since(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return i18n.Text("time.now")
	case d < time.Hour:
		return fmt.Sprintf(i18n.Text("time.minutes"), int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf(i18n.Text("time.hours"), int(d.Hours()))
	case d < 7*24*time.Hour:
		return fmt.Sprintf(i18n.Text("time.days"), int(d.Hours()/24))
	}
	return t.UTC().Format("2 Jan 2006")
}

func initial(s string) string {
	for _, r := range s {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// page renders a page of the web app with what every page shows: the
// instance, the signed-in person, and the form token.
func (h *Handler) page(c echo.Context, status int, name, title string, data any) error {
	d := pageData{Title: title, Instance: h.urls.Host(), CSRF: csrfToken(c), Uploads: h.media != nil, Data: data}
	if v := h.viewer(c); v != nil {
		d.Viewer = v
	}
	return h.pages.render(c, status, name, d)
}

// dict makes a map of key-value pairs, so that a partial template can be
// given more than one value ({{template "x" (dict "A" .A "B" $.B)}}).
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("web: dict needs key-value pairs, got %d values", len(pairs))
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("web: dict key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}
