package web

// Every string the web app shows lives here, keyed, so that translating
// Village means translating this table. English is the only language yet.
var english = map[string]string{
	"app.name":     "Village",
	"app.tagline":  "Local parent groups, on the fediverse",
	"nav.home":     "Home",
	"nav.groups":   "Groups",
	"nav.login":    "Log in",
	"nav.logout":   "Log out",
	"nav.signup":   "Join",
	"nav.skip":     "Skip to content",
	"time.now":     "just now",
	"time.minutes": "%d min ago",
	"time.hours":   "%d h ago",
	"time.days":    "%d d ago",
	"error.title":  "Something went wrong",
	"error.404":    "We could not find that page.",
	"error.500":    "Something broke on our side. Please try again in a moment.",
}

// text returns the string for key, or the key itself when it is missing
// (so that a missing string shows, rather than an empty space).
func text(key string) string {
	if s, ok := english[key]; ok {
		return s
	}
	return key
}
