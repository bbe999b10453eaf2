// Routes live in the address bar's fragment: #/, #/person/ID, #/recommendation/ID, each with the
// point in time as ?asOf=…&knownAt=…, so that any view can be bookmarked and shared.

export function parseRoute(hash) {
  const [path, query = ""] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  return {
    view: parts[0] || "overview",
    id: parts[1] || null,
    asOf: params.get("asOf"),
    knownAt: params.get("knownAt"),
    why: params.has("why"),
  };
}

export function routeHref(view, id, point, { why = false } = {}) {
  const path = view === "overview" ? "#/" : `#/${view}/${encodeURIComponent(id)}`;
  const params = new URLSearchParams();
  if (point.asOf) params.set("asOf", point.asOf);
  if (point.knownAt) params.set("knownAt", point.knownAt);
  if (why) params.set("why", "");
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
