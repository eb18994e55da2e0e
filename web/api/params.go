package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// requestParams reads the parameters of an OAuth or app-registration
// request as Mastodon (Rails) does: from the query and a form body, or a
// JSON object, whose arrays become repeated values. A key sent as
// "name[]" is read as "name" too.
func requestParams(c echo.Context) (url.Values, error) {
	r := c.Request()
	out := url.Values{}
	if strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, fmt.Errorf("a JSON object was expected: %w", err)
		}
		for k, v := range body {
			switch v := v.(type) {
			case []any:
				for _, item := range v {
					out.Add(k, scalar(item))
				}
			case nil:
			default:
				out.Set(k, scalar(v))
			}
		}
		for k, vs := range r.URL.Query() {
			if _, ok := out[k]; !ok {
				out[k] = vs
			}
		}
	} else {
		form, err := c.FormParams()
		if err != nil {
			return nil, fmt.Errorf("the form could not be read: %w", err)
		}
		for k, vs := range form {
			out[k] = vs
		}
	}
	for k, vs := range out {
		if base, ok := strings.CutSuffix(k, "[]"); ok {
			out[base] = append(out[base], vs...)
			delete(out, k)
		}
	}
	return out, nil
}

// scalar is a JSON value as the text a form would have sent.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".")
	default:
		return fmt.Sprint(v)
	}
}
