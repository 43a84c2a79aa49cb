// The page's dial box: what it sends its desktop, and which answers it
// believes. The desktop here is played with the same protocol code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Caller, checkNumber, stateText } from "../src/callfrom.js";
import { createIdentity, loadIdentity } from "../src/identity.js";
import * as p from "../src/protocol.js";

async function setup() {
  const me = await loadIdentity(createIdentity());
  const deskID = await loadIdentity(createIdentity());
  const other = await loadIdentity(createIdentity());
  const now = { t: 1767225600000 };
  const desktop = { id: deskID.id, name: "Laptop", curvePub: deskID.curvePub };
  const c = new Caller({ ident: me, now: () => now.t });
  const dbox = new p.Box(deskID.curveSeed);
  const seal = (kind, msg, box = dbox) => box.seal(kind, msg, me.curvePub);
  return { me, deskID, other, desktop, c, dbox, seal, now };
}

test("a dial request is sealed to the desktop on its relay subject and names the phone and the number", async () => {
  const { me, desktop, c, dbox, other } = await setup();
  const r = c.dial("deskdial", desktop, { id: other.id, name: "Pixel" }, "+4930901820");
  assert.equal(r.subject, `deskdial.relay.${desktop.id}`);
  const o = dbox.open(r.data);
  assert.equal(o.kind, p.KIND.relay);
  assert.equal(o.sender, me.curvePub);
  const q = p.decodeRelay(o.json);
  assert.deepEqual({ id: q.id, from: q.from, to: q.to, op: q.op, phone: q.phone, target: q.target, mode: q.mode },
    { id: r.id, from: me.id, to: desktop.id, op: "dial", phone: other.id, target: "+4930901820", mode: "call" });
  assert.equal(q.expires_at - q.issued_at, 15000);
});

test("the phone list and a call's reply and states are taken only from the desktop asked, for the request made", async () => {
  const { me, desktop, c, seal, other } = await setup();
  const l = c.list("deskdial", desktop);
  // Another device (not the desktop) answering in its place is ignored.
  const stranger = new p.Box((await loadIdentity(createIdentity())).curveSeed);
  assert.equal(c.handle(seal(p.KIND.phones, { v: 1, id: l.id, phones: [] }, stranger)), null);
  // An answer to no request of ours is ignored.
  assert.equal(c.handle(seal(p.KIND.phones, { v: 1, id: "other", phones: [] })), null);
  const got = c.handle(seal(p.KIND.phones, { v: 1, id: l.id, phones: [{ id: other.id, name: "Pixel" }, { id: me.id, name: "me" }] }));
  assert.equal(got.type, "phones");
  assert.deepEqual(got.phones, [{ id: other.id, name: "Pixel" }]);
  assert.equal(c.handle(seal(p.KIND.phones, { v: 1, id: l.id, phones: [] })), null, "a second list for the same request");

  const d = c.dial("deskdial", desktop, { id: other.id, name: "Pixel" }, "+4930901820");
  // The state may overtake the reply.
  const st = (seq, state, from = other.id) => seal(p.KIND.status, { v: 1, id: d.id, seq, state, at: 1, from });
  assert.equal(c.handle(st(0, "dialing", me.id)), null, "a state said to come from another phone");
  assert.equal(c.handle(st(0, "dialing")).status.state, "dialing");
  assert.equal(c.handle(st(0, "dialing")), null, "a repeated state");
  const rep = c.handle(seal(p.KIND.reply, { v: 1, id: d.id, accepted: true, number: "+4930901820" }));
  assert.equal(rep.type, "reply");
  assert.equal(rep.reply.number, "+4930901820");
  assert.equal(c.handle(st(1, "ended")).status.state, "ended");
  assert.equal(c.pending.size, 0, "nothing is kept after the final state");
  assert.equal(c.handle(st(2, "active")), null);

  const d2 = c.dial("deskdial", desktop, { id: other.id, name: "Pixel" }, "+4930901821");
  const no = c.handle(seal(p.KIND.reply, { v: 1, id: d2.id, accepted: false, code: "not_allowed", reason: "no" }));
  assert.equal(no.reply.code, "not_allowed");
  assert.equal(c.pending.size, 0);
});

test("the number box: E.164 from what is typed, and what is never sent", () => {
  assert.deepEqual(checkNumber("+49 30 901820"), { e164: "+4930901820", display: "+49 30 901820" });
  assert.deepEqual(checkNumber("030 901820", "DE"), { e164: "+4930901820", display: "+49 30 901820" });
  assert.throws(() => checkNumber("030 901820"), /country code/);
  assert.throws(() => checkNumber("*#06#"), /\* or #/);
  assert.throws(() => checkNumber("+49 900 1234567"), /premium-rate/);
  assert.throws(() => checkNumber("112", "DE"), /emergency|not a phone number/);
  assert.throws(() => checkNumber(""), /Type the number/);
  assert.throws(() => checkNumber("hello"), /not a phone number/);
  assert.match(stateText("Pixel", { state: "prefilled" }), /Pixel shows the number/);
});
