package activitypub

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/access"
)

// fetchedForMember reports whether the request is a GET signed by someone
// the group's members-only posts may be shown to: one of its members or
// moderators, or any actor (usually the instance actor) of a server where
// the group has an approved member, since that server fetches for them.
// Unsigned requests and strangers get false, and so the same 404 as a post
// that does not exist.
func (h *Handler) fetchedForMember(c echo.Context, groupID int64) bool {
	req := c.Request()
	ctx := req.Context()
	signer := verifiedSigner(c) // verified already under authorized fetch
	if signer == nil {
		if h.auth == nil || !isSigned(req) {
			return false
		}
		var err error
		if signer, err = h.auth.Authenticate(ctx, req, nil); err != nil {
			h.logger.DebugContext(ctx, "members-only fetch: signature not verified", "error", err)
			return false
		}
	}
	member, err := models.IsMember(ctx, h.db, groupID, signer.ID)
	if err == nil && !member && !signer.IsLocal() {
		member, err = models.HasMemberOn(ctx, h.db, groupID, signer.Domain)
	}
	if err != nil {
		h.logger.ErrorContext(ctx, "members-only fetch: membership check", "error", err)
		return false
	}
	return member
}

// mayServe decides whether a local post's document may be served to this
// request: posts outside members-only groups follow their own visibility
// (the caller checks it); a members-only group's posts, and the group's
// relay copies of them, go only to members' servers (fetchedForMember).
// membersOnly tells the caller to skip its own visibility check.
func (h *Handler) mayServe(c echo.Context, post *models.Post) (allowed, membersOnly bool, err error) {
	groupID, err := access.MembersOnlyGroupOf(c.Request().Context(), h.db, post)
	if err != nil || groupID == 0 {
		return true, false, err
	}
	return h.fetchedForMember(c, groupID), true, nil
}

// activityAccess is mayServe for an activity: one about a post of a
// members-only group (even one sent before the group closed) goes only to
// members' servers; others follow their own public flag (the caller's).
func (h *Handler) activityAccess(c echo.Context, act *models.Activity) (allowed, membersOnly bool, err error) {
	post, err := models.PostByURI(c.Request().Context(), h.db, act.ObjectURI)
	if errors.Is(err, models.ErrNotFound) {
		return true, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return h.mayServe(c, post)
}
