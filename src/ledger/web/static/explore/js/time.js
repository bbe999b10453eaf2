// Calendar days as integers (days since 1970-01-01, UTC), so that the slider is a plain range.

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function dayNumber(isoDate) {
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
}

export function isoDay(number) {
  return new Date(number * DAY_MS).toISOString().slice(0, 10);
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}

export function isIsoDay(text) {
  return ISO_DAY.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

const LONG = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** "2020-02-17" -> "17 February 2020" (anything else is shown as given). */
export function longDate(isoDate) {
  return isIsoDay(isoDate) ? LONG.format(new Date(`${isoDate}T00:00:00Z`)) : String(isoDate);
}

/** A partial date as its source gave it: "2019", "2019-12", "2019-12-27". */
export function partial(date) {
  return date ? date.text : "undated";
}
