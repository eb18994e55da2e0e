package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// "Join from your own server": a visitor with an account elsewhere in the
// fediverse gives her handle, and is sent to her own server's page for
// following (or answering) what she was looking at here. Her server does
// the following; we only find the page: the subscribe template her server's
// WebFinger names (OStatus remote follow, which Mastodon, Pleroma, Akkoma,
// Misskey and others publish), or else /authorize_interaction?uri=, which
// Mastodon and GoToSocial serve.
const (
	subscribeRel      = "http://ostatus.org/schema/1.0/subscribe"
	joinLookupTimeout = 8 * time.Second
	maxHandleLength   = 320
)

// joinData is the join page.
type joinData struct {
	Target   string // what is followed, as a person reads it
	Back     string // its page here
	NotFound bool   // uri names nothing that can be followed from here
	Form     joinForm
}

// JoinPage shows the form for ?uri= (an actor or a post); with a handle
// (GET or POST) it sends the visitor to her server with a 303.
func (h *Handler) JoinPage(c echo.Context) error {
	ctx := c.Request().Context()
	uri := strings.TrimSpace(c.FormValue("uri"))
	handle := strings.TrimSpace(c.FormValue("handle"))
	d := joinData{Form: joinForm{URI: uri, Handle: content.CutRunes(handle, maxHandleLength)}}
	if uri == "" {
		return h.page(c, http.StatusOK, "join", i18n.Text("join.title"), d)
	}
	target, back, err := h.joinTarget(ctx, uri)
	if errors.Is(err, models.ErrNotFound) {
		d.Form.URI, d.NotFound = "", true
		return h.page(c, http.StatusNotFound, "join", i18n.Text("join.title"), d)
	}
	if err != nil {
		return err
	}
	d.Target, d.Back = target, back
	_, asked := c.Request().Form["handle"] // FormValue parsed the query and the body
	if !asked && c.Request().Method == http.MethodGet {
		return h.page(c, http.StatusOK, "join", i18n.Text("join.title"), d)
	}
	name, host, err := parseHandle(handle)
	if err != nil {
		d.Form.Error = i18n.Text("join.error.handle")
		return h.page(c, http.StatusUnprocessableEntity, "join", i18n.Text("join.title"), d)
	}
	if strings.EqualFold(host, h.urls.Host()) {
		// She is on this server already: the page itself is the place.
		return c.Redirect(http.StatusSeeOther, back)
	}
	dest, err := h.remoteInteraction(ctx, name, host, uri)
	if err != nil {
		h.logger.InfoContext(ctx, "join from another server: lookup failed", "host", host, "error", err)
		if errors.Is(err, fetch.ErrNotFound) || errors.Is(err, fetch.ErrGone) {
			d.Form.Error = fmt.Sprintf(i18n.Text("join.error.unknown"), "@"+name+"@"+host)
		} else {
			d.Form.Error = fmt.Sprintf(i18n.Text("join.error.unreachable"), host)
		}
		return h.page(c, http.StatusUnprocessableEntity, "join", i18n.Text("join.title"), d)
	}
	return c.Redirect(http.StatusSeeOther, dest)
}

// joinTarget names what uri is and where its page is here: a local group
// or person, a local post a public page shows, or a remote actor known
// here. Anything else is models.ErrNotFound.
func (h *Handler) joinTarget(ctx context.Context, uri string) (name, page string, err error) {
	if !h.urls.IsLocal(uri) {
		a, err := models.RemoteActorByURI(ctx, h.db, uri)
		if err != nil {
			return "", "", err
		}
		l := h.linkActor(a)
		return l.Name + " (" + l.Handle + ")", l.URL, nil
	}
	if ref, ok := h.urls.ParseLocalActor(uri); ok {
		if ref.Instance {
			return "", "", models.ErrNotFound
		}
		if ref.Group {
			g, err := models.GroupByName(ctx, h.db, ref.Username)
			if err != nil {
				return "", "", err
			}
			return g.Title, "/groups/" + g.Actor.Username, nil
		}
		a, err := models.LocalActorByRef(ctx, h.db, false, false, ref.Username)
		if err != nil {
			return "", "", err
		}
		l := h.linkActor(a)
		return l.Name + " (" + l.Handle + ")", l.URL, nil
	}
	post, err := models.PostByURI(ctx, h.db, uri)
	if err != nil {
		return "", "", err
	}
	shown, err := models.VisiblePosts(ctx, h.db, []int64{post.ID})
	if err != nil {
		return "", "", err
	}
	if p := shown[post.ID]; p != nil && p.Local {
		return fmt.Sprintf(i18n.Text("post.title"), h.linkActor(p.Author).Name), h.localPath(p.URI), nil
	}
	return "", "", models.ErrNotFound
}

// parseHandle reads @name@host (or name@host, acct:name@host) and checks
// that host is a host name or address with an optional port, and nothing
// more.
func parseHandle(handle string) (name, host string, err error) {
	if len(handle) > maxHandleLength {
		return "", "", fmt.Errorf("web: handle too long")
	}
	name, host, err = federation.SplitHandle(handle)
	if err != nil {
		return "", "", err
	}
	u, err := url.Parse("https://" + host)
	if err != nil || u.Host != host || u.Hostname() == "" || u.User != nil || u.Path != "" || u.RawQuery != "" {
		return "", "", fmt.Errorf("web: %q is not a host", host)
	}
	if strings.ContainsAny(name, "?#:\\\"'<>") || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return "", "", fmt.Errorf("web: %q is not a user name", name)
	}
	return name, host, nil
}

// remoteInteraction finds the page on host where name's account follows or
// answers uri: her server's WebFinger subscribe template when it has one,
// else /authorize_interaction. Hosts are reached with this instance's own
// scheme (https, or http on a plain-http test instance). An account the
// server does not know, or a server that cannot be reached, is an error.
func (h *Handler) remoteInteraction(ctx context.Context, name, host, uri string) (string, error) {
	scheme := "https"
	if strings.HasPrefix(h.urls.Base, "http://") {
		scheme = "http"
	}
	fallback := scheme + "://" + host + "/authorize_interaction?uri=" + url.QueryEscape(uri)
	ctx, cancel := context.WithTimeout(ctx, joinLookupTimeout)
	defer cancel()
	q := url.Values{"resource": {"acct:" + name + "@" + host}}
	doc, err := h.fetcher.GetJSON(ctx, scheme+"://"+host+"/.well-known/webfinger?"+q.Encode(), "application/jrd+json, application/json")
	switch {
	case errors.Is(err, fetch.ErrNotFound), errors.Is(err, fetch.ErrGone):
		return "", fmt.Errorf("web: webfinger @%s@%s: %w", name, host, err)
	case errors.Is(err, fetch.ErrStatus), errors.Is(err, fetch.ErrInvalidDocument), errors.Is(err, fetch.ErrTooLarge),
		errors.Is(err, fetch.ErrTooManyRedirects):
		return fallback, nil // a server answered, only not with WebFinger we can read
	case err != nil:
		return "", fmt.Errorf("web: webfinger @%s@%s: %w", name, host, err)
	}
	links, _ := doc.Object["links"].([]any)
	for _, l := range links {
		link, _ := l.(map[string]any)
		tmpl, _ := link["template"].(string)
		if link["rel"] != subscribeRel || !strings.Contains(tmpl, "{uri}") {
			continue
		}
		dest := strings.ReplaceAll(tmpl, "{uri}", url.QueryEscape(uri))
		u, err := url.Parse(dest)
		if err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == scheme) {
			return dest, nil
		}
	}
	return fallback, nil
}
