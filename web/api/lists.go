package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Lists as Mastodon serves them: a member's own reading lists of accounts
// she follows, their members and timelines. Another member's list is a 404.

type apiList struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listJSON(l *models.List) apiList {
	return apiList{ID: idString(l.ID), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

// listForm is a list's fields, as a form or JSON; unset ones stay as they are.
type listForm struct {
	Title         *string `json:"title" form:"title"`
	RepliesPolicy *string `json:"replies_policy" form:"replies_policy"`
	Exclusive     *string `json:"-" form:"exclusive"`
	ExclusiveJSON *bool   `json:"exclusive" form:"-"`
}

func (f listForm) input() (models.ListInput, error) {
	in := models.ListInput{Title: f.Title, RepliesPolicy: f.RepliesPolicy, Exclusive: f.ExclusiveJSON}
	if f.Exclusive != nil {
		b, err := strconv.ParseBool(*f.Exclusive)
		if err != nil {
			return in, models.ErrListInput
		}
		in.Exclusive = &b
	}
	return in, nil
}

// listRefusal turns a list's refusals into Mastodon's answers.
func listRefusal(err error) error {
	switch {
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "Record not found")
	case errors.Is(err, models.ErrListInput), errors.Is(err, models.ErrTooManyLists), errors.Is(err, models.ErrListNotFollowed),
		errors.Is(err, models.ErrListFull):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: "+err.Error())
	}
	return err
}

// ownList is the token's member's list :id.
func (h *Handler) ownList(c echo.Context) (*models.List, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "Record not found")
	}
	l, err := models.ListOf(c.Request().Context(), h.db, currentAccount(c).Actor.ID, id)
	return l, listRefusal(err)
}

// Lists answers GET /api/v1/lists.
func (h *Handler) Lists(c echo.Context) error {
	return h.answerLists(c, 0)
}

// AccountLists answers GET /api/v1/accounts/:id/lists: her lists holding the account.
func (h *Handler) AccountLists(c echo.Context) error {
	a, err := h.actorParam(c)
	if err != nil {
		return err
	}
	return h.answerLists(c, a.ID)
}

func (h *Handler) answerLists(c echo.Context, memberID int64) error {
	list, err := models.Lists(c.Request().Context(), h.db, currentAccount(c).Actor.ID, memberID)
	if err != nil {
		return err
	}
	out := make([]apiList, 0, len(list))
	for _, l := range list {
		out = append(out, listJSON(l))
	}
	return c.JSON(http.StatusOK, out)
}

// GetList answers GET /api/v1/lists/:id.
func (h *Handler) GetList(c echo.Context) error {
	l, err := h.ownList(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON(l))
}

// CreateList answers POST /api/v1/lists (title, replies_policy, exclusive).
func (h *Handler) CreateList(c echo.Context) error {
	return h.saveList(c, func(ctx context.Context, in models.ListInput) (*models.List, error) {
		if in.Title == nil {
			return nil, models.ErrListInput
		}
		return models.CreateList(ctx, h.db, currentAccount(c).Actor.ID, in)
	})
}

// UpdateList answers PUT /api/v1/lists/:id.
func (h *Handler) UpdateList(c echo.Context) error {
	l, err := h.ownList(c)
	if err != nil {
		return err
	}
	return h.saveList(c, func(ctx context.Context, in models.ListInput) (*models.List, error) {
		return models.UpdateList(ctx, h.db, l.OwnerID, l.ID, in)
	})
}

func (h *Handler) saveList(c echo.Context, save func(context.Context, models.ListInput) (*models.List, error)) error {
	var f listForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: unreadable body")
	}
	in, err := f.input()
	if err != nil {
		return listRefusal(err)
	}
	l, err := save(c.Request().Context(), in)
	if err != nil {
		return listRefusal(err)
	}
	return c.JSON(http.StatusOK, listJSON(l))
}

// DeleteList answers DELETE /api/v1/lists/:id.
func (h *Handler) DeleteList(c echo.Context) error {
	l, err := h.ownList(c)
	if err != nil {
		return err
	}
	if err := models.DeleteList(c.Request().Context(), h.db, l.OwnerID, l.ID); err != nil {
		return listRefusal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{})
}

// ListAccounts answers GET /api/v1/lists/:id/accounts.
func (h *Handler) ListAccounts(c echo.Context) error {
	l, err := h.ownList(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := pageParams(c)
	if c.QueryParam("limit") == "0" {
		p.Limit = models.ListMembersMax // Mastodon: 0 is all of them
	}
	members, err := models.ListMembers(ctx, h.db, l.ID, p)
	if err != nil {
		return err
	}
	out, err := h.accounts(ctx, members)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// ChangeListAccounts answers POST and DELETE /api/v1/lists/:id/accounts (account_ids[]).
func (h *Handler) ChangeListAccounts(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		l, err := h.ownList(c)
		if err != nil {
			return err
		}
		raw, err := accountIDsParam(c)
		if err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: unreadable body")
		}
		var ids []int64
		for _, s := range raw {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return echo.NewHTTPError(http.StatusNotFound, "Record not found")
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: account_ids[] names no account")
		}
		ctx := c.Request().Context()
		if add {
			err = models.AddToList(ctx, h.db, l.OwnerID, l.ID, ids)
		} else {
			err = models.RemoveFromList(ctx, h.db, l.OwnerID, l.ID, ids)
		}
		if err != nil {
			return listRefusal(err)
		}
		return c.JSON(http.StatusOK, map[string]any{})
	}
}

// ListTimeline answers GET /api/v1/timelines/list/:id.
func (h *Handler) ListTimeline(c echo.Context) error {
	l, err := h.ownList(c)
	if err != nil {
		return err
	}
	return h.timeline(c, func(ctx context.Context, p models.Page) ([]models.Entry, error) {
		return models.ListTimeline(ctx, h.db, l, p)
	})
}

// accountIDsParam reads account_ids[] from the query, a form (a DELETE's
// too, which Go does not parse by itself) or JSON ({"account_ids": [...]}).
func accountIDsParam(c echo.Context) ([]string, error) {
	req := c.Request()
	out := append([]string{}, c.QueryParams()["account_ids[]"]...)
	switch ct := req.Header.Get(echo.HeaderContentType); {
	case strings.HasPrefix(ct, echo.MIMEApplicationJSON):
		var body struct {
			AccountIDs []json.Number `json:"account_ids"`
		}
		if err := json.NewDecoder(io.LimitReader(req.Body, 64<<10)).Decode(&body); err != nil {
			return nil, err
		}
		for _, id := range body.AccountIDs {
			out = append(out, id.String())
		}
	case strings.HasPrefix(ct, echo.MIMEApplicationForm) && req.Method == http.MethodDelete:
		b, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, append(form["account_ids[]"], form["account_ids"]...)...)
	default:
		form, err := c.FormParams()
		if err != nil {
			return nil, err
		}
		out = append(out, append(form["account_ids[]"], form["account_ids"]...)...)
	}
	return out, nil
}
