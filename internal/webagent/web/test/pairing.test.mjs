// The pairing test vectors (docs/protocol.md section 7, pinned by
// internal/pairing's TestPairingVectors) hold for the page's pairing code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseOffer, offerDigest, fields, joinSigned, makeJoin, verifyAccept } from "../src/pairing.js";
import { loadIdentity } from "../src/identity.js";
import * as p from "../src/protocol.js";

const v = JSON.parse(readFileSync(fileURLToPath(new URL("../../../pairing/testdata/vectors.json", import.meta.url)), "utf8"));
const now = (v.offer.e - 60) * 1000;

test("the offer: fields, digest, checksum and offer id", async () => {
  const o = await parseOffer(v.uri, now);
  assert.equal(o.id, v.offer.id);
  assert.equal(o.name, v.offer.n);
  assert.deepEqual(o.servers, v.offer.s);
  assert.equal(o.fp, v.offer.fp);
  assert.equal(o.expires, v.offer.e);
  assert.equal(p.toHex(o.digest), v.digest_hex);
  assert.equal(p.toHex(await offerDigest(o)), v.digest_hex);
  assert.equal(p.base32Encode(o.digest.subarray(0, 5)), v.checksum);
  assert.equal(o.offerID, v.offer_id);
});

test("the join: signed bytes, proof and signature as the vectors", async () => {
  const o = await parseOffer(v.uri, now);
  const phone = await loadIdentity({ signSeed: v.keys.phone_sign_seed, curveSeed: v.keys.phone_curve_seed });
  assert.equal(p.toHex(joinSigned(o, phone, v.join.name, v.join_caps_bytes)), v.join_signed_hex);
  const j = await makeJoin(o, phone, v.join.name, JSON.parse(v.join_caps_bytes));
  assert.equal(JSON.stringify(j.caps), v.join_caps_bytes);
  assert.equal(j.proof, v.join.proof);
  assert.equal(j.sig, v.join.sig);
  assert.deepEqual(JSON.parse(JSON.stringify(j)), v.join);
});

test("the accept verifies; against the altered offer it does not", async () => {
  const o = await parseOffer(v.uri, now);
  const accept = JSON.stringify(v.accept);
  const a = await verifyAccept(o, accept);
  assert.equal(a.name, v.accept.name);
  const fs = [v.accept.offer, v.accept.desktop_id, v.accept.phone_id, v.accept.name, v.accept.server, ""];
  assert.equal(p.toHex(fields("deskdial-pair-accept-v2", ...fs, o.digest)), v.accept_signed_hex);

  const altered = await parseOffer(v.altered.uri, now);
  assert.equal(p.toHex(altered.digest), v.altered.digest_hex);
  const phone = await loadIdentity({ signSeed: v.keys.phone_sign_seed, curveSeed: v.keys.phone_curve_seed });
  const j = await makeJoin(altered, phone, v.join.name, JSON.parse(v.join_caps_bytes));
  assert.equal(p.toHex(p.fromBase64(j.proof)), v.altered.join_proof_hex);
  await assert.rejects(verifyAccept(altered, accept), (e) => e.code === "bad_proof");
});
