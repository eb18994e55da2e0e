// Package push sends Web Push messages (RFC 8030) to the devices that
// subscribed: Mastodon apps through /api/v1/push/subscription, browsers
// through the web app's opt-in. Payloads are encrypted as RFC 8291
// (aes128gcm) and signed with the instance's VAPID key (RFC 8292) by
// github.com/SherClockHolmes/webpush-go; sending is a River job that a
// trigger on notifications queues (models/migrations/030_web_push.sql).
package push

import (
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"strings"

	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
)

// Alerts are the notification types a subscription may ask for, as
// Mastodon names them; Village's own types with a Mastodon one are pushed
// as it (a meetup's change as "update").
var Alerts = []string{"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
	"admin.sign_up", "admin.report"}

// maxEndpoint bounds an endpoint's length; push services' are far shorter.
const maxEndpoint = 2048

// Reasons a subscription is refused, for the 422's message.
var (
	ErrBadEndpoint = errors.New("bad endpoint")
	ErrBadKeys     = errors.New("bad keys")
)

// CheckEndpoint refuses an endpoint that is not an absolute https URL of a
// server that outgoing requests may reach: the address guard decides, as
// for federation. Plain http is let through only to an address the
// operator's allow-list opens (VILLAGE_ALLOW_PRIVATE: tests' loopback push
// service). A host name is checked again at each connection, on the
// address it resolves to.
func CheckEndpoint(guard *fetch.Guard, raw string) error {
	if raw == "" || len(raw) > maxEndpoint {
		return ErrBadEndpoint
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" {
		return ErrBadEndpoint
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ErrBadEndpoint
	}
	addr, literal := netip.ParseAddr(host)
	switch u.Scheme {
	case "https":
		if literal == nil && !guard.Allowed(addr) {
			return ErrBadEndpoint
		}
		return nil
	case "http":
		// Only where the operator opened a private range, and only to it.
		if literal == nil && guard.Allowed(addr) && !fetch.NewGuard(nil).Allowed(addr) {
			return nil
		}
	}
	return ErrBadEndpoint
}

// CheckKeys refuses keys that cannot encrypt a message: p256dh must be an
// uncompressed P-256 point, auth a 16-byte secret, both base64url (padded
// or not, as browsers and apps send them).
func CheckKeys(p256dh, auth string) error {
	pub, err := decodeKey(p256dh)
	if err != nil {
		return ErrBadKeys
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return ErrBadKeys
	}
	secret, err := decodeKey(auth)
	if err != nil || len(secret) != 16 {
		return ErrBadKeys
	}
	return nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// ParsePolicy checks a policy; empty is "all".
func ParsePolicy(s string) (string, bool) {
	switch s {
	case "":
		return models.PushPolicyAll, true
	case models.PushPolicyAll, models.PushPolicyFollowed, models.PushPolicyFollower, models.PushPolicyNone:
		return s, true
	}
	return "", false
}
