// The state of the whole record at one point: how the recommendations stand, who is held, and
// under which designations. One GraphQL request per point.

import { h, route, words } from "./dom.js";
import { routeHref } from "./routes.js";
import { longDate, partial } from "./time.js";

export const IMPLEMENTATION = ["NOT_ASSESSED", "NOT_IMPLEMENTED", "PARTIALLY_IMPLEMENTED", "IMPLEMENTED"];
export const CUSTODY = ["UNKNOWN", "FREE", "RESTRICTED", "DETAINED", "IMPRISONED"];
const HELD = new Set(["DETAINED", "IMPRISONED"]);
/** The designation chosen in the held list, and whether everyone is shown: kept while the
 * date moves. */
let chosenLabel = "";
let everyoneOpen = false;

export function overviewQuery(fields) {
  const certainty = fields.person.has("custodyCertainty") ? "custodyCertainty possibleCustodyStatuses" : "";
  const statusCertainty = fields.recommendation.has("statusCertainty") ? "statusCertainty possibleStatuses" : "";
  return `query Overview($asOf: Date, $knownAt: DateTime) {
    implementationSummary(asOf: $asOf, knownAt: $knownAt) { status count }
    custodySummary(asOf: $asOf, knownAt: $knownAt) { status count }
    recommendations(asOf: $asOf, knownAt: $knownAt, first: 100) {
      totalCount
      edges { node { streamId code addressee theme status statusWording ${statusCertainty} } }
    }
    persons(asOf: $asOf, knownAt: $knownAt, first: 100) {
      totalCount
      edges { node {
        streamId name custodyStatus custodySince { text } ${certainty}
        designations { label assessor withdrawn }
      } }
    }
  }`;
}

function bar(palette, statuses, counts, label) {
  const total = statuses.reduce((sum, status) => sum + (counts[status] || 0), 0);
  return h(
    "div",
    { class: "summary" },
    h(
      "div",
      { class: "bar", role: "img", "aria-label": label },
      statuses
        .filter((status) => counts[status])
        .map((status) => {
          const segment = h("span", { class: `fill-${palette}-${status}` });
          segment.style.flexGrow = String(counts[status]);
          return segment;
        }),
    ),
    h(
      "ul",
      { class: "counts" },
      statuses.map((status) =>
        h(
          "li",
          { "data-status": status },
          h("span", { class: `swatch fill-${palette}-${status}`, "aria-hidden": "true" }),
          h("strong", { class: "count" }, String(counts[status] || 0)),
          ` ${words(status)}`,
        ),
      ),
      h("li", { class: "total" }, `of ${total}`),
    ),
  );
}

function countsOf(list) {
  return Object.fromEntries(list.map((item) => [item.status, item.count]));
}

function uncertainNote(possible) {
  return possible && possible.length > 1
    ? h("span", { class: "badge uncertain-badge", title: `could also be ${possible.slice(1).map(words).join(", ")}` }, "uncertain")
    : null;
}

function recommendationsSection(data, point) {
  const recommendations = data.recommendations.edges.map((edge) => edge.node);
  const byAddressee = new Map();
  for (const recommendation of recommendations) {
    if (!byAddressee.has(recommendation.addressee)) byAddressee.set(recommendation.addressee, []);
    byAddressee.get(recommendation.addressee).push(recommendation);
  }
  return h(
    "section",
    { "aria-labelledby": "recommendations-title" },
    h("h2", { id: "recommendations-title" }, "Recommendations"),
    bar("implementation", IMPLEMENTATION, countsOf(data.implementationSummary), "Recommendations by implementation status"),
    data.recommendations.totalCount > recommendations.length
      ? h("p", { class: "hint" }, `Showing the first ${recommendations.length} of ${data.recommendations.totalCount}.`)
      : null,
    [...byAddressee].sort((a, b) => b[1].length - a[1].length).map(([addressee, items]) =>
      h(
        "section",
        { class: "addressee", "data-addressee": addressee },
        h("h3", {}, `Addressed to ${addressee} (${items.length})`),
        IMPLEMENTATION.filter((status) => items.some((r) => r.status === status)).map((status) => {
          const group = items.filter((r) => r.status === status);
          return h(
            "div",
            { class: "status-group", "data-status": status },
            h("h4", {}, h("span", { class: `swatch fill-implementation-${status}`, "aria-hidden": "true" }), `${words(status)} (${group.length})`),
            h(
              "ul",
              { class: "recommendation-list" },
              group.map((r) =>
                h(
                  "li",
                  {},
                  route(routeHref("recommendation", r.streamId, point), {}, r.code),
                  ` ${r.theme}`,
                  r.statusWording ? h("span", { class: "wording" }, ` — “${r.statusWording}”`) : null,
                  uncertainNote(r.possibleStatuses),
                  " ",
                  route(routeHref("recommendation", r.streamId, point, { why: true }), { class: "why", "aria-label": `Why is ${r.code} ${words(r.status)}?` }, "why is this so?"),
                ),
              ),
            ),
          );
        }),
      ),
    ),
  );
}

