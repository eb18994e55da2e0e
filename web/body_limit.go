package web

import (
	"fmt"
	"io"

	"github.com/labstack/echo/v4"
	"github.com/labstack/gommon/bytes"
)

// bodyLimit refuses a body longer than limit with 413, as Echo's BodyLimit
// does, but never reads more than limit+1 bytes of it: Echo's reader hands
// each Read the caller's whole buffer and checks afterwards, so a body sent
// without a length could be read far past the limit (io.ReadAll's buffer
// near 1 MiB is hundreds of KiB) before it is refused.
func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > n {
				return echo.ErrStatusRequestEntityTooLarge
			}
			req.Body = &cappedBody{ReadCloser: req.Body, left: n + 1}
			return next(c)
		}
	}
}

// parseBodyLimit reads a limit such as "1M"; an invalid one is a mistake
// in the server's options, which Echo's BodyLimit also met with a panic.
func parseBodyLimit(limit string) int64 {
	n, err := bytes.Parse(limit)
	if err != nil || n <= 0 {
		panic(fmt.Errorf("web: invalid body limit %q: %w", limit, err))
	}
	return n
}

// cappedBody reads at most left bytes, and once it has read them all (the
// limit and one more) answers every read with 413.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, echo.ErrStatusRequestEntityTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left <= 0 {
		return n, echo.ErrStatusRequestEntityTooLarge
	}
	return n, err
}
