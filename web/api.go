package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// The client API speaks Mastodon's shapes, so any Mastodon app (and our
// tests) can script Village.

const accountKey = "village.account"

// requireToken authenticates a bearer token and puts its account on the context.
func (h *handlers) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		auth := c.Request().Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return echo.NewHTTPError(http.StatusUnauthorized, "The access token is invalid")
		}
		acc, err := models.AccountByToken(c.Request().Context(), h.db, strings.TrimSpace(token))
		if errors.Is(err, models.ErrNotFound) {
			return echo.NewHTTPError(http.StatusUnauthorized, "The access token is invalid")
		}
		if err != nil {
			return err
		}
		c.Set(accountKey, acc)
		return next(c)
	}
}

// currentAccount is the token's account (requireToken ran before).
func currentAccount(c echo.Context) *models.Account {
	acc, _ := c.Get(accountKey).(*models.Account)
	return acc
}

// actorParam loads the actor named by the :id path parameter.
func (h *handlers) actorParam(c echo.Context) (*models.Actor, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	a, err := models.ActorByID(c.Request().Context(), h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && a.IsSystemActor()) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	return a, err
}

// pageParams reads Mastodon's max_id and limit.
func pageParams(c echo.Context) models.Page {
	var p models.Page
	p.MaxID, _ = strconv.ParseInt(c.QueryParam("max_id"), 10, 64)
	p.Limit, _ = strconv.Atoi(c.QueryParam("limit"))
	if p.Limit <= 0 || p.Limit > 80 {
		p.Limit = 40
	}
	return p
}

// setNextLink adds Mastodon's Link header pointing at the next page when
// the page was full (there may be more).
func (h *handlers) setNextLink(c echo.Context, p models.Page, got int, lastCursor int64) {
	if got < p.Limit || lastCursor == 0 {
		return
	}
	q := url.Values{}
	for k, v := range c.QueryParams() {
		q[k] = v
	}
	q.Set("max_id", strconv.FormatInt(lastCursor, 10))
	q.Set("limit", strconv.Itoa(p.Limit))
	next := h.urls.Base + c.Request().URL.Path + "?" + q.Encode()
	c.Response().Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
}
