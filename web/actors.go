package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// actorKind says which family of URLs names a local actor.
type actorKind int

const (
	personActor   actorKind = iota // /users/NAME
	groupActor                     // /groups/NAME
	instanceActor                  // /actor
)

// localActor loads the actor a URL names, and its group for groups. A
// person's name under /groups (or a group's under /users) is not found.
func (h *handlers) localActor(ctx context.Context, kind actorKind, name string) (*models.Actor, *models.Group, error) {
	switch kind {
	case instanceActor:
		a, err := models.InstanceActor(ctx, h.db)
		return a, nil, err
	case groupActor:
		g, err := models.GroupByName(ctx, h.db, name)
		if err != nil {
			return nil, nil, err
		}
		return g.Actor, g, nil
	default:
		a, err := models.LocalActorByRef(ctx, h.db, false, false, name)
		return a, nil, err
	}
}

// lookupError answers a failed lookup: 404 for what does not exist, and a
// wrapped error (a logged 500 that shows nothing internal) for the rest.
func lookupError(err error, what string) error {
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, what+" not found")
	}
	return fmt.Errorf("web: load %s: %w", what, err)
}

// actorDocument serves a local actor's document to ActivityPub clients and a small
// profile page to browsers, from the same URL.
func (h *handlers) actorDocument(kind actorKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		varyOnAccept(c)
		a, g, err := h.localActor(c.Request().Context(), kind, c.Param("name"))
		if err != nil {
			return lookupError(err, "actor")
		}
		if wantsActivityJSON(c.Request()) {
			doc, err := federation.ActorDocument(h.urls, a, g, federation.ActorExtras{})
			if err != nil {
				return fmt.Errorf("web: actor document of %s: %w", a.Username, err)
			}
			return writeActivityJSON(c, http.StatusOK, doc)
		}
		return h.actorPage(c, a, g)
	}
}

// profileRedirect sends Mastodon's profile URL form, /@name, to the actor's
// own URL.
func (h *handlers) profileRedirect(c echo.Context) error {
	ctx, name := c.Request().Context(), c.Param("name")
	var a *models.Actor
	var err error
	if name == models.InstanceActorName {
		// The instance actor's profile URL is /@instance; it may not exist yet.
		a, err = models.InstanceActor(ctx, h.db)
	} else {
		a, err = models.LocalActorByName(ctx, h.db, name)
	}
	if err != nil {
		return lookupError(err, "actor")
	}
	return c.Redirect(http.StatusFound, h.urls.Actor(a))
}

// actorPageTemplate is parsed once at start and only executed afterwards.
var actorPageTemplate = template.Must(template.New("actor").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Name}} ({{.Handle}})</title>
<link rel="alternate" type="application/activity+json" href="{{.ID}}">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}.handle{color:#555}.summary{white-space:pre-line}</style>
</head>
<body>
<main>
<h1>{{.Name}}</h1>
<p class="handle">{{.Handle}}</p>
{{with .Location}}<p class="location">{{.}}</p>{{end}}
{{if .MembersOnly}}<p>Members only: a moderator approves each new member.</p>{{end}}
{{range .Summary}}<p class="summary">{{.}}</p>
{{end}}</main>
</body>
</html>
`))

// actorPageData is what the profile page shows.
type actorPageData struct {
	ID          string
	Name        string
	Handle      string
	Location    string
	MembersOnly bool
	Summary     []string // paragraphs of plain text
}

func (h *handlers) actorPage(c echo.Context, a *models.Actor, g *models.Group) error {
	username := a.Username
	d := actorPageData{ID: h.urls.Actor(a), Name: a.DisplayName}
	summary := a.Summary
	switch {
	case a.Type == models.ActorApplication:
		username = h.urls.InstanceActorUsername()
		summary = "The instance actor of " + h.urls.Host() + ": it signs this server's requests to other servers."
	case g != nil:
		d.Name, d.Location, d.MembersOnly = g.Title, g.Location, g.MembersOnly()
		summary = g.Summary
	}
	if d.Name == "" {
		d.Name = username
	}
	d.Handle = "@" + username + "@" + h.urls.Host()
	for _, p := range strings.Split(strings.ReplaceAll(summary, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			d.Summary = append(d.Summary, p)
		}
	}
	var buf bytes.Buffer
	if err := actorPageTemplate.Execute(&buf, d); err != nil {
		return fmt.Errorf("web: render actor page: %w", err)
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
