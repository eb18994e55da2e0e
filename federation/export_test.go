package federation

import "time"

// SetAuthenticatorClock moves an authenticator's clock, for tests of
// RefetchInterval.
func SetAuthenticatorClock(a *Authenticator, now func() time.Time) { a.now = now }
