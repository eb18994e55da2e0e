package activitypub

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/httperr"
)

// Content types of the discovery documents.
const (
	jrdType = "application/jrd+json; charset=utf-8"
	xrdType = "application/xrd+xml; charset=utf-8"
)

// nodeInfoRel is the prefix of NodeInfo's schema URLs; the version follows.
const nodeInfoRel = "http://nodeinfo.diaspora.software/ns/schema/"

// softwareName is NodeInfo's software.name: Lemmy and PieFed choose how to
// federate with a server by it.
const softwareName = "village"

// allowAnyOrigin lets web clients on other sites read discovery documents,
// as Mastodon allows.
func allowAnyOrigin(c echo.Context) {
	c.Response().Header().Set(echo.HeaderAccessControlAllowOrigin, "*")
}

// jrd is a WebFinger answer (RFC 7033).
type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// webfinger answers /.well-known/webfinger for local people, groups and the
// instance actor, named by acct:NAME@HOST or by their actor URL.
func (h *Handler) WebFinger(c echo.Context) error {
	allowAnyOrigin(c)
	resource := strings.TrimSpace(c.QueryParam("resource"))
	if resource == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "the resource parameter is required, e.g. acct:name@"+h.urls.Host())
	}
	a, err := h.webfingerActor(c.Request().Context(), resource)
	if err != nil {
		return err
	}
	if err := h.refuseSuspendedPerson(c.Request().Context(), a); err != nil {
		return err
	}
	username := a.Username
	if a.Type == models.ActorApplication {
		username = h.urls.InstanceActorUsername()
	}
	id, profile := h.urls.Actor(a), h.urls.Profile(a)
	aliases := []string{id}
	if profile != id {
		aliases = append(aliases, profile)
	}
	return writeJSON(c, http.StatusOK, jrdType, jrd{
		Subject: "acct:" + username + "@" + h.urls.Host(),
		Aliases: aliases,
		Links: []jrdLink{
			{Rel: "self", Type: federation.ContentType, Href: id},
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: profile},
			{Rel: "http://ostatus.org/schema/1.0/subscribe", Template: h.urls.Base + "/authorize_interaction?uri={uri}"},
		},
	})
}

// webfingerActor finds the local actor a WebFinger resource names: an actor
// URL of ours, or acct:NAME@HOST (a leading @ and a missing acct: scheme are
// forgiven; HOST is ours, any case, with its port if it has one).
func (h *Handler) webfingerActor(ctx context.Context, resource string) (*models.Actor, error) {
	lower := strings.ToLower(resource)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		ref, ok := h.urls.ParseLocalActor(resource)
		if !ok {
			return nil, echo.NewHTTPError(http.StatusNotFound, "no such actor here")
		}
		a, err := models.LocalActorByRef(ctx, h.db, ref.Instance, ref.Group, ref.Username)
		if err != nil {
			return nil, httperr.Lookup(err, "actor")
		}
		return a, nil
	}
	acct := resource
	if strings.HasPrefix(lower, "acct:") {
		acct = acct[len("acct:"):]
	}
	acct = strings.TrimPrefix(acct, "@")
	at := strings.LastIndexByte(acct, '@')
	if at <= 0 || at == len(acct)-1 {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "resource must be acct:name@host or an actor URL")
	}
	name, host := strings.ToLower(acct[:at]), acct[at+1:]
	if !strings.EqualFold(host, h.urls.Host()) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "no such actor here")
	}
	if name == strings.ToLower(h.urls.InstanceActorUsername()) {
		a, err := models.InstanceActor(ctx, h.db)
		if err != nil {
			return nil, httperr.Lookup(err, "actor")
		}
		return a, nil
	}
	a, err := models.LocalActorByName(ctx, h.db, name)
	if err != nil {
		return nil, httperr.Lookup(err, "actor")
	}
	// The instance actor answers only to the host name it shows; the
	// reports actor to no name at all.
	if a.IsSystemActor() {
		return nil, echo.NewHTTPError(http.StatusNotFound, "actor not found")
	}
	return a, nil
}

// xrd is host-meta's document (RFC 6415).
type xrd struct {
	XMLName xml.Name  `xml:"http://docs.oasis-open.org/ns/xri/xrd-1.0 XRD"`
	Links   []xrdLink `xml:"Link"`
}

type xrdLink struct {
	Rel      string `xml:"rel,attr"`
	Template string `xml:"template,attr"`
}

