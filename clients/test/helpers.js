// What every client test needs: the server under test (started by tests/test_js_clients.py) and
// the artifacts relay-compiler wrote from the README and src/.
import { readdirSync } from "node:fs";

export const LEDGER_URL = process.env.LEDGER_URL ?? "";
export const EDITOR_TOKEN = process.env.LEDGER_EDITOR_TOKEN ?? "";
if (!LEDGER_URL) throw new Error("LEDGER_URL is not set: run these through tests/test_js_clients.py");

const generated = new URL("../src/__generated__/", import.meta.url);

/** Every compiled operation and fragment, by name. */
export async function artifacts() {
  const found = {};
  for (const file of readdirSync(generated).filter((name) => name.endsWith(".graphql.js"))) {
    const module = await import(new URL(file, generated));
    found[file.replace(/\.graphql\.js$/, "")] = module.default;
  }
  return found;
}

/** The README's two-dates example, as relay-compiler compiled it. */
export async function readmeTwoDates() {
  const all = await artifacts();
  const name = Object.keys(all).find(
    (key) => key.startsWith("ReadmeExamples") && /before: person/.test(all[key].params?.text ?? ""),
  );
  if (!name) throw new Error("the README's two-dates example was not compiled");
  return all[name];
}

export async function post(query, variables = {}, headers = {}) {
  const response = await fetch(`${LEDGER_URL}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  return response.json();
}
