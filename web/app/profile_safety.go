package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Blocking and muting from a profile page: the buttons a signed-in person
// sees on someone else's profile, and the forms they post.

// profileSafety is the block and mute buttons of a profile.
type profileSafety struct {
	Name      string
	Blocking  bool
	BlockedBy bool
	Muting    bool
	BlockURL  string // block or unblock
	MuteURL   string // mute or unmute
	Next      string
}

// profileSafetyFor is what the viewer can do about a on their profile; nil
// for visitors, oneself and the instance actor.
func (h *Handler) profileSafetyFor(c echo.Context, a *models.Actor, next string) (*profileSafety, error) {
	v := h.viewer(c)
	if v == nil || v.Actor.ID == a.ID || a.IsSystemActor() {
		return nil, nil
	}
	ctx := c.Request().Context()
	s := &profileSafety{Name: h.linkActor(a).Name, Next: next}
	var err error
	if s.Blocking, s.BlockedBy, err = models.Blocks(ctx, h.db, v.Actor.ID, a.ID); err != nil {
		return nil, err
	}
	if s.Muting, err = models.Muting(ctx, h.db, v.Actor.ID, a.ID); err != nil {
		return nil, err
	}
	base := "/accounts/" + strconv.FormatInt(a.ID, 10)
	s.BlockURL, s.MuteURL = base+"/block", base+"/mute"
	if s.Blocking {
		s.BlockURL = base + "/unblock"
	}
	if s.Muting {
		s.MuteURL = base + "/unmute"
	}
	return s, nil
}

// The forms: POST /accounts/:id/block, /unblock, /mute, /unmute.
func (h *Handler) BlockFromPage(c echo.Context) error {
	return h.changeFromPage(c, func(ctx context.Context, me, target *models.Actor) error { return h.outbox.Block(ctx, me, target) })
}

func (h *Handler) UnblockFromPage(c echo.Context) error {
	return h.changeFromPage(c, func(ctx context.Context, me, target *models.Actor) error { return h.outbox.Unblock(ctx, me, target) })
}

// A mute stays here: no activity tells the muted person.
func (h *Handler) MuteFromPage(c echo.Context) error {
	return h.changeFromPage(c, func(ctx context.Context, me, target *models.Actor) error {
		_, err := models.PutMute(ctx, h.db, me.ID, target.ID)
		return err
	})
}

func (h *Handler) UnmuteFromPage(c echo.Context) error {
	return h.changeFromPage(c, func(ctx context.Context, me, target *models.Actor) error {
		_, err := models.DeleteMute(ctx, h.db, me.ID, target.ID)
		return err
	})
}

func (h *Handler) changeFromPage(c echo.Context, change func(ctx context.Context, me, target *models.Actor) error) error {
	v, err := h.signInFirst(c, "/home")
	if v == nil {
		return err
	}
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "account not found")
	}
	target, err := models.ActorByID(ctx, h.db, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && target.IsSystemActor()) {
		return echo.NewHTTPError(http.StatusNotFound, "account not found")
	}
	if err != nil {
		return err
	}
	if target.ID == v.Actor.ID {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "you cannot block or mute yourself")
	}
	if err := change(ctx, v.Actor, target); err != nil {
		return err
	}
	next := localPath(c.FormValue("next"))
	if next == "" {
		next = h.linkActor(target).URL
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// withoutHiddenPosts leaves out the posts by actors the viewer blocks or
// mutes, for the pages a signed-in person reads (a thread, a group).
func (h *Handler) withoutHiddenPosts(ctx context.Context, viewerID int64, posts []*models.Post) ([]*models.Post, error) {
	hidden, err := models.HiddenActorIDs(ctx, h.db, viewerID)
	if err != nil || len(hidden) == 0 {
		return posts, err
	}
	kept := make([]*models.Post, 0, len(posts))
	for _, p := range posts {
		if !hidden[p.AuthorID] {
			kept = append(kept, p)
		}
	}
	return kept, nil
}
