// Pairing steps of the page for Go's TestPairingInterop. Reads JSON on
// stdin: {step: "join", offer, now, signSeed, curveSeed, name, caps} writes
// {join: hex, offerID, fp}; {step: "accept", offer, now, curveSeed, accept:
// hex} writes {ok, name, server} or {err}.
import { parseOffer, makeJoin, verifyAccept, pairingLoginSeed } from "../src/pairing.js";
import { loadIdentity } from "../src/identity.js";
import { Box, KIND, toHex, fromHex } from "../src/protocol.js";

let data = "";
for await (const chunk of process.stdin) data += chunk;
const inp = JSON.parse(data);
let out;
try {
  const o = await parseOffer(inp.offer, inp.now);
  if (inp.step === "join") {
    const ident = await loadIdentity(inp);
    const j = await makeJoin(o, ident, inp.name, inp.caps);
    out = { join: toHex(new Box(inp.curveSeed).seal(KIND.pairJoin, j, o.curvePub)), offerID: o.offerID, fp: o.fp,
      loginSeed: await pairingLoginSeed(o.secret) };
  } else {
    const got = new Box(inp.curveSeed).open(fromHex(inp.accept));
    if (got.sender !== o.curvePub || got.kind !== KIND.pairAccept) throw new Error("not sealed by the offer's desktop");
    const a = await verifyAccept(o, got.json);
    out = { ok: true, name: a.name, server: a.server || "", creds: a.creds || "" };
  }
} catch (e) {
  out = { err: e.code || "error", message: e.message };
}
process.stdout.write(JSON.stringify(out));
