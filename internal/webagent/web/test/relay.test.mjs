// Calling from this phone through its desktop (docs/protocol.md section 4,
// "Calling from a phone"): the relay vectors pinned by internal/protocol's
// TestRelayVectors hold for this implementation, byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as p from "../src/protocol.js";

const dir = "../../../protocol/testdata/";
const read = (f) => readFileSync(fileURLToPath(new URL(dir + f, import.meta.url)), "utf8");
const rv = JSON.parse(read("relay_vectors.json"));
const base = Object.fromEntries(read("vectors.txt").split("\n").map((l) => /^([a-zA-Z ]+?):\s+(\S+)$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]]));
const fixedRand = (byte) => (n) => new Uint8Array(n).fill(byte);

test("seals the relay request of the vectors to the same bytes, and the desktop's phone list opens", async () => {
  assert.equal(await p.deviceID((await import("@nats-io/nkeys")).fromSeed(new TextEncoder().encode(rv.phone2_sign_seed)).getPublicKey()), rv.phone2_id);
  assert.equal(p.subjectRelay("deskdial", base["desktop ID"]), rv.relay_subject);
  assert.equal(p.subjectRelayed("deskdial", base["phone ID"]), rv.relayed_subject);
  const phone = new p.Box(base["phone curve seed"], fixedRand(0x25));
  const q = p.decodeRelay(rv.relay_json);
  const req = p.makeRelay(q.from, q.to, q.op, q.issued_at, { phone: q.phone, target: q.target, mode: q.mode }, q.expires_at - q.issued_at);
  req.id = q.id;
  // makeRelay writes the fields in the Go struct's order, so the JSON is
  // the same text (the id is set to the vector's; makeRelay draws one).
  assert.equal(JSON.stringify(req), rv.relay_json);
  assert.equal(p.toHex(phone.seal(p.KIND.relay, req, base["desktop curve pub"])), rv.relay_envelope);

  const desk = new p.Box(base["desktop curve seed"]);
  const opened = desk.open(p.fromHex(rv.relay_envelope));
  assert.equal(opened.kind, p.KIND.relay);
  assert.equal(opened.sender, base["phone curve pub"]);
  assert.equal(opened.json, rv.relay_json);

  const got = new p.Box(base["phone curve seed"]).open(p.fromHex(rv.phones_envelope));
  assert.equal(got.kind, p.KIND.phones);
  assert.equal(got.sender, base["desktop curve pub"]);
  assert.deepEqual(p.decodePhones(got.json), JSON.parse(rv.phones_json));
  // And the desktop side's sealing of it, for completeness.
  const d2 = new p.Box(base["desktop curve seed"], fixedRand(0x26));
  assert.equal(p.toHex(d2.seal(p.KIND.phones, rv.phones_json, base["phone curve pub"])), rv.phones_envelope);
});

test("a changed byte of either envelope does not open", () => {
  const desk = new p.Box(base["desktop curve seed"]);
  const env = p.fromHex(rv.relay_envelope);
  for (let i = 60; i < env.length; i += 17) {
    const bad = env.slice();
    bad[i] ^= 1;
    assert.throws(() => desk.open(bad), (e) => e.code === "forged");
  }
});

test("relay requests and phone lists are checked as in Go", () => {
  const q = JSON.parse(rv.relay_json);
  const bad = [
    { ...q, op: "hangup" },
    { ...q, phone: q.from },
    { ...q, phone: "nope" },
    { ...q, target: "" },
    { ...q, mode: "now" },
    { ...q, expires_at: q.issued_at + 60001 },
    { ...q, op: "phones" },
    { ...q, v: 2 },
  ];
  for (const b of bad) assert.throws(() => p.decodeRelay(JSON.stringify(b)));
  const list = { v: 1, id: q.id, phones: [] };
  assert.deepEqual(p.decodePhones(JSON.stringify(list)).phones, []);
  const named = (name) => JSON.stringify({ ...list, phones: [{ id: rv.phone2_id, name }] });
  assert.equal(p.decodePhones(named("Tablet")).phones[0].name, "Tablet");
  for (const n of ["evil\u202eenam", "two\nlines", "x".repeat(65), 7]) assert.throws(() => p.decodePhones(named(n)));
  assert.throws(() => p.decodePhones(JSON.stringify({ ...list, phones: Array(33).fill({ id: rv.phone2_id, name: "a" }) })));
  assert.throws(() => p.decodePhones(JSON.stringify({ ...list, phones: [{ id: "x", name: "a" }] })));
  const st = { v: 1, id: q.id, seq: 0, state: "prefilled", at: 1, from: rv.phone2_id };
  assert.equal(p.decodeStatus(JSON.stringify(st)).state, "prefilled");
  assert.throws(() => p.decodeStatus(JSON.stringify({ ...st, state: "ringing" })));
  assert.throws(() => p.decodeStatus(JSON.stringify({ ...st, from: "x" })));
});
