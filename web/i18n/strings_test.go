package i18n

import "testing"

// The table is joined from one part per area of the app; a key written in
// two parts would silently lose one of its texts.
func TestEveryStringHasOneKey(t *testing.T) {
	parts := map[string]map[string]string{"basics": basics, "publicPages": publicPages, "accountPages": accountPages,
		"staffPages": staffPages, "memberPages": memberPages, "safetyPages": safetyPages, "appPages": appPages,
		"calendarPages": calendarPages, "meetups": meetups, "pollPages": pollPages, "rsvp": rsvp, "meetupForm": meetupForm, "helpPages": helpPages, "tagPages": tagPages, "searchPage": searchPage,
		"pushStrings": pushStrings}
	owner := map[string]string{}
	total := 0
	for name, part := range parts {
		total += len(part)
		for key := range part {
			if other, ok := owner[key]; ok {
				t.Errorf("%q is in %s and in %s", key, other, name)
			}
			owner[key] = name
		}
	}
	if len(english) != total {
		t.Errorf("the table has %d strings, its parts %d", len(english), total)
	}
}
