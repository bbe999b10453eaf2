// The README's "what changed between two dates" example through the two normalising caches
// front-ends use: each keeps both states, because the server gives the person at each point an
// id of its own (before this, both caches merged them and showed one state for both dates).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import relay from "relay-runtime";

import { LEDGER_URL, artifacts, post, readmeTwoDates } from "./helpers.js";

const { Environment, Network, RecordSource, Store, createOperationDescriptor, fetchQuery } = relay;

function relayEnvironment() {
  return new Environment({
    network: Network.create((params, variables) => post(params.text, variables)),
    store: new Store(new RecordSource()),
  });
}

/** console.error/warn calls made while ``action`` runs (Relay warns about conflicting ids). */
async function warningsDuring(action) {
  const seen = [];
  const saved = { error: console.error, warn: console.warn };
  console.error = (...args) => seen.push(args.join(" "));
  console.warn = (...args) => seen.push(args.join(" "));
  try {
    await action();
  } finally {
    Object.assign(console, saved);
  }
  return seen;
}

test("relay-runtime's store keeps the person before and after the release side by side", async () => {
  const query = await readmeTwoDates();
  const environment = relayEnvironment();
  const operation = createOperationDescriptor(query, {});
  const warnings = await warningsDuring(() => fetchQuery(environment, query, {}).toPromise());
  assert.deepEqual(warnings.filter((w) => /conflicting|two instances/i.test(w)), []);

  const { data } = environment.lookup(operation.fragment);
  assert.equal(data.before.custodyStatus, "IMPRISONED");
  assert.equal(data.after.custodyStatus, "RESTRICTED");
  assert.notEqual(data.before.id, data.after.id);
  assert.equal(data.before.streamId, data.after.streamId);

  const records = environment.getStore().getSource().toJSON();
  const persons = Object.values(records).filter((r) => r.__typename === "Person");
  assert.deepEqual(persons.map((p) => p.custodyStatus).sort(), ["IMPRISONED", "RESTRICTED"]);
});

test("Apollo's InMemoryCache keeps both states under two ids", async () => {
  const query = await readmeTwoDates();
  const client = new ApolloClient({
    link: new HttpLink({ uri: `${LEDGER_URL}/graphql`, fetch }),
    cache: new InMemoryCache(),
  });
  const document = gql(query.params.text);
  await client.query({ query: document });
  const cached = client.cache.readQuery({ query: document });
  assert.equal(cached.before.custodyStatus, "IMPRISONED");
  assert.equal(cached.after.custodyStatus, "RESTRICTED");
  const keys = Object.keys(client.cache.extract()).filter((key) => key.startsWith("Person:"));
  assert.equal(keys.length, 2, `two Person records, got ${keys}`);
});

test("a refetchable person refetches through node(id:) at the point its id names", async () => {
  const all = await artifacts();
  const twoDates = all.PersonTimelineTwoDatesQuery;
  const refetch = all.PersonTimelineRefetchQuery;
  assert.match(refetch.params.text, /node\(id: \$id\)/);
  const environment = relayEnvironment();
  const variables = { streamId: "person-iskander-yerimbetov" };
  await fetchQuery(environment, twoDates, variables).toPromise();
  const { data } = environment.lookup(createOperationDescriptor(twoDates, variables).fragment);
  const beforeId = data.before.__id ?? data.before.id;
  const answer = await post(refetch.params.text, { id: beforeId, count: 2 });
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  assert.equal(answer.data.node.id, beforeId);
  assert.equal(answer.data.node.custodyStatus, "IMPRISONED");
  assert.deepEqual(
    answer.data.node.custodyTimeline.map((period) => period.status),
    ["UNKNOWN", "IMPRISONED"],
  );
  assert.equal(answer.data.node.events.edges.length, 2);
});
