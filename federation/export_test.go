package federation

import "time"

// SetAuthenticatorClock moves an authenticator's clock, for tests of
// RefetchInterval.
func SetAuthenticatorClock(a *Authenticator, now func() time.Time) { a.now = now }

// Verifications is how many signature checks an authenticator has made.
func Verifications(a *Authenticator) int64 { return a.verified.Load() }
