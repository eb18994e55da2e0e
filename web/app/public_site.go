package app

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// What browsers and phones ask a site for besides its pages: the web app
// manifest (so that a parent can add Village to her phone's home screen),
// /favicon.ico and /robots.txt.

// Colours of the manifest, the app's light theme (static/app.css).
const (
	themeColor      = "#9a3b14"
	backgroundColor = "#fffaf3"
)

// manifestIcon is one icon of the web app manifest.
type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// webManifest is the W3C web app manifest.
type webManifest struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Description     string         `json:"description"`
	Lang            string         `json:"lang"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	ThemeColor      string         `json:"theme_color"`
	BackgroundColor string         `json:"background_color"`
	Icons           []manifestIcon `json:"icons"`
}

// Manifest answers GET /manifest.webmanifest: the instance's name, its
// colours and icons, and where the installed app opens (the member's home,
// which asks a visitor to log in first).
func (h *Handler) Manifest(c echo.Context) error {
	info, err := models.Instance(c.Request().Context(), h.db)
	if err != nil {
		return fmt.Errorf("web: manifest: %w", err)
	}
	name := info.Name
	if name == "" {
		name = i18n.Text("app.name") + " · " + h.urls.Host()
	}
	short := info.Name
	if short == "" || len([]rune(short)) > 12 {
		short = i18n.Text("app.name")
	}
	description := info.Description
	if description == "" {
		description = i18n.Text("app.tagline")
	}
	m := webManifest{ID: "/", Name: name, ShortName: short, Description: description, Lang: "en",
		StartURL: memberHomePath, Scope: "/", Display: "standalone", ThemeColor: themeColor,
		BackgroundColor: backgroundColor, Icons: []manifestIcon{
			{Src: "/static/icon-192.png", Sizes: "192x192", Type: "image/png", Purpose: "any"},
			{Src: "/static/icon-512.png", Sizes: "512x512", Type: "image/png", Purpose: "any"},
			{Src: "/static/icon-maskable-512.png", Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
			{Src: "/static/favicon.svg", Sizes: "any", Type: "image/svg+xml", Purpose: "any"},
		}}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("web: manifest: %w", err)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/manifest+json", body)
}

// Favicon answers GET /favicon.ico, which browsers ask for whatever the
// page links.
func (h *Handler) Favicon(c echo.Context) error {
	body, err := fs.ReadFile(staticFiles, "static/favicon.ico")
	if err != nil {
		return fmt.Errorf("web: favicon: %w", err)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/x-icon", body)
}

// aiCrawlers (never written) are the user agents of crawlers that collect pages to train
// language models: a parents' community does not give its members' words
// to them. Search engines may index the public pages.
var aiCrawlers = []string{"GPTBot", "ChatGPT-User", "OAI-SearchBot", "CCBot", "Google-Extended", "anthropic-ai",
	"ClaudeBot", "Claude-Web", "Bytespider", "PerplexityBot", "Applebot-Extended", "meta-externalagent",
	"Amazonbot", "cohere-ai", "Diffbot", "Omgilibot", "ImagesiftBot"}

// privatePaths (never written) are what no crawler has any business in: accounts, member
// and moderation pages, the client API, forms.
var privatePaths = []string{"/api/", "/admin", "/settings", "/home", "/notifications", "/follow_requests",
	"/posts/", "/moderate", "/report", "/login", "/signup", "/join", "/follow", "/accounts/", "/inbox",
	"/media/"}

// Robots answers GET /robots.txt.
func (h *Handler) Robots(c echo.Context) error {
	var b strings.Builder
	for _, agent := range aiCrawlers {
		fmt.Fprintf(&b, "User-agent: %s\n", agent)
	}
	b.WriteString("Disallow: /\n\nUser-agent: *\n")
	for _, p := range privatePaths {
		fmt.Fprintf(&b, "Disallow: %s\n", p)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}