function personRow(person, point) {
  const designations = person.designations.filter((d) => !d.withdrawn).map((d) => d.label);
  return h(
    "tr",
    { "data-person": person.streamId },
    h("th", { scope: "row" }, route(routeHref("person", person.streamId, point), {}, person.name)),
    h(
      "td",
      {},
      h("span", { class: `swatch fill-custody-${person.custodyStatus}`, "aria-hidden": "true" }),
      words(person.custodyStatus),
      uncertainNote(person.possibleCustodyStatuses),
    ),
    h("td", {}, person.custodySince ? partial(person.custodySince) : "—"),
    h("td", {}, [...new Set(designations)].join("; ") || "—"),
    h(
      "td",
      {},
      route(routeHref("person", person.streamId, point, { why: true }), { class: "why", "aria-label": `Why is ${person.name} ${words(person.custodyStatus)}?` }, "why is this so?"),
    ),
  );
}

function personTable(persons, point, caption) {
  return h(
    "table",
    { class: "persons" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ["Name", "Custody", "Since", "Designations", h("span", { class: "visually-hidden" }, "Events")].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, persons.map((person) => personRow(person, point))),
  );
}

function personsSection(data, point) {
  const persons = data.persons.edges.map((edge) => edge.node);
  const held = persons.filter((p) => HELD.has(p.custodyStatus));
  const labels = new Map();
  for (const person of held) {
    for (const label of new Set(person.designations.filter((d) => !d.withdrawn).map((d) => d.label))) {
      labels.set(label, (labels.get(label) || 0) + 1);
    }
  }
  const heldBody = h("div", { id: "held-list" });
  const select = h(
    "select",
    { id: "designation" },
    h("option", { value: "" }, `any designation (${held.length})`),
    [...labels].sort((a, b) => b[1] - a[1]).map(([label, count]) => h("option", { value: label }, `named ${label} (${count})`)),
  );
  select.value = labels.has(chosenLabel) ? chosenLabel : "";
  const showHeld = () => {
    const label = select.value;
    const shown = label ? held.filter((p) => p.designations.some((d) => !d.withdrawn && d.label === label)) : held;
    heldBody.replaceChildren(
      personTable(shown, point, label ? `Held and named ${label}: ${shown.length}` : `Held: ${shown.length}`),
    );
    heldBody.dataset.count = String(shown.length);
  };
  select.addEventListener("change", () => {
    chosenLabel = select.value;
    showHeld();
  });
  showHeld();
  return h(
    "section",
    { "aria-labelledby": "persons-title" },
    h("h2", { id: "persons-title" }, "Persons"),
    bar("custody", CUSTODY, countsOf(data.custodySummary), "Persons by custody status"),
    h(
      "section",
      { id: "held", "aria-labelledby": "held-title" },
      h("h3", { id: "held-title" }, "Held (detained or imprisoned)"),
      h("p", {}, h("label", { for: "designation" }, "Show those named: "), select),
      heldBody,
    ),
    h(
      "details",
      { open: everyoneOpen, ontoggle: (event) => (everyoneOpen = event.target.open) },
      h("summary", {}, `Everyone in the record (${data.persons.totalCount})`),
      personTable(persons, point, "Every person, by name"),
    ),
  );
}

export function renderOverview(data, point) {
  return h(
    "div",
    { class: "overview" },
    h(
      "h1",
      { id: "view-title" },
      `The record as of ${longDate(point.asOf)}`,
      point.knownAt ? h("span", { class: "known" }, ` as known at ${point.knownAt}`) : null,
    ),
    recommendationsSection(data, point),
    personsSection(data, point),
  );
}
