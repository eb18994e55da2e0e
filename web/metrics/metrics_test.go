package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// The request series are labelled by route pattern, a known method and
// the status sent or about to be sent for an error, so that no request
// can make a series of its own.
func TestRequestSeriesKeepToPatternsMethodsAndStatuses(t *testing.T) {
	t.Parallel()
	m := New(nil)
	e := echo.New()
	e.Use(m.Middleware())
	e.GET("/things/:id", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/teapot", func(echo.Context) error { return echo.NewHTTPError(http.StatusTeapot, "short and stout") })
	e.GET("/broken", func(echo.Context) error { return errors.New("our fault") })
	for _, r := range []struct{ method, path string }{
		{"GET", "/things/1"}, {"GET", "/things/2"}, {"BREW", "/things/3"}, {"GET", "/no/such/thing"},
		{"GET", "/teapot"}, {"GET", "/broken"},
	} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(r.method, r.path, nil))
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range families {
		if f.GetName() != "village_http_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got = append(got, strings.Join(labels, ",")+" "+strconv.FormatFloat(s.GetCounter().GetValue(), 'g', -1, 64))
		}
	}
	sort.Strings(got)
	want := []string{
		"method=GET,route=/broken,status=500 1",
		"method=GET,route=/teapot,status=418 1",
		"method=GET,route=/things/:id,status=200 2",
		"method=GET,route=unmatched,status=404 1",
		"method=other,route=/things/:id,status=405 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
