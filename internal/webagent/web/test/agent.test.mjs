// The page's policy on its own: requests sealed here by a desktop key made
// with the same code, decided by the Agent with a fixed clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent, mmiCode, REPLAY_WINDOW_MS } from "../src/agent.js";
import { createIdentity, loadIdentity } from "../src/identity.js";
import * as p from "../src/protocol.js";

async function setup(opts = {}) {
  const phone = await loadIdentity(createIdentity());
  const desk = await loadIdentity(createIdentity());
  const now = { t: 1767225600000 };
  const peers = [{ id: desk.id, name: "Laptop", role: "desktop", signPub: desk.signPub, curvePub: desk.curvePub }];
  const a = new Agent({ ident: phone, peers, region: "DE", now: () => now.t, mono: () => now.t, ...opts });
  const dbox = new p.Box(desk.curveSeed);
  const send = (req) => {
    const r = a.handle(dbox.seal(p.KIND.dial, req, phone.curvePub));
    const got = dbox.open(r.reply);
    return { ...r, reply: p.decodeReply(got.json) };
  };
  const dial = (target, mode = "call", at = now.t) => p.makeDial(desk.id, phone.id, target, mode, at);
  return { a, send, dial, now, phone, desk };
}

test("an accepted request is a prefill of the E.164 number, shown formatted", async () => {
  const { send, dial } = await setup();
  const r = await send(dial("030 901820"));
  assert.equal(r.reply.accepted, true);
  assert.equal(r.reply.number, "+4930901820");
  assert.equal(r.reply.mode, "prefill");
  assert.equal(r.decision.display, "+49 30 901820");
});

test("a retry gets the same answer once, a changed replay is refused", async () => {
  const { send, dial } = await setup();
  const req = dial("+4930901820");
  assert.equal((await send(req)).reply.accepted, true);
  const again = await send(req);
  assert.equal(again.reply.accepted, true);
  assert.equal(again.decision.duplicate, true);
  assert.equal((await send({ ...req, target: "+4930901821" })).reply.code, "replayed");
});

test("ids decided before a reload are refused as replays, even as retries", async () => {
  const { dial, now, phone, desk } = await setup();
  const req = dial("+4930901820");
  const peers = [{ id: desk.id, name: "Laptop", role: "desktop", signPub: desk.signPub, curvePub: desk.curvePub }];
  const b = new Agent({ ident: phone, peers, now: () => now.t, mono: () => 0, restored: [{ id: req.id, at: now.t - 1000, from: desk.id }] });
  const dbox = new p.Box(desk.curveSeed);
  const r = b.handle(dbox.seal(p.KIND.dial, req, phone.curvePub));
  assert.equal(p.decodeReply(dbox.open(r.reply).json).code, "replayed");
  const old = new Agent({ ident: phone, peers, now: () => now.t, restored: [{ id: req.id, at: now.t - REPLAY_WINDOW_MS - 1, from: desk.id }] });
  assert.equal(p.decodeReply(dbox.open(old.handle(dbox.seal(p.KIND.dial, req, phone.curvePub)).reply).json).accepted, true);
});

test("more than ten requests a minute from one desktop are refused", async () => {
  const { send, dial, now } = await setup();
  for (let i = 0; i < 10; i++) assert.equal((await send(dial("+4930901820", "prefill"))).reply.accepted, true);
  assert.equal((await send(dial("+4930901820"))).reply.code, "rate_limited");
  now.t += 60000;
  assert.equal((await send(dial("+4930901820"))).reply.accepted, true);
});

test("time window: expired and issued in the future", async () => {
  const { send, dial, now } = await setup();
  assert.equal((await send(dial("+4930901820", "call", now.t - 60000))).reply.code, "expired");
  assert.equal((await send(dial("+4930901820", "call", now.t + 31000))).reply.code, "not_yet_valid");
});

test("MMI codes are refused unless allowed, and then only as digits, * and #", async () => {
  const { send, dial } = await setup();
  assert.equal((await send(dial("*#06#"))).reply.code, "mmi");
  const allowed = await setup({ allowMMI: true });
  const r = await allowed.send(allowed.dial("tel:%2A%2306%23"));
  assert.equal(r.reply.number, "*#06#");
  assert.equal(mmiCode("*#06#;rm -rf /"), null);
  assert.equal((await allowed.send(allowed.dial("*#06#<script>"))).reply.code, "mmi");
});

test("premium-rate and emergency numbers: refused for call, filled in for prefill", async () => {
  const { send, dial } = await setup();
  assert.equal((await send(dial("+49 900 1 234567"))).reply.code, "premium");
  assert.equal((await send(dial("112"))).reply.code, "emergency");
  assert.equal((await send(dial("112", "prefill"))).reply.number, "112");
  assert.equal((await send(dial("116117"))).reply.code, "premium");
  assert.equal((await send(dial("Alice"))).reply.code, "contact_name");
});
