// A live subscription with the graphql-ws client, as a browser app would open it: the token in
// connection_init, an append through the appendEvents mutation over HTTP, the event received.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createClient } from "graphql-ws";
import WebSocket from "ws";

import { EDITOR_TOKEN, LEDGER_URL, post } from "./helpers.js";

const SUBSCRIPTION = `subscription ($streamId: String, $after: Int) {
  eventsAppended(streamId: $streamId, after: $after) { id position streamId type data }
}`;
const APPEND = `mutation ($input: AppendEventsInput!) {
  appendEvents(input: $input) { events { position } errors { code message } }
}`;

test("graphql-ws receives an event appended through the mutation", async () => {
  const streamId = `person-js-client-${Date.now()}`;
  const client = createClient({
    url: `${LEDGER_URL.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${EDITOR_TOKEN}` },
    retryAttempts: 0,
  });
  // resume after the current head, so the append below cannot slip in before the subscription
  const head = (await post("{ head { position } }")).data.head.position;
  const subscription = client.iterate({ query: SUBSCRIPTION, variables: { streamId, after: head } });
  const first = subscription.next();
  const appended = await post(
    APPEND,
    {
      input: {
        streamId,
        events: [{ type: "PersonProfiled", data: { name: "Live Client" }, sources: [{ title: "test" }] }],
      },
    },
    { Authorization: `Bearer ${EDITOR_TOKEN}` },
  );
  assert.deepEqual(appended.data.appendEvents.errors, []);
  const received = await Promise.race([
    first,
    new Promise((_, reject) => setTimeout(() => reject(new Error("no event within 10 s")), 10_000)),
  ]);
  const event = received.value.data.eventsAppended;
  assert.equal(event.streamId, streamId);
  assert.equal(event.type, "PersonProfiled");
  assert.equal(event.position, appended.data.appendEvents.events[0].position);
  assert.equal(event.data.name, "Live Client");
  await subscription.return();
  await client.dispose();
});
