// The explorer: a point in time (asOf slider and date, knownAt), a route, and one GraphQL
// request per change of either (the previous one is cancelled).

import { ApiError, graphql, schemaFields } from "./api.js";
import { clear, h } from "./dom.js";
import { subscribe } from "./live.js";
import { overviewQuery, renderOverview } from "./overview.js";
import { personView } from "./person.js";
import { recommendationView } from "./recommendation.js";
import { parseRoute, routeHref } from "./routes.js";
import { dayNumber, isIsoDay, isoDay, longDate, today } from "./time.js";
import { focusEvent } from "./events.js";

const view = document.getElementById("view");
const errorBox = document.getElementById("error");
const liveBox = document.getElementById("live");
const slider = document.getElementById("as-of-slider");
const dateInput = document.getElementById("as-of");
const knownInput = document.getElementById("known-at");
const knownNow = document.getElementById("known-now");
const spanText = document.getElementById("span-text");

const state = { fields: null, span: null, route: parseRoute(window.location.hash), inFlight: null, timer: null };
/** How many view requests have completed, for tests and for people wondering what happened. */
let renders = 0;

function point() {
  return { asOf: state.route.asOf, knownAt: state.route.knownAt };
}

function showError(message) {
  errorBox.hidden = !message;
  clear(errorBox, message ? [h("strong", {}, "The ledger answered: "), message] : []);
}

/** Keep the controls in step with the route's point. */
function syncControls() {
  const { asOf, knownAt } = state.route;
  if (isIsoDay(asOf)) slider.value = String(dayNumber(asOf)); // the range clamps it to the span
  slider.setAttribute("aria-valuetext", isIsoDay(asOf) ? longDate(asOf) : String(asOf));
  dateInput.value = isIsoDay(asOf) ? asOf : "";
  knownInput.value = knownAt ? knownAt.replace(/Z$|[+-]00:00$/, "").slice(0, 19) : "";
}

function navigate(changes, { replace = true } = {}) {
  const next = { ...state.route, ...changes };
  const href = routeHref(next.view, next.id, next, { why: next.why });
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  state.route = parseRoute(href);
  syncControls();
  schedule(0);
}

/** Rendering waits a moment while the slider is being dragged; the stale request is cancelled. */
function schedule(delay) {
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, delay);
}

async function refresh() {
  if (state.inFlight) state.inFlight.abort();
  const controller = new AbortController();
  state.inFlight = controller;
  const { view: kind, id, why } = state.route;
  view.setAttribute("aria-busy", "true");
  try {
    let node;
    let opener = null;
    if (kind === "person" && id) {
      ({ node, opener } = await personView(id, point(), state.fields, controller.signal));
    } else if (kind === "recommendation" && id) {
      ({ node, opener } = await recommendationView(id, point(), state.fields, controller.signal));
    } else if (kind === "overview") {
      const data = await graphql(overviewQuery(state.fields), point(), { signal: controller.signal });
      node = renderOverview(data, point());
    } else {
      throw new ApiError(`There is no page “${window.location.hash}”: try the overview.`);
    }
    if (controller.signal.aborted) return;
    showError(null);
    clear(view, node);
    renders += 1;
    view.dataset.renders = String(renders);
    view.dataset.asOf = state.route.asOf;
    performance.mark(`ledger:${kind}-rendered`);
    if (why) (opener ? focusEvent(opener) : document.getElementById("events-title")?.scrollIntoView());
  } catch (error) {
    if (error.name === "AbortError") return;
    showError(error instanceof ApiError ? error.message : `Unexpected error: ${error.message}`);
    clear(view, h("p", {}, "Nothing to show for this point: see the message above."));
  } finally {
    if (state.inFlight === controller) {
      state.inFlight = null;
      view.setAttribute("aria-busy", "false");
    }
  }
}

function onSlider() {
  const asOf = isoDay(Number(slider.value));
  dateInput.value = asOf;
  slider.setAttribute("aria-valuetext", longDate(asOf));
  state.route = { ...state.route, asOf, why: false };
  history.replaceState(null, "", routeHref(state.route.view, state.route.id, state.route));
  schedule(150);
}

function onDate() {
  if (!dateInput.value) return;
  navigate({ asOf: dateInput.value, why: false });
}

function onKnownAt() {
  navigate({ knownAt: knownInput.value ? `${knownInput.value.length === 16 ? `${knownInput.value}:00` : knownInput.value}Z` : null, why: false });
}

async function start() {
  try {
    const [fields, span] = await Promise.all([schemaFields(), graphql("{ span { earliest latest } }")]);
    state.fields = fields;
    state.span = span.span;
  } catch (error) {
    showError(error instanceof ApiError ? error.message : `Unexpected error: ${error.message}`);
    clear(view, h("p", {}, "The explorer could not reach the ledger's API."));
    return;
  }
  const first = state.span.earliest || today();
  const last = state.span.latest || today();
  slider.min = String(dayNumber(first));
  slider.max = String(dayNumber(last));
  spanText.textContent = state.span.earliest
    ? `The slider spans the ledger's events, ${longDate(first)} to ${longDate(last)} (arrow keys: a day; Page Up/Down: more); type any other date in the box.`
    : "The ledger has no dated events yet: type a date in the box.";
  if (!state.route.asOf) state.route = { ...state.route, asOf: state.span.latest || today() };
  syncControls();

  slider.addEventListener("input", onSlider);
  dateInput.addEventListener("change", onDate);
  knownInput.addEventListener("change", onKnownAt);
  knownNow.addEventListener("click", () => navigate({ knownAt: null }));
  window.addEventListener("hashchange", () => {
    state.route = parseRoute(window.location.hash);
    if (!state.route.asOf) state.route.asOf = dateInput.value || today();
    syncControls();
    schedule(0);
    view.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  refresh();

  if (state.fields.subscription.has("eventsAppended")) {
    subscribe(
      (event) => {
        liveBox.textContent = `New event #${event.position} (${event.type}) in ${event.streamId}: page updated.`;
        schedule(300);
      },
      (status) => {
        liveBox.dataset.live = status;
      },
    );
  } else {
    liveBox.dataset.live = "unavailable";
  }
}

start();
