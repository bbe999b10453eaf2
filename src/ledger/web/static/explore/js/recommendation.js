// One recommendation at one point: its text, how its status moved, and the assessments (with
// their sources) the status is folded from.

import { h, route, words } from "./dom.js";
import { EVENT_FIELDS, eventButton, eventList, focusEvent, sourceList } from "./events.js";
import { IMPLEMENTATION } from "./overview.js";
import { streamView } from "./probe.js";
import { routeHref } from "./routes.js";
import { longDate, partial } from "./time.js";
import { legend, timeline } from "./timeline.js";

function recommendationQuery(fields) {
  const has = (name) => fields.recommendation.has(name);
  return `query Recommendation($id: ID!, $asOf: Date, $knownAt: DateTime) {
    recommendation(id: $id, asOf: $asOf, knownAt: $knownAt) {
      streamId code text instrument issuedOn { text } addressee theme status statusWording
      ${has("statusCertainty") ? "statusCertainty possibleStatuses" : ""}
      ${has("statusTimeline") ? "statusTimeline { status from { text earliest latest } to { text earliest latest } openedBy { position type occurredOn { text earliest latest } } }" : ""}
      assessments {
        status wording assessedOn { text } assessor rationale
        sources { title url publisher published { text } }
        event { position type }
      }
      persons { streamId name custodyStatus }
      events(first: 100) { totalCount edges { node { ${EVENT_FIELDS(fields)} } } }
    }
  }`;
}

export async function recommendationView(id, point, fields, signal) {
  const { item: recommendation, events, periods, derived, opener } = await streamView({
    root: "recommendation",
    label: "recommendation",
    field: "status",
    timelineField: "statusTimeline",
    query: recommendationQuery(fields),
    id,
    point,
    signal,
  });
  return { node: render(recommendation, events, periods, derived, opener, point), opener };
}

function render(r, events, periods, derived, opener, point) {
  const uncertain = r.possibleStatuses && r.possibleStatuses.length > 1;
  return h(
    "article",
    { class: "recommendation" },
    h("h1", { id: "view-title" }, `${r.code}: ${r.theme}`),
    h("blockquote", { class: "text" }, r.text),
    h("p", { class: "meta" }, `${r.instrument}, ${partial(r.issuedOn)} · addressed to ${r.addressee}`),
    h(
      "p",
      { class: "state", id: "status-state" },
      `Status as of ${longDate(point.asOf)}: `,
      h("span", { class: `swatch fill-implementation-${r.status}`, "aria-hidden": "true" }),
      h("strong", { "data-status": r.status }, words(r.status)),
      r.statusWording ? ` — “${r.statusWording}”` : null,
      uncertain ? h("span", { class: "badge uncertain-badge" }, `uncertain: possibly ${r.possibleStatuses.map(words).join(" or ")}`) : null,
      " ",
      h("button", { type: "button", class: "link why", onclick: () => (opener ? focusEvent(opener) : document.getElementById("events-title").scrollIntoView()) }, "Why is this so?"),
    ),
    h(
      "section",
      { "aria-labelledby": "status-title" },
      h("h2", { id: "status-title" }, "Status over time"),
      legend("implementation", IMPLEMENTATION),
      timeline({
        periods,
        asOf: point.asOf,
        palette: "implementation",
        label: `${r.code}: implementation status up to ${longDate(point.asOf)}`,
        eventLink: (event) => eventButton(event),
      }),
      derived ? h("p", { class: "hint" }, "Periods found by asking the API for the status on each day an event takes effect.") : null,
    ),
    h(
      "section",
      { class: "facts" },
      h("h2", {}, `Assessments (${r.assessments.length})`),
      r.assessments.length === 0 ? h("p", {}, "None counts at this point.") : null,
      h(
        "ol",
        {},
        r.assessments.map((a) =>
          h(
            "li",
            {},
            h("span", { class: `swatch fill-implementation-${a.status}`, "aria-hidden": "true" }),
            h("strong", {}, words(a.status)),
            ` — “${a.wording}”, ${a.assessor}, ${partial(a.assessedOn)}`,
            a.rationale ? h("p", {}, a.rationale) : null,
            h("div", { class: "fact-origin" }, "From ", eventButton(a.event), sourceList(a.sources)),
          ),
        ),
      ),
    ),
    r.persons.length
      ? h(
          "section",
          { class: "facts" },
          h("h2", {}, `Persons it names (${r.persons.length})`),
          h("ul", {}, r.persons.map((p) => h("li", {}, route(routeHref("person", p.streamId, point), {}, p.name), `: ${words(p.custodyStatus)}`))),
        )
      : null,
    h(
      "section",
      { "aria-labelledby": "events-title", id: "events" },
      h("h2", { id: "events-title" }, `Why is this so? The ${r.events.totalCount} events this state is folded from, in fold order`),
      eventList(events, { opener }),
    ),
  );
}
