// Reads [{input, region}] as JSON on stdin and writes what the web agent's
// number code makes of each, for Go's TestNumbersAgree.
import { parse, short, formatInternational } from "../src/numbers.js";

let data = "";
for await (const chunk of process.stdin) data += chunk;
const out = JSON.parse(data).map(({ input, region, kind }) => {
  if (kind === "short") {
    const sc = short(input, region);
    return sc ? { e164: sc.digits, type: sc.emergency ? "emergency" : "short" } : { err: "no" };
  }
  try {
    const n = parse(input, region);
    return { e164: n.e164, region: n.region, type: n.type, intl: formatInternational(n.e164) };
  } catch (e) {
    return { err: e.code || String(e) };
  }
});
process.stdout.write(JSON.stringify(out));
