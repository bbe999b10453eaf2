// One person at one point: custody over time, sentences, UN decisions, designations, and the
// events it is all folded from, each fact with its sources.

import { h, route, words } from "./dom.js";
import { EVENT_FIELDS, eventButton, eventList, focusEvent, sourceList } from "./events.js";
import { CUSTODY } from "./overview.js";
import { streamView } from "./probe.js";
import { routeHref } from "./routes.js";
import { longDate, partial } from "./time.js";
import { legend, timeline } from "./timeline.js";

const PERIOD = "status from { text earliest latest } to { text earliest latest } openedBy { position type occurredOn { text earliest latest } }";

function personQuery(fields) {
  const has = (name) => fields.person.has(name);
  return `query Person($id: ID!, $asOf: Date, $knownAt: DateTime) {
    person(id: $id, asOf: $asOf, knownAt: $knownAt) {
      streamId name aliases roles custodyStatus custodySince { text earliest latest }
      ${has("custodyCertainty") ? "custodyCertainty possibleCustodyStatuses" : ""}
      ${has("custodyTimeline") ? `custodyTimeline { ${PERIOD} }` : ""}
      charges { article code description chargedOn { text } }
      sentences { kind termMonths articles court imposedOn { text } }
      unDecisions { body reference adoptedOn { text } demands }
      designations { label assessor withdrawn designatedOn { text } sources { title url publisher published { text } } }
      ${has("restrictions") ? "restrictions { kind description imposedOn { text } active }" : ""}
      recommendations { streamId code status statusWording }
      events(first: 100) { totalCount edges { node { ${EVENT_FIELDS(fields)} } } }
    }
  }`;
}

/** The events a fact comes from, found by its content (the API links facts to streams only). */
function factFrom(events, predicate) {
  const found = events.filter((event) => predicate(event.data || {}, event));
  if (!found.length) return null;
  const sources = new Map();
  for (const event of found) for (const source of event.sources) sources.set(`${source.title}|${source.url}`, source);
  return h("div", { class: "fact-origin" }, "From ", found.map((e) => eventButton(e)), sourceList([...sources.values()]));
}

function factSection(title, items, render) {
  if (!items || items.length === 0) return null;
  return h("section", { class: "facts" }, h("h2", {}, title), h("ul", {}, items.map((item) => h("li", {}, render(item)))));
}

export async function personView(id, point, fields, signal) {
  const { item: person, events, periods, derived, opener } = await streamView({
    root: "person",
    label: "person",
    field: "custodyStatus",
    timelineField: "custodyTimeline",
    query: personQuery(fields),
    id,
    point,
    signal,
  });
  return { node: renderPerson(person, events, periods, derived, opener, point), opener };
}

function renderPerson(person, events, periods, derived, opener, point) {
  const uncertain = person.possibleCustodyStatuses && person.possibleCustodyStatuses.length > 1;
  return h(
    "article",
    { class: "person" },
    h("h1", { id: "view-title" }, person.name),
    person.aliases.length ? h("p", { class: "aliases" }, "Also written: ", person.aliases.join(", ")) : null,
    person.roles.length ? h("p", { class: "roles" }, person.roles.join(" · ")) : null,
    h(
      "p",
      { class: "state", id: "custody-state" },
      `Custody as of ${longDate(point.asOf)}: `,
      h("span", { class: `swatch fill-custody-${person.custodyStatus}`, "aria-hidden": "true" }),
      h("strong", { "data-status": person.custodyStatus }, words(person.custodyStatus)),
      person.custodySince ? ` since ${partial(person.custodySince)}` : null,
      uncertain
        ? h("span", { class: "badge uncertain-badge" }, `uncertain: possibly ${person.possibleCustodyStatuses.map(words).join(" or ")}`)
        : null,
      " ",
      h("button", { type: "button", class: "link why", onclick: () => (opener ? focusEvent(opener) : document.getElementById("events-title").scrollIntoView()) }, "Why is this so?"),
    ),
    h(
      "section",
      { "aria-labelledby": "custody-title" },
      h("h2", { id: "custody-title" }, "Custody over time"),
      legend("custody", CUSTODY),
      timeline({
        periods,
        asOf: point.asOf,
        palette: "custody",
        label: `${person.name}: custody up to ${longDate(point.asOf)}`,
        eventLink: (event) => eventButton(event),
      }),
      derived ? h("p", { class: "hint" }, "Periods found by asking the API for the custody status on each day an event takes effect.") : null,
    ),
    factSection("Sentences", person.sentences, (s) => [
      h("strong", {}, words(s.kind)),
      s.termMonths ? `, ${s.termMonths} months` : null,
      s.articles.length ? ` under article ${s.articles.join(", ")}` : null,
      s.court ? ` — ${s.court}` : null,
      ` (${partial(s.imposedOn)})`,
      factFrom(events, (d, e) => e.type === "PersonSentenced" && d.kind === s.kind && e.occurredOn?.text === s.imposedOn?.text),
    ]),
    factSection("UN decisions", person.unDecisions, (u) => [
      h("strong", {}, u.body),
      ` ${u.reference} (${partial(u.adoptedOn)})`,
      u.demands.length ? h("p", {}, "Demands: ", u.demands.join("; ")) : null,
      factFrom(events, (d) => d.reference === u.reference),
    ]),
    factSection("Charges", person.charges, (c) => [
      h("strong", {}, `Article ${c.article}`),
      ` of the ${c.code}`,
      c.description ? ` — ${c.description}` : null,
      c.chargedOn ? ` (${partial(c.chargedOn)})` : null,
      factFrom(events, (d) => d.article === c.article || (Array.isArray(d.articles) && d.articles.includes(c.article))),
    ]),
    factSection("Designations", person.designations, (d) => [
      h("strong", {}, d.label),
      ` by ${d.assessor}`,
      d.designatedOn ? ` (${partial(d.designatedOn)})` : null,
      d.withdrawn ? h("span", { class: "badge" }, "withdrawn") : null,
      factFrom(events, (data) => data.label === d.label && data.assessor === d.assessor) || sourceList(d.sources),
    ]),
    factSection("Restrictions", person.restrictions, (r) => [
      h("strong", {}, words(r.kind)),
      r.description ? ` — ${r.description}` : null,
      r.imposedOn ? ` (${partial(r.imposedOn)})` : null,
      r.active ? h("span", { class: "badge" }, "active") : h("span", { class: "badge" }, "ended"),
    ]),
    factSection("Recommendations naming this person", person.recommendations, (r) => [
      route(routeHref("recommendation", r.streamId, point), {}, r.code),
      `: ${words(r.status)}`,
      r.statusWording ? ` — “${r.statusWording}”` : null,
    ]),
    h(
      "section",
      { "aria-labelledby": "events-title", id: "events" },
      h("h2", { id: "events-title" }, `Why is this so? The ${person.events.totalCount} events this state is folded from, in fold order`),
      person.events.totalCount > events.length ? h("p", { class: "hint" }, `Showing the first ${events.length}.`) : null,
      eventList(events, { opener }),
    ),
  );
}
