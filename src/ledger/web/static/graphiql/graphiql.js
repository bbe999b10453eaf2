// GraphiQL for the Ledger, served by the app itself (no CDN). The query and variables are kept
// in the address bar so that a query can be shared; headers never are, and are not kept in
// localStorage either (GraphiQL 3 writes them into its query history even when told not to
// persist headers, hence the storage below): a bearer token typed into the headers pane lives
// only in this tab.
"use strict";

const DEFAULT_QUERY = `# The report's summary at its date (17 February 2020): press the run button (Ctrl-Enter).
# Recording needs an editor token: headers pane below, {"Authorization": "Bearer TOKEN"}.
{
  implementationSummary(asOf: "2020-02-17", addressee: "Kazakhstan") { status count }
  custodySummary(asOf: "2020-02-17") { status count }
  recommendations(asOf: "2020-02-17", addressee: "Kazakhstan", status: [PARTIALLY_IMPLEMENTED]) {
    totalCount
    edges { node { code theme status statusWording } }
  }
}
`;

const search = new URLSearchParams(window.location.search);
const endpoint = new URL("/graphql", window.location.href);
const subscriptionUrl = new URL(endpoint);
subscriptionUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

// HTTP requests carry the headers pane's headers; the websocket carries them in connection_init.
const fetcher = GraphiQL.createFetcher({
  url: endpoint.toString(),
  subscriptionUrl: subscriptionUrl.toString(),
});

/** Remove every "headers" value from what GraphiQL stores (tabs, history, favourites). */
function withoutHeaders(value) {
  if (Array.isArray(value)) return value.map(withoutHeaders);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, key === "headers" ? null : withoutHeaders(item)]),
  );
}

const headerlessStorage = {
  getItem: (key) => window.localStorage.getItem(key),
  setItem(key, value) {
    let kept = value;
    try {
      kept = JSON.stringify(withoutHeaders(JSON.parse(value)));
    } catch {
      // not JSON (a query's text): nothing to remove
    }
    if (/headers$/i.test(key)) return;
    window.localStorage.setItem(key, kept);
  },
  removeItem: (key) => window.localStorage.removeItem(key),
  clear: () => window.localStorage.clear(),
  key: (index) => window.localStorage.key(index),
  get length() {
    return window.localStorage.length;
  },
};

function keepInAddressBar(key, value) {
  const params = new URLSearchParams(window.location.search);
  if (value) params.set(key, value);
  else params.delete(key);
  history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

function LedgerGraphiQL() {
  return React.createElement(GraphiQL, {
    fetcher,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultQuery: DEFAULT_QUERY,
    query: search.get("query") || undefined,
    variables: search.get("variables") || undefined,
    onEditQuery: (query) => keepInAddressBar("query", query),
    onEditVariables: (variables) => keepInAddressBar("variables", variables),
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    storage: headerlessStorage,
    inputValueDeprecation: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(LedgerGraphiQL),
);
