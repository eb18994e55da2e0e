package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"regexp"
)

// PKCE (RFC 7636), as Mastodon 4.3 takes it: the S256 method only; a
// request without a challenge is still allowed, as Mastodon allows it.

// S256 is the one code challenge method taken.
const S256 = "S256"

// verifierShape is RFC 7636's code_verifier: 43 to 128 unreserved characters.
var verifierShape = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

// CheckChallenge refuses a challenge of another method (plain included)
// or of the wrong shape; no challenge at all is accepted.
func CheckChallenge(challenge, method string) *Error {
	if challenge == "" {
		if method != "" {
			return MissingParameter("code_challenge")
		}
		return nil
	}
	if method != S256 {
		return InvalidRequest("The code_challenge_method must be one of S256.")
	}
	if len(challenge) != 43 { // base64url of a SHA-256, unpadded
		return InvalidRequest("The code_challenge is malformed.")
	}
	return nil
}

// VerifierMatches reports whether an app's code_verifier answers the
// challenge stored with its code; a code without one needs no verifier.
func VerifierMatches(challenge, verifier string) bool {
	if challenge == "" {
		return true
	}
	if !verifierShape.MatchString(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}
