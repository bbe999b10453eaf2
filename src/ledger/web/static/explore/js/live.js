// Live updates: the ledger's eventsAppended subscription (graphql-transport-ws on /graphql,
// through the vendored graphql-ws client). Each new event calls onEvent once.

export function subscribe(onEvent, onState) {
  const { createClient } = globalThis.graphqlWs || {};
  if (!createClient) return null;
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let last = null;
  const client = createClient({
    url: url.toString(),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connected: () => onState("connected"),
      closed: () => onState("reconnecting"),
    },
  });
  const start = () =>
    client.subscribe(
      {
        query: "subscription Live($after: Int) { eventsAppended(after: $after) { position streamId type } }",
        variables: { after: last },
      },
      {
        next: ({ data }) => {
          if (!data || !data.eventsAppended) return;
          last = data.eventsAppended.position;
          onEvent(data.eventsAppended);
        },
        error: () => onState("unavailable"),
        complete: () => {},
      },
    );
  start();
  return client;
}
