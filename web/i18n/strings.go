// Package i18n holds every string a person reads in Village (the web app's
// pages, feeds, and the reasons the client API gives), keyed, so that
// translating Village means translating this one table. English is the only
// language yet.
package i18n

import (
	"fmt"
	"math"
	"time"
)

// english is the table; it is never written after start.
var english = joinTables(basics, publicPages, accountPages, staffPages, memberPages, safetyPages, appPages, calendarPages,
	meetups, pollPages, rsvp, meetupForm, helpPages, tagPages, searchPage,
	pushStrings)

// basics are the strings every page has: the name, the navigation, times
// and errors.
var basics = map[string]string{
	"app.name":          "Village",
	"app.tagline":       "Local parent groups, on the fediverse",
	"nav.home":          "Home",
	"nav.admin":         "Admin",
	"nav.notifications": "Notifications",
	"nav.messages":      "Messages",
	"nav.bookmarks":     "Bookmarks",
	"home.contact":      "Contact:",
	"nav.groups":        "Groups",
	"nav.login":         "Log in",
	"nav.logout":        "Log out",
	"nav.signup":        "Sign up",
	"nav.skip":          "Skip to content",
	"time.now":          "just now",
	"time.minutes":      "%d min ago",
	"time.hours":        "%d h ago",
	"time.days":         "%d d ago",
	"error.title":       "Something went wrong",
	"error.404":         "We could not find that page.",
	"error.500":         "Something broke on our side. Please try again in a moment.",
}

// joinTables makes one table of several; a key in two of them is a bug
// that TestEveryStringHasOneKey catches.
func joinTables(tables ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, t := range tables {
		for k, v := range t {
			out[k] = v
		}
	}
	return out
}

// Text returns the string for key, or the key itself when it is missing
// (so that a missing string shows, rather than an empty space).
func Text(key string) string {
	if s, ok := english[key]; ok {
		return s
	}
	return key
}

// Format is Text(key) with its verbs filled in.
func Format(key string, args ...any) string {
	return fmt.Sprintf(Text(key), args...)
}

// Wait says how long to wait, in minutes rounded up: key's "_one" form
// for a minute or less, else key with the count.
func Wait(key string, wait time.Duration) string {
	minutes := int(math.Ceil(wait.Minutes()))
	if minutes <= 1 {
		return Text(key + "_one")
	}
	return fmt.Sprintf(Text(key), minutes)
}
