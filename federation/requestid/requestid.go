// Package requestid carries the id of the HTTP request that started some
// work: through context.Context into the code it calls, into the jobs it
// queues (the delivery queue keeps it in each job's metadata), and onto
// every log line written with that context (Handler).
//
// It lives under federation, not web, because the delivery queue, which
// web may import and not the other way round, reads it too.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// Header is the HTTP header a proxy may send the id in, and the one it is
// answered in.
const Header = "X-Request-Id"

// LogKey names the id on log lines and in job metadata.
const LogKey = "request_id"

// maxLen bounds an id taken from a proxy: enough for a UUID or a
// trace id with a prefix, too short to fill logs.
const maxLen = 64

type contextKey struct{}

// With returns ctx carrying id; an empty id leaves ctx as it is.
func With(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, contextKey{}, id)
}

// From returns the id ctx carries, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(contextKey{}).(string)
	return id
}

// New makes a fresh id: 16 random bytes in hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on Linux
	return hex.EncodeToString(b[:])
}

// Sane reports whether an id sent by a proxy may be used as it is: short,
// and only letters, digits and the punctuation ids are made of, so that it
// cannot break a log line or a header.
func Sane(id string) bool {
	if id == "" || len(id) > maxLen {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '.', r == ':', r == '/', r == '+', r == '=', r == '@':
		default:
			return false
		}
	}
	return true
}

// Handler adds the request id of a record's context to the record, so that
// every line logged with the request's context names it.
type Handler struct {
	slog.Handler
}

// NewHandler wraps next.
func NewHandler(next slog.Handler) *Handler { return &Handler{Handler: next} }

// Handle adds request_id when ctx carries one.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(LogKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{Handler: h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{Handler: h.Handler.WithGroup(name)}
}
