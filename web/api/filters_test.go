package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestReadFilterInputTakesRailsStyleAndJSONKeywords(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		want                    []string // keyword/whole_word/destroy of each keyword, in order
	}{
		{"indexed form", echo.MIMEApplicationForm,
			"title=T&context[]=home&keywords_attributes[1][keyword]=b&keywords_attributes[0][keyword]=a&keywords_attributes[0][whole_word]=false&keywords_attributes[1][id]=7&keywords_attributes[1][_destroy]=1",
			[]string{"a/false/false", "b/-/true"}},
		{"unindexed form", echo.MIMEApplicationForm,
			"title=T&context[]=home&keywords_attributes[][keyword]=a&keywords_attributes[][keyword]=b&keywords_attributes[][whole_word]=true&keywords_attributes[][whole_word]=0",
			[]string{"a/true/false", "b/false/false"}},
		{"JSON", echo.MIMEApplicationJSON,
			`{"title":"T","context":["home"],"keywords_attributes":[{"keyword":"a","whole_word":false},{"id":"3","_destroy":true}]}`,
			[]string{"a/false/false", "-/-/true"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v2/filters", strings.NewReader(c.body))
			req.Header.Set(echo.HeaderContentType, c.contentType)
			ctx := echo.New().NewContext(req, httptest.NewRecorder())
			in, err := readFilterInput(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if in.Title == nil || *in.Title != "T" || len(in.Context) != 1 || in.Context[0] != "home" {
				t.Errorf("title %v context %v", in.Title, in.Context)
			}
			var got []string
			for _, k := range in.Keywords {
				kw, whole := "-", "-"
				if k.Keyword != nil {
					kw = *k.Keyword
				}
				if k.WholeWord != nil {
					whole = map[bool]string{true: "true", false: "false"}[*k.WholeWord]
				}
				got = append(got, kw+"/"+whole+"/"+map[bool]string{true: "true", false: "false"}[k.Destroy])
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("keywords %v, want %v", got, c.want)
			}
		})
	}
}
