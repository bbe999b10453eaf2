// The public GraphQL API, and the one thing the explorer needs to know about the schema: which
// optional fields this server has (so newer fields are used where they exist).

export class ApiError extends Error {}

const ENDPOINT = "/graphql";

export async function graphql(query, variables = {}, { signal } = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(`The server did not answer (${error.message}).`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} ${response.statusText}.`);
  }
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    throw new ApiError([...new Set(body.errors.map((error) => String(error.message)))].join("\n"));
  }
  if (!response.ok || !body.data) {
    throw new ApiError(body.detail || `The server answered ${response.status}.`);
  }
  return body.data;
}

const SCHEMA = `{
  person: __type(name: "Person") { fields { name } }
  recommendation: __type(name: "Recommendation") { fields { name } }
  event: __type(name: "Event") { fields { name } }
  partialDate: __type(name: "PartialDate") { fields { name } }
  subscription: __type(name: "Subscription") { fields { name } }
}`;

/** The optional fields the server has: {person: Set, recommendation: Set, ...}. */
export async function schemaFields() {
  const data = await graphql(SCHEMA);
  const fields = {};
  for (const [key, type] of Object.entries(data)) {
    fields[key] = new Set(type ? type.fields.map((field) => field.name) : []);
  }
  return fields;
}
