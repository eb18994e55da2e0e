package activitypub

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/jsonguard"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/models"
)

// PostInbox receives an activity at the shared inbox or a local actor's
// inbox: signature, then authorization, de-duplication and application in
// one transaction, or, while the server is busy, storage in the inbox's
// backlog to be applied in a moment (inbox.Processor.Receive); 202 only
// once it is stored.
func (h *Handler) PostInbox(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	if name := c.Param("name"); name != "" {
		// A personal inbox must belong to someone; what arrives is applied
		// by its content, as at the shared inbox.
		group := c.Path() == "/groups/:name/inbox"
		key := c.Path() + "/" + name
		if now := time.Now(); !h.inboxNames.known(key, now) {
			if _, err := models.LocalActorByRef(ctx, h.db, false, group, name); errors.Is(err, models.ErrNotFound) {
				refused(c, RefusedNoInbox)
				return echo.NewHTTPError(http.StatusNotFound, "no such inbox")
			} else if err != nil {
				return err
			}
			h.inboxNames.remember(key, now)
		}
		if group {
			ctx = inbox.AtGroupInbox(ctx, name) // a Flag arriving here is for the group
		}
	}
	signer, body, err := h.verifyInboxPost(c)
	if err != nil || signer == nil {
		return err
	}
	if err := h.inbox.Receive(ctx, signer, body); err != nil {
		var refusal *inbox.Error
		if errors.As(err, &refusal) {
			h.logger.InfoContext(ctx, "inbox: refused", "actor", signer.URI, "status", refusal.Status, "reason", refusal.Reason)
			refused(c, RefusedByPolicy)
			return echo.NewHTTPError(refusal.Status, refusal.Reason)
		}
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// verifyInboxPost checks what every inbox checks before reading an
// activity: its media type, the sender's domain and rate, and its
// signature. A nil signer with a nil error means it was answered already
// (a deleted actor's farewell, taken and dropped).
func (h *Handler) verifyInboxPost(c echo.Context) (*models.Actor, []byte, error) {
	req := c.Request()
	ctx := req.Context()
	if !acceptableActivityType(req.Header.Get("Content-Type")) {
		refused(c, RefusedMediaType)
		return nil, nil, echo.NewHTTPError(http.StatusUnsupportedMediaType, "send application/activity+json or application/ld+json")
	}
	if !carriesSignature(req) {
		// Refused before the body is read: an unsigned POST costs no more
		// than a GET.
		h.logger.InfoContext(ctx, "inbox: refused", "reason", "unsigned", "remote", c.RealIP())
		refused(c, RefusedUnsigned)
		return nil, nil, echo.NewHTTPError(http.StatusUnauthorized, "the request is not signed")
	}
	if err := h.guardInbox(c); err != nil {
		return nil, nil, err // a suspended domain, or a host over its rate: nothing verified, fetched or stored
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, nil, err // the body limit (web/body_limit.go) stops at limit+1 bytes with 413
	}
	// Strict JSON at the door: too deep or too wide is refused before a
	// signature is checked, a key fetched or anything decoded.
	if err := jsonguard.Check(body); err != nil {
		h.logger.InfoContext(ctx, "inbox: refused", "reason", err.Error(), "remote", c.RealIP())
		refused(c, RefusedBadJSON)
		return nil, nil, echo.NewHTTPError(http.StatusBadRequest, "the JSON body is refused: "+err.Error())
	}
	signer, err := h.auth.Authenticate(ctx, req, body)
	if err != nil {
		if errors.Is(err, federation.ErrSignerGone) && isSelfDelete(body) {
			// A deleted actor's server answers 410 for its key: there is
			// nothing to verify with, and nothing for us to keep.
			return nil, nil, c.NoContent(http.StatusAccepted)
		}
		if errors.Is(err, federation.ErrUnauthenticated) {
			h.logger.InfoContext(ctx, "inbox: refused", "reason", err.Error(), "remote", c.RealIP())
			refused(c, RefusedSignature)
			return nil, nil, echo.NewHTTPError(http.StatusUnauthorized, err.Error())
		}
		return nil, nil, err
	}
	if err := h.refuseSuspendedDomain(c, signer.Domain); err != nil {
		return nil, nil, err
	}
	if err := h.refuseSuspendedAccount(c, signer); err != nil {
		return nil, nil, err
	}
	if err := h.countInbox(c, signer.Domain); err != nil {
		return nil, nil, err
	}
	return signer, body, nil
}

// PostReportsInbox takes what is sent to the reports actor and keeps
// none of it: the actor only files reports. A Follow gets no Accept, so
// nobody follows it; Lemmy's news of a resolved report is dropped.
func (h *Handler) PostReportsInbox(c echo.Context) error {
	signer, _, err := h.verifyInboxPost(c)
	if err != nil || signer == nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// acceptableActivityType allows the media types servers post activities
// with; plain JSON too, which some send.
func acceptableActivityType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json", "application/ld+json", "application/json":
		return true
	}
	return false
}

// isSelfDelete reports whether body is an actor's Delete of itself.
func isSelfDelete(body []byte) bool {
	o, err := federation.ParseObject(body)
	return err == nil && o.Type() == "Delete" && o.Ref("actor") != "" && o.Ref("actor") == o.Ref("object")
}
