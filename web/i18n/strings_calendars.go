package i18n

// calendarPages are the strings of the meetup calendars: the iCalendar
// feeds, the member's calendar settings, and the links that offer them.
var calendarPages = map[string]string{
	"calendar.member":         "My meetups on %s",
	"calendar.untitled":       "Meetup",
	"calendar.title":          "Calendar",
	"calendar.lead":           "Your meetups (the ones you are going to, may go to or wait for a place at) can appear in the calendar app you already use.",
	"calendar.copy":           "Copy this address into your calendar app:",
	"calendar.webcal":         "Open in your calendar app",
	"calendar.secret":         "This address is secret: anyone who has it sees your meetups, with their addresses. If you shared it by mistake, reset it; the old address stops working.",
	"calendar.reset":          "Reset address",
	"calendar.reset_done":     "Your calendar has a new address. Put it in your calendar app again: the old one no longer works.",
	"calendar.subscribe":      "Subscribe to meetups",
	"calendar.subscribe_link": "Meetup calendar (iCal)",
	"calendar.add":            "Add to calendar",
}
