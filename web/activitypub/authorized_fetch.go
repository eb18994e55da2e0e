package activitypub

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/negotiate"
)

// signerKey is where a verified fetch's signer is kept in the echo context,
// so that what the handler checks later (members-only posts) does not
// verify the signature again.
const signerKey = "activitypub.signer"

// RequireSignedFetch is authorized fetch (Mastodon's secure mode), for
// routes that answer ActivityStreams JSON whatever the request asks
// (collections, activities). With it on, such a GET must carry a valid
// HTTP signature (draft-cavage or RFC 9421) of an actor whose server is
// not suspended here and who is not suspended: unsigned or badly signed
// fetches get 401, blocked ones 403, both with a JSON error. Off, it
// changes nothing.
func (h *Handler) RequireSignedFetch(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !h.authorized {
			return next(c)
		}
		if err := h.checkSignedFetch(c); err != nil {
			return err
		}
		return next(c)
	}
}

// RequireSignedFetchOfJSON is RequireSignedFetch for URLs that serve a page
// to browsers too (actors, posts): only a request for ActivityStreams JSON
// must be signed; pages stay open.
func (h *Handler) RequireSignedFetchOfJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !h.authorized || !negotiate.WantsActivityJSON(c.Request()) {
			return next(c)
		}
		if err := h.checkSignedFetch(c); err != nil {
			return err
		}
		return next(c)
	}
}

// checkSignedFetch verifies the fetch's signature and refuses blocked
// signers. The claimed server is checked before the signature, so that a
// suspended server's fetch costs no verification and no key fetch.
func (h *Handler) checkSignedFetch(c echo.Context) error {
	req := c.Request()
	if !isSigned(req) {
		c.Response().Header().Set("WWW-Authenticate", `Signature realm="`+h.urls.Host()+`",headers="(request-target) host date"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "this server serves ActivityPub documents only to signed requests (authorized fetch)")
	}
	if host := claimedHost(req); host != "" {
		if err := h.refuseSuspendedDomain(c, host); err != nil {
			return err
		}
	}
	if h.auth == nil {
		return echo.NewHTTPError(http.StatusUnauthorized, "signatures cannot be checked here")
	}
	signer, err := h.auth.Authenticate(req.Context(), req, nil)
	if errors.Is(err, federation.ErrUnauthenticated) {
		h.logger.InfoContext(c.Request().Context(), "authorized fetch: refused", "path", req.URL.Path, "reason", err.Error(), "remote", c.RealIP())
		return echo.NewHTTPError(http.StatusUnauthorized, err.Error())
	}
	if err != nil {
		return err
	}
	if !signer.IsLocal() {
		if err := h.refuseSuspendedDomain(c, signer.Domain); err != nil {
			return err
		}
		if err := h.refuseSuspendedAccount(c, signer); err != nil {
			return err
		}
	}
	c.Set(signerKey, signer)
	return nil
}

// isSigned reports whether a request carries an HTTP signature of either
// scheme.
func isSigned(r *http.Request) bool {
	return r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != "" || r.Header.Get("Authorization") != ""
}

// verifiedSigner returns the signer RequireSignedFetch verified, if any.
func verifiedSigner(c echo.Context) *models.Actor {
	a, _ := c.Get(signerKey).(*models.Actor)
	return a
}
