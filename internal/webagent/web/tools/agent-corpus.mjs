// Reads {phone: {id, curveSeed}, peers, region, now, envelopes: [hex]} as
// JSON on stdin, decides on each envelope with the page's Agent (one agent,
// in order, as they would arrive) and writes [{reply: hex, decision}], for
// Go's TestAgentCorpus.
import { Agent } from "../src/agent.js";
import { toHex, fromHex } from "../src/protocol.js";

let data = "";
for await (const chunk of process.stdin) data += chunk;
const inp = JSON.parse(data);
const a = new Agent({ ident: inp.phone, peers: inp.peers, region: inp.region, now: () => inp.now, allowMMI: !!inp.allowMMI, ratePerMinute: inp.rate || 10 });
const out = inp.envelopes.map((h) => {
  const r = a.handle(fromHex(h));
  return { reply: r.reply ? toHex(r.reply) : "", decision: r.decision };
});
process.stdout.write(JSON.stringify(out));
