// The protocol's test vectors (docs/protocol.md section 8, pinned by
// internal/protocol's TestVectors) hold for this implementation too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createUser, fromSeed } from "@nats-io/nkeys";
import * as p from "../src/protocol.js";

const path = fileURLToPath(new URL("../../../protocol/testdata/vectors.txt", import.meta.url));

function readVectors() {
  const text = readFileSync(path, "utf8");
  const [head, tail] = text.split(/^envelope \((\d+) bytes\):$/m).filter((_, i) => i !== 1).concat([]);
  const v = {};
  for (const line of head.split("\n")) {
    const m = /^([a-zA-Z ]+?):\s+(.*)$/.exec(line);
    if (m) v[m[1]] = m[2];
  }
  v.envelope = tail.replace(/\s+/g, "");
  v.envelopeLen = Number(/^envelope \((\d+) bytes\):$/m.exec(text)[1]);
  return v;
}

test("keys and IDs match the vectors", async () => {
  const v = readVectors();
  for (const who of ["desktop", "phone"]) {
    const kp = fromSeed(new TextEncoder().encode(v[`${who} sign seed`]));
    assert.equal(kp.getPublicKey(), v[`${who} sign pub`]);
    const box = new p.Box(v[`${who} curve seed`]);
    assert.equal(box.publicKey(), v[`${who} curve pub`]);
    assert.equal(await p.deviceID(v[`${who} sign pub`]), v[`${who} ID`]);
    assert.equal(p.parseID(v[`${who} ID`].toLowerCase().replace(/O/gi, "0")), v[`${who} ID`]);
  }
  assert.equal(p.subjectDial("deskdial", v["phone ID"]), v["dial subject"]);
});

test("opens the vector envelope and seals the same bytes", () => {
  const v = readVectors();
  const env = p.fromHex(v.envelope);
  assert.equal(env.length, v.envelopeLen);
  const phone = new p.Box(v["phone curve seed"]);
  const got = phone.open(env);
  assert.equal(got.kind, p.KIND.dial);
  assert.equal(got.sender, v["desktop curve pub"]);
  assert.equal(got.json, v.JSON);
  const req = p.decodeDial(got.json);
  assert.equal(req.target, "+12025550123");
  const desk = new p.Box(v["desktop curve seed"], () => p.fromHex(v.nonce));
  assert.equal(p.toHex(desk.seal(p.KIND.dial, v.JSON, v["phone curve pub"])), v.envelope);
  // The same JSON as an object gives the same bytes: field order as in Go.
  assert.equal(p.toHex(desk.seal(p.KIND.dial, req, v["phone curve pub"])), v.envelope);
});

test("a changed byte anywhere is refused", () => {
  const v = readVectors();
  const env = p.fromHex(v.envelope);
  const phone = new p.Box(v["phone curve seed"]);
  for (let i = 0; i < env.length; i++) {
    const bad = env.slice();
    bad[i] ^= 1;
    assert.throws(() => phone.open(bad), p.ProtocolError, `byte ${i}`);
  }
});

test("nkeys seeds round trip through the protocol's codec", () => {
  const kp = createUser();
  const seed = new TextDecoder().decode(kp.getSeed());
  const raw = p.decodeSeed("user", seed);
  assert.equal(p.encodeSeed("user", raw), seed);
  assert.equal(p.encodeKey("user", p.decodeKey("user", kp.getPublicKey())), kp.getPublicKey());
});
