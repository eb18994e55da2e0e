package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation/jsonguard"
	"github.com/village-social/village/web/oauth"
)

// strictJSON checks the shape of every JSON request body (the client API,
// OAuth; the inboxes do it in web/activitypub, after their guard) before
// any handler decodes it: more than
// jsonguard.MaxDepth levels of nesting, an array longer than
// jsonguard.MaxArrayElements, an object with more than
// jsonguard.MaxObjectKeys keys, a number out of range, or anything that is
// not JSON, is refused with 400 and a reason, before a signature is
// checked, a key fetched or a row written. It runs after the body limit,
// which bounds what it reads.
//
// A body counts as JSON when the media type of its Content-Type says
// "json" anywhere (application/json, activity+json, ld+json, and whatever
// echo's binder would decode as JSON, such as application/jsonx): whatever
// could be decoded as JSON is checked. An empty
// body passes, as apps send one with a JSON Content-Type to routes that
// read none.
func strictJSON(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if strings.HasSuffix(c.Path(), "/inbox") {
				// The inboxes check the shape themselves, right after
				// refusing blocked and flooding servers, which must cost
				// us no read of their bodies.
				return next(c)
			}
			mediaType, _, _ := strings.Cut(req.Header.Get(echo.HeaderContentType), ";")
			if req.Body == nil || req.Body == http.NoBody || !strings.Contains(strings.ToLower(mediaType), "json") {
				return next(c)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err // the body limit's 413, or a broken connection
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			if jsonguard.IsBlank(body) {
				return next(c)
			}
			if err := jsonguard.Check(body); err != nil {
				logger.InfoContext(req.Context(), "JSON body refused", "path", req.URL.Path, "remote", c.RealIP(), "reason", err.Error())
				reason := "the JSON body is refused: " + err.Error()
				if strings.HasPrefix(req.URL.Path, "/oauth/") {
					return oauth.InvalidRequest(reason).Write(c) // Doorkeeper's shape, which apps read
				}
				return echo.NewHTTPError(http.StatusBadRequest, reason)
			}
			return next(c)
		}
	}
}
