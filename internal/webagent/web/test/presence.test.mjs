// The answer to a presence ping (docs/protocol.md section 6): only an empty
// request is a ping, and the answer is the signed presence as one JSON
// object of strings within what a desktop reads, however long the name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isPresencePing, presenceAnswer, MAX_ANSWER } from "../src/presence.js";
import { createIdentity, loadIdentity } from "../src/identity.js";

test("only an empty request is a presence ping", () => {
  assert.equal(isPresencePing(new Uint8Array(0)), true);
  assert.equal(isPresencePing(undefined), true);
  assert.equal(isPresencePing(new Uint8Array([0])), false);
  assert.equal(isPresencePing(new TextEncoder().encode("{}")), false);
});

test("the answer is the signed presence, one JSON object of strings", async () => {
  const ident = await loadIdentity(createIdentity());
  // The longest name a phone may have, in four-byte characters.
  const name = "\u{1F4DE}".repeat(64);
  const b = presenceAnswer(ident, { name, backend: "browser", version: "1.0.0" });
  assert.ok(b.length <= MAX_ANSWER, `${b.length} bytes`);
  const m = JSON.parse(new TextDecoder().decode(b));
  for (const [k, v] of Object.entries(m)) assert.equal(typeof v, "string", k);
  assert.equal(m.id, ident.id);
  assert.equal(m.name, name);
  assert.equal(m.backend, "browser");
  assert.equal(m.places_calls, "false");
  assert.equal(m.prefill, "true");
  assert.ok(m.sig.length > 0);
});
