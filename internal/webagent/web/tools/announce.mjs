// Reads {id, curveSeed, desktop: {id, curvePub}} as JSON on stdin and writes
// the page agent's "online" and then "offline" announcements to that
// desktop (hex envelopes, one a line), for Go's TestAnnouncementsOpen.
import { Agent } from "../src/agent.js";
import { toHex } from "../src/protocol.js";

let data = "";
for await (const chunk of process.stdin) data += chunk;
const inp = JSON.parse(data);
const agent = new Agent({ ident: { id: inp.id, curveSeed: inp.curveSeed } });
const desk = { ...inp.desktop, role: "desktop" };
for (const online of [true, false]) {
  const a = agent.announce("deskdial", desk, online);
  process.stdout.write(`${a.subject} ${toHex(a.data)}\n`);
}
