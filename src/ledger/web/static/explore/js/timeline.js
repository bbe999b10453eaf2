// A state's history as coloured periods on a line of days, with the stretches where the change
// may have happened (an event dated only "2019" or "2019-12") hatched rather than pinned to a
// day, and the same periods as a list for keyboards and screen readers.

import { h, s, words } from "./dom.js";
import { dayNumber, isoDay, partial } from "./time.js";

/** Where a partial date's change is drawn: the fold counts an event from its latest day. */
function startDay(date, fallback) {
  if (!date) return fallback;
  const day = date.latest || date.earliest;
  return day ? dayNumber(day) : fallback;
}

/** Days over which a change may have happened: [earliest, latest] when they differ. */
function uncertainStretch(date, domainStart) {
  if (!date || date.earliest === date.latest) return null;
  const from = date.earliest ? dayNumber(date.earliest) : domainStart;
  const to = date.latest ? dayNumber(date.latest) : null;
  return to === null || to <= from ? null : [from, to];
}

function yearTicks(start, end) {
  const first = Number(isoDay(start).slice(0, 4)) + 1;
  const last = Number(isoDay(end).slice(0, 4));
  const step = Math.max(1, Math.ceil((last - first + 1) / 12));
  const ticks = [];
  for (let year = first; year <= last; year += step) {
    ticks.push([year, dayNumber(`${year}-01-01`)]);
  }
  return ticks;
}

let patternCount = 0;

/**
 * periods: [{status, from: PartialDate|null, to: PartialDate|null, openedBy: Event|null}],
 * oldest first; asOf: "YYYY-MM-DD"; palette: "custody" | "implementation".
 */
export function timeline({ periods, asOf, palette, label, eventLink }) {
  const end = dayNumber(asOf) + 1;
  const starts = periods.flatMap((p) => [p.from?.earliest, p.from?.latest]).filter(Boolean);
  const first = starts.length ? Math.min(...starts.map(dayNumber)) : end - 365;
  const start = Math.min(first - 120, end - 365);
  const span = end - start;
  const pct = (day) => `${(((Math.min(Math.max(day, start), end) - start) / span) * 100).toFixed(3)}%`;
  const width = (a, b) => `${(((Math.min(b, end) - Math.max(a, start)) / span) * 100).toFixed(3)}%`;

  const defs = s("defs");
  const bars = [];
  const hatches = [];
  periods.forEach((period, index) => {
    const from = startDay(period.from, start);
    const next = periods[index + 1];
    const to = next ? startDay(next.from, end) : end;
    const text = `${words(period.status)}: ${partial(period.from)} to ${next ? partial(next.from) : asOf}`;
    bars.push(
      s(
        "rect",
        { x: pct(from), y: 8, width: width(from, to), height: 28, class: `fill-${palette}-${period.status}` },
        s("title", {}, text),
      ),
    );
    const stretch = uncertainStretch(period.from, start);
    if (stretch && index > 0) {
      const id = `hatch-${(patternCount += 1)}`;
      defs.append(
        s(
          "pattern",
          { id, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
          s("rect", { width: 3, height: 6, class: `fill-${palette}-${period.status}` }),
        ),
      );
      hatches.push(
        s(
          "rect",
          {
            x: pct(stretch[0]),
            y: 8,
            width: width(stretch[0], stretch[1] + 1),
            height: 28,
            fill: `url(#${id})`,
            class: "uncertain",
          },
          s("title", {}, `the change to ${words(period.status)} happened in ${partial(period.from)}: the source gives no day`),
        ),
      );
    }
  });
  const ticks = yearTicks(start, end).flatMap(([year, day]) => [
    s("line", { x1: pct(day), x2: pct(day), y1: 4, y2: 40, class: "tick" }),
    s("text", { x: pct(day), y: 54, class: "tick-label", "text-anchor": "middle" }, String(year)),
  ]);
  const svg = s(
    "svg",
    { class: "timeline", width: "100%", height: 58, role: "img", "aria-label": label },
    defs,
    bars,
    hatches,
    ticks,
  );

  const list = h(
    "ol",
    { class: "periods" },
    periods.map((period, index) => {
      const next = periods[index + 1];
      const opened = period.openedBy;
      return h(
        "li",
        {},
        h("span", { class: `swatch fill-${palette}-${period.status}`, "aria-hidden": "true" }),
        h("strong", {}, words(period.status)),
        period.from ? ` from ${partial(period.from)}` : " from the start of the record",
        next ? ` to ${partial(next.from)}` : ` (still at ${asOf})`,
        uncertainStretch(period.from, start) ? h("span", { class: "badge uncertain-badge" }, "day unknown") : null,
        opened ? [" — ", eventLink(opened)] : null,
      );
    }),
  );
  return h("figure", { class: "timeline-figure" }, svg, h("figcaption", {}, label), list);
}

/** The legend of a palette's statuses. */
export function legend(palette, statuses) {
  return h(
    "ul",
    { class: "legend", "aria-label": "Colours" },
    statuses.map((status) =>
      h("li", {}, h("span", { class: `swatch fill-${palette}-${status}`, "aria-hidden": "true" }), words(status)),
    ),
    h("li", {}, h("span", { class: "swatch hatched", "aria-hidden": "true" }), "change on an unknown day"),
  );
}
