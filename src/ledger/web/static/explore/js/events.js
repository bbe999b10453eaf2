// Events as the ledger stored them: type, dates, data, sources, note, retraction; every value
// rendered as text.

import { externalLink, h, httpUrl } from "./dom.js";
import { partial } from "./time.js";

export const EVENT_FIELDS = (fields) => `
  eventId position version type
  occurredOn { text earliest latest }
  recordedAt recordedBy data restricted
  sources { title url publisher published { text } }
  retractedBy { position recordedAt }
  ${fields.event.has("note") ? "note" : ""}
  ${fields.event.has("disputes") ? "disputes { position } disputedBy { position }" : ""}
`;

/** "PersonReleased" -> "Person released" */
export function typeWords(type) {
  const spaced = String(type).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function value(data) {
  if (data === null || data === undefined) return "—";
  if (Array.isArray(data)) return data.map((item) => (typeof item === "object" ? JSON.stringify(item) : String(item))).join("; ");
  if (typeof data === "object") return JSON.stringify(data);
  return String(data);
}

export function sourceList(sources) {
  if (!sources || sources.length === 0) return null;
  return h(
    "ul",
    { class: "sources", "aria-label": "Sources" },
    sources.map((source) =>
      h(
        "li",
        {},
        externalLink(source.url, source.title),
        source.publisher ? ` — ${source.publisher}` : null,
        source.published ? ` (${partial(source.published)})` : null,
        source.url && httpUrl(source.url) === null ? h("span", { class: "hint" }, ` [not a web link: ${source.url}]`) : null,
      ),
    ),
  );
}

/** A button that brings an event of this page into view (the address bar holds the route). */
export function eventButton(event, label) {
  return h(
    "button",
    {
      type: "button",
      class: "link",
      onclick: () => focusEvent(event.position),
    },
    label || `event #${event.position} (${typeWords(event.type)})`,
  );
}

export function focusEvent(position) {
  const target = document.getElementById(`event-${position}`);
  if (!target) return;
  for (const other of document.querySelectorAll(".event.focused")) other.classList.remove("focused");
  target.classList.add("focused");
  target.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
}

export function eventList(events, { opener } = {}) {
  return h(
    "ol",
    { class: "events" },
    events.map((event) =>
      h(
        "li",
        {
          id: `event-${event.position}`,
          class: `event${event.retractedBy ? " retracted" : ""}${opener === event.position ? " opener" : ""}`,
          tabindex: "-1",
        },
        h(
          "p",
          { class: "event-head" },
          h("strong", {}, typeWords(event.type)),
          " · ",
          event.occurredOn ? `occurred ${partial(event.occurredOn)}` : "undated (counts at every date)",
          opener === event.position ? h("span", { class: "badge" }, "opened the current state") : null,
        ),
        event.restricted && Object.keys(event.data || {}).length === 0
          ? h("p", { class: "hint" }, "Restricted: its content is withheld.")
          : h(
              "dl",
              { class: "data" },
              Object.entries(event.data || {}).map(([key, item]) => [h("dt", {}, key), h("dd", {}, value(item))]),
            ),
        event.note ? h("p", { class: "note" }, h("strong", {}, "Recorder's note: "), event.note) : null,
        event.disputes && event.disputes.length
          ? h("p", { class: "note" }, "Disputes ", event.disputes.map((d) => eventButton(d, `event #${d.position}`)))
          : null,
        event.disputedBy && event.disputedBy.length
          ? h("p", { class: "note" }, "Disputed by ", event.disputedBy.map((d) => eventButton(d, `event #${d.position}`)))
          : null,
        event.retractedBy ? h("p", { class: "note" }, `Retracted by event #${event.retractedBy.position}.`) : null,
        sourceList(event.sources),
        h(
          "p",
          { class: "meta" },
          `#${event.position} · version ${event.version} · recorded ${event.recordedAt} by ${event.recordedBy}`,
        ),
      ),
    ),
  );
}
