// Reads an .ics on stdin and prints its event's first N dates (argv[2], default 20) as JSON:
// [{"start": "...Z", "end": "...Z", "recurrenceId": "...Z"}, ...], sorted by start.
// The file's own VTIMEZONEs are registered, so they alone decide what its local times mean.
import ICAL from "ical.js";

const count = Number(process.argv[2] ?? 20);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const root = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

ICAL.TimezoneService.reset();
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}

const events = root.getAllSubcomponents("vevent");
const master = events.find((e) => !e.hasProperty("recurrence-id"));
const event = new ICAL.Event(master);
for (const other of events) {
  if (other !== master) event.relateException(other);
}

const utc = (time) => time.toJSDate().toISOString();
const dates = [];
const iterator = event.iterator();
for (let next = iterator.next(); next && dates.length < count; next = iterator.next()) {
  const details = event.getOccurrenceDetails(next);
  dates.push({
    start: utc(details.startDate),
    end: utc(details.endDate),
    recurrenceId: utc(details.recurrenceId),
  });
}
dates.sort((a, b) => a.start.localeCompare(b.start));
process.stdout.write(JSON.stringify(dates) + "\n");
