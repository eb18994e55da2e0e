package web

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
)

// activityJSONType is the Content-Type of every ActivityPub document we serve.
const activityJSONType = federation.ContentType + "; charset=utf-8"

// writeActivityJSON answers with an ActivityStreams document.
func writeActivityJSON(c echo.Context, status int, doc any) error {
	return writeJSON(c, status, activityJSONType, doc)
}

// writeJSON answers with v as JSON of the given Content-Type. HTML in
// summaries stays readable: <p> is not escaped to \u003cp\u003e.
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	body, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("web: encode %s: %w", contentType, err)
	}
	return c.Blob(status, contentType, body)
}

// encodeJSON is v as writeJSON sends it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
