// Reads {signSeed, curveSeed, name} as JSON on stdin and writes the page's
// answer to a presence ping, as it goes on the wire, for Go's
// TestPresenceVerifies.
import { loadIdentity } from "../src/identity.js";
import { presenceAnswer } from "../src/presence.js";

let data = "";
for await (const chunk of process.stdin) data += chunk;
const inp = JSON.parse(data);
const ident = await loadIdentity(inp);
process.stdout.write(presenceAnswer(ident, { name: inp.name, backend: "browser", version: "1.0.0" }));