// HostMeta answers /.well-known/host-meta: Mastodon falls back to its lrdd
// template when WebFinger at the usual place fails.
func (h *Handler) HostMeta(c echo.Context) error {
	allowAnyOrigin(c)
	b, err := xml.Marshal(xrd{Links: []xrdLink{{Rel: "lrdd", Template: h.urls.Base + "/.well-known/webfinger?resource={uri}"}}})
	if err != nil {
		return fmt.Errorf("web: host-meta: %w", err)
	}
	return c.Blob(http.StatusOK, xrdType, append([]byte(xml.Header), b...))
}

// NodeInfoLinks answers /.well-known/nodeinfo with where the NodeInfo 2.0
// and 2.1 documents are.
func (h *Handler) NodeInfoLinks(c echo.Context) error {
	allowAnyOrigin(c)
	type link struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	}
	return writeJSON(c, http.StatusOK, echo.MIMEApplicationJSON, map[string][]link{"links": {
		{Rel: nodeInfoRel + "2.0", Href: h.urls.Base + "/nodeinfo/2.0"},
		{Rel: nodeInfoRel + "2.1", Href: h.urls.Base + "/nodeinfo/2.1"},
	}})
}

// nodeInfo is the NodeInfo document; 2.0 and 2.1 differ only in version.
type nodeInfo struct {
	Version           string           `json:"version"`
	Software          nodeInfoSoftware `json:"software"`
	Protocols         []string         `json:"protocols"`
	Services          nodeInfoServices `json:"services"`
	OpenRegistrations bool             `json:"openRegistrations"`
	Usage             nodeInfoUsage    `json:"usage"`
	Metadata          map[string]any   `json:"metadata"`
}

type nodeInfoSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type nodeInfoServices struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

type nodeInfoUsage struct {
	Users      nodeInfoUsers `json:"users"`
	LocalPosts int           `json:"localPosts"`
}

type nodeInfoUsers struct {
	Total          int `json:"total"`
	ActiveMonth    int `json:"activeMonth"`
	ActiveHalfyear int `json:"activeHalfyear"`
}

// NodeInfo20 and NodeInfo21 serve the NodeInfo documents.
func (h *Handler) NodeInfo20(c echo.Context) error { return h.nodeInfo(c, "2.0") }
func (h *Handler) NodeInfo21(c echo.Context) error { return h.nodeInfo(c, "2.1") }

func (h *Handler) nodeInfo(c echo.Context, version string) error {
	allowAnyOrigin(c)
	users, err := models.CountUsers(c.Request().Context(), h.db)
	if err != nil {
		return fmt.Errorf("web: nodeinfo: %w", err)
	}
	mode, err := models.InstanceSignupMode(c.Request().Context(), h.db)
	if err != nil {
		return fmt.Errorf("web: nodeinfo: %w", err)
	}
	posts, err := models.CountLocalPosts(c.Request().Context(), h.db)
	if err != nil {
		return fmt.Errorf("web: nodeinfo: %w", err)
	}
	info, err := models.Instance(c.Request().Context(), h.db)
	if err != nil {
		return fmt.Errorf("web: nodeinfo: %w", err)
	}
	name := info.Name
	if name == "" {
		name = h.urls.Host()
	}
	doc := nodeInfo{
		Version:           version,
		Software:          nodeInfoSoftware{Name: softwareName, Version: h.version},
		Protocols:         []string{"activitypub"},
		Services:          nodeInfoServices{Inbound: []string{}, Outbound: []string{}},
		OpenRegistrations: mode == models.SignupOpen,
		Usage: nodeInfoUsage{
			Users:      nodeInfoUsers{Total: users.Total, ActiveMonth: users.ActiveMonth, ActiveHalfyear: users.ActiveHalfyear},
			LocalPosts: posts,
		},
		// What apps and crawlers read to tell what this server is and can
		// do: its name and description, and that it serves Mastodon's
		// client API (with OAuth) and FEP-1b12 groups.
		Metadata: map[string]any{"nodeName": name, "nodeDescription": info.Description,
			"features": []string{"mastodon_api", "oauth2", "groups"}, "postFormats": []string{"text/plain"}},
	}
	contentType := `application/json; profile="` + nodeInfoRel + version + `#"`
	return writeJSON(c, http.StatusOK, contentType, doc)
}
