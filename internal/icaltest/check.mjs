// Reads iCalendar files with ical.js, an implementation independent of
// Village's, the way a calendar app imports them: each VTIMEZONE is
// registered, then each VEVENT becomes an ICAL.Event whose times are read
// in its zone. Prints one JSON array of events per file given, for
// web/calendars_icaljs_test.go to check.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const out = [];
for (const file of process.argv.slice(2)) {
  const cal = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  const zones = [];
  for (const vtz of cal.getAllSubcomponents("vtimezone")) {
    const tz = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(tz, tz.tzid);
    zones.push(tz.tzid);
  }
  const events = cal.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    const start = e.startDate;
    const end = e.endDate;
    const attendee = e.attendees[0];
    return {
      uid: e.uid,
      summary: e.summary,
      description: e.description,
      location: e.location,
      status: v.getFirstPropertyValue("status"),
      sequence: e.sequence,
      tzid: start.zone ? start.zone.tzid : "",
      // Wall-clock time in the event's zone, and the instant it names.
      localStart: start.toString(),
      utcStart: start.toJSDate().toISOString(),
      localEnd: end ? end.toString() : "",
      utcEnd: end ? end.toJSDate().toISOString() : "",
      partstat: attendee ? attendee.getParameter("partstat") : "",
    };
  });
  out.push({ name: cal.getFirstPropertyValue("x-wr-calname"), zones, events });
}
process.stdout.write(JSON.stringify(out));
