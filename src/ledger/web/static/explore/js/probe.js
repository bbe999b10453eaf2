// A state's periods when the server has no timeline field: the API is asked for the state on
// each day an event of the stream takes effect (its latest day), a few days per request, and
// the periods are where the answer changes. No fold is repeated here: every state is the
// server's.

import { ApiError, graphql } from "./api.js";
import { dayNumber, isoDay } from "./time.js";

const PER_REQUEST = 25; // under the API's alias limit

export async function probedTimeline({ root, field, id, events, point, signal }) {
  const days = [...new Set(events.filter((e) => e.occurredOn?.latest).map((e) => dayNumber(e.occurredOn.latest)))]
    .filter((day) => day <= dayNumber(point.asOf))
    .sort((a, b) => a - b);
  const probes = days.length ? [days[0] - 1, ...days] : [dayNumber(point.asOf)];
  const states = [];
  for (let i = 0; i < probes.length; i += PER_REQUEST) {
    const chunk = probes.slice(i, i + PER_REQUEST);
    const selections = chunk
      .map((day, j) => `p${j}: ${root}(id: $id, asOf: "${isoDay(day)}", knownAt: $knownAt) { ${field} }`)
      .join("\n");
    const data = await graphql(`query Probe($id: ID!, $knownAt: DateTime) { ${selections} }`, { id, knownAt: point.knownAt }, { signal });
    chunk.forEach((_, j) => states.push(data[`p${j}`] ? data[`p${j}`][field] : null));
  }
  const periods = [];
  probes.forEach((day, index) => {
    const status = states[index];
    if (status === null || (periods.length && periods[periods.length - 1].status === status)) return;
    const openers = events.filter((e) => e.occurredOn?.latest && dayNumber(e.occurredOn.latest) === day);
    const opener = index === 0 ? null : openers[openers.length - 1] || null;
    periods.push({ status, from: opener ? opener.occurredOn : null, openedBy: opener });
  });
  return periods;
}

// One stream's page, as the person and recommendation views both load it: the object at the
// point, its events, its periods (the server's timeline, or probed where the server has none)
// and the event that opened the current period.
export async function streamView({ root, label, field, timelineField, query, id, point, signal }) {
  const data = await graphql(query, { id, asOf: point.asOf, knownAt: point.knownAt }, { signal });
  const item = data[root];
  if (!item) throw new ApiError(`The ledger has no ${label} with the id “${id}” at this point (as of ${point.asOf}${point.knownAt ? `, known at ${point.knownAt}` : ""}).`);
  const events = item.events.edges.map((edge) => edge.node);
  const derived = !item[timelineField];
  const periods = derived
    ? await probedTimeline({ root, field, id: item.streamId, events, point, signal })
    : item[timelineField];
  const current = periods[periods.length - 1];
  const opener = current && current.openedBy ? current.openedBy.position : null;
  return { item, events, periods, derived, opener };
}
