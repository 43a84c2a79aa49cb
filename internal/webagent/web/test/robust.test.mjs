// Whatever arrives, the page's parsers answer with their own errors and the
// agent with a decision; nothing else is thrown. Random mutations of valid
// inputs, with a fixed seed so a failure repeats.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Agent } from "../src/agent.js";
import { parseOffer, PairError } from "../src/pairing.js";
import { parse, short, NumberError } from "../src/numbers.js";
import { createIdentity, loadIdentity } from "../src/identity.js";
import * as p from "../src/protocol.js";

let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };

function mutate(bytes) {
  const b = bytes.slice();
  for (let k = 1 + rnd(4); k > 0; k--) {
    switch (rnd(3)) {
      case 0: if (b.length) b[rnd(b.length)] = rnd(256); break;
      case 1: return b.slice(0, rnd(b.length + 1));
      default: { const out = new Uint8Array(b.length + 1); const i = rnd(b.length + 1); out.set(b.slice(0, i)); out[i] = rnd(256); out.set(b.slice(i), i + 1); return out; }
    }
  }
  return b;
}

test("the agent decides on any bytes without throwing", async () => {
  const phone = await loadIdentity(createIdentity());
  const desk = await loadIdentity(createIdentity());
  const a = new Agent({ ident: phone, peers: [{ id: desk.id, name: "D", role: "desktop", signPub: desk.signPub, curvePub: desk.curvePub }] });
  const dbox = new p.Box(desk.curveSeed);
  const good = dbox.seal(p.KIND.dial, p.makeDial(desk.id, phone.id, "+4930901820", "call", Date.now()), phone.curvePub);
  for (let i = 0; i < 3000; i++) {
    const r = a.handle(mutate(good));
    assert.equal(typeof r.decision.accepted, "boolean");
  }
  // JSON that opens but is no dial request.
  for (const json of ["{}", "[]", "null", '{"v":1}', '{"v":2,"id":"x"}', "{\"v\":1,\"id\":\"a\",\"target\":\"\\u0000\"}", "x".repeat(9000)]) {
    const env = dbox.seal(p.KIND.dial, json.length > 8192 ? json.slice(0, 8192) : json, phone.curvePub);
    assert.equal(a.handle(env).decision.accepted, false);
  }
});

test("offers: any change is a pairing error, never another exception", async () => {
  const v = JSON.parse(readFileSync(fileURLToPath(new URL("../../../pairing/testdata/vectors.json", import.meta.url)), "utf8"));
  const uri = new TextEncoder().encode(v.uri);
  const td = new TextDecoder();
  for (let i = 0; i < 1500; i++) {
    const s = td.decode(mutate(uri));
    try {
      await parseOffer(s, (v.offer.e - 60) * 1000);
    } catch (e) {
      assert.ok(e instanceof PairError, `${JSON.stringify(s)}: ${e}`);
    }
  }
});

test("numbers: any text is a number, a short code or a number error", () => {
  const samples = ["+4930901820", "tel:+1-202-555-0123;ext=1", "030 901820", "112", "*#06#", "(0)30/9018-20"];
  const td = new TextDecoder();
  for (let i = 0; i < 1500; i++) {
    const s = td.decode(mutate(new TextEncoder().encode(samples[i % samples.length])));
    for (const region of ["", "DE", "US", "BR"]) {
      short(s, region);
      try { parse(s, region); } catch (e) { assert.ok(e instanceof NumberError, `${JSON.stringify(s)}: ${e}`); }
    }
  }
});
