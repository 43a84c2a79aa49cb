// Announcements (docs/protocol.md section 6): the page seals the vector of
// internal/protocol's TestAnnounceVectors to the same bytes, and its agent's
// announcements open at the desktop as the Go desktop reads them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as p from "../src/protocol.js";
import { Agent } from "../src/agent.js";

const dir = "../../../protocol/testdata/";
const read = (f) => readFileSync(fileURLToPath(new URL(dir + f, import.meta.url)), "utf8");
const av = JSON.parse(read("announce_vectors.json"));
const base = Object.fromEntries(read("vectors.txt").split("\n").map((l) => /^([a-zA-Z ]+?):\s+(\S+)$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]]));
const fixedRand = (byte) => (n) => new Uint8Array(n).fill(byte);

test("seals the announcement of the vectors to the same bytes", () => {
  assert.equal(p.subjectStatus("deskdial", base["desktop ID"]), av.subject);
  const v = JSON.parse(av.json);
  const a = p.makeAnnounce(v.from, v.to, v.state, v.issued_at);
  a.id = v.id; // makeAnnounce draws one
  assert.equal(JSON.stringify(a), av.json);
  const phone = new p.Box(base["phone curve seed"], fixedRand(0x27));
  assert.equal(p.toHex(phone.seal(p.KIND.announce, a, base["desktop curve pub"])), av.envelope);
  const got = new p.Box(base["desktop curve seed"]).open(p.fromHex(av.envelope));
  assert.equal(got.kind, p.KIND.announce);
  assert.equal(got.sender, base["phone curve pub"]);
  assert.equal(got.json, av.json);
});

test("the agent announces online and offline to a desktop, for 30 s", () => {
  const now = 1767225600000;
  const agent = new Agent({ ident: { id: base["phone ID"], curveSeed: base["phone curve seed"] }, now: () => now });
  const desk = { id: base["desktop ID"], role: "desktop", curvePub: base["desktop curve pub"] };
  const box = new p.Box(base["desktop curve seed"]);
  const ids = new Set();
  for (const online of [true, false]) {
    const a = agent.announce("deskdial", desk, online);
    assert.equal(a.subject, av.subject);
    const got = box.open(a.data);
    assert.equal(got.kind, p.KIND.announce);
    assert.equal(got.sender, base["phone curve pub"]);
    const m = JSON.parse(got.json);
    assert.deepEqual(Object.keys(m), ["v", "id", "issued_at", "expires_at", "from", "to", "state"]);
    assert.equal(m.state, online ? "online" : "offline");
    assert.equal(m.from, base["phone ID"]);
    assert.equal(m.to, base["desktop ID"]);
    assert.equal(m.issued_at, now);
    assert.equal(m.expires_at - m.issued_at, 30000);
    ids.add(m.id);
  }
  assert.equal(ids.size, 2, "each announcement has an id of its own");
});
