// Number parsing and classification for the dial policy, applied the way
// internal/number (phonenumbers) does it, over numtable.js, which is
// generated from the same metadata by internal/webagent/gen. The Go test
// TestNumbersAgree runs both on every example number of every region.
import table from "./numtable.js";

const cache = new Map();
const re = (p) => {
  let r = cache.get(p);
  if (!r) { r = new RegExp(`^(?:${p})$`); cache.set(p, r); }
  return r;
};
const prefixRE = (p) => {
  const k = "^" + p;
  let r = cache.get(k);
  if (!r) { r = new RegExp(`^(?:${p})`); cache.set(k, r); }
  return r;
};

function descMatch(d, nsn) {
  if (!d) return false;
  const [pattern, lengths] = d;
  if (lengths.length > 0 && !lengths.includes(nsn.length)) return false;
  return re(pattern).test(nsn);
}

// numberType is phonenumbers' getNumberTypeHelper.
function numberType(nsn, r) {
  const d = r.d;
  if (!descMatch(d.general, nsn)) return "unknown";
  for (const [k, t] of [["premium", "premium"], ["tollFree", "toll-free"], ["shared", "shared-cost"], ["voip", "voip"],
    ["personal", "personal"], ["pager", "pager"], ["uan", "uan"], ["voicemail", "voicemail"]]) {
    if (descMatch(d[k], nsn)) return t;
  }
  if (descMatch(d.fixed, nsn)) {
    if (r.same) return "fixed-or-mobile";
    return descMatch(d.mobile, nsn) ? "fixed-or-mobile" : "fixed";
  }
  if (!r.same && descMatch(d.mobile, nsn)) return "mobile";
  return "unknown";
}

// regionOf is getRegionCodeForNumberFromRegionList.
function regionOf(cc, nsn) {
  const rs = table.cc[cc] || [];
  if (rs.length === 1) return rs[0];
  for (const id of rs) {
    const r = table.regions[id];
    if (r.ld) {
      if (prefixRE(r.ld).test(nsn)) return id;
    } else if (numberType(nsn, r) !== "unknown") {
      return id;
    }
  }
  return "";
}

function isEmergency(nsn, region) {
  const r = table.regions[region];
  return !!(r && r.em && re(r.em).test(nsn));
}

// testLength is phonenumbers' testNumberLength for the general lengths:
// "" when the length is possible, else why not.
function testLength(nsn, r) {
  const lengths = r.d.general ? r.d.general[1] : [];
  const n = nsn.length;
  if (lengths.length === 0) return "";
  if ((r.lo || []).includes(n)) return "local";
  if (lengths[0] === n) return "";
  if (lengths[0] > n) return "short";
  if (lengths[lengths.length - 1] < n) return "long";
  return lengths.slice(1).includes(n) ? "" : "invalid";
}

// stripNationalPrefix is maybeStripNationalPrefixAndCarrierCode: the
// national number without its national prefix, or as it was.
function stripNationalPrefix(num, r) {
  if (!r.np) return num;
  const m = prefixRE(r.np).exec(num);
  if (!m) return num;
  const general = r.d.general ? re(r.d.general[0]) : null;
  const viable = !!general && general.test(num);
  const last = m.length > 1 ? m[m.length - 1] : undefined;
  let out;
  if (!r.tr || last === undefined) {
    out = num.slice(m[0].length);
  } else {
    out = num.replace(prefixRE(r.np), r.tr);
  }
  if (viable && !general.test(out)) return num;
  return out;
}

// nationalNumber strips the national prefix if what remains is still a
// possible length, as phonenumbers' parseHelper does.
function nationalNumber(num, r) {
  if (!r) return num;
  const stripped = stripNationalPrefix(num, r);
  const t = testLength(stripped, r);
  return t === "short" || t === "local" || t === "invalid" ? num : stripped;
}

export class NumberError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
const notANumber = (m) => new NumberError("not_a_number", m);

// isMMI is number.IsMMI: the target contains * or #.
export function isMMI(s) {
  s = s.trim();
  const u = stripScheme(s);
  if (u !== null) s = u;
  try { s = decodeURIComponent(s); } catch { /* keep s */ }
  return /[*#]/.test(s);
}

function stripScheme(s) {
  const low = s.toLowerCase();
  for (const p of ["tel:", "callto:", "sip:", "sips:"]) {
    if (low.startsWith(p)) {
      let rest = s.slice(p.length);
      if (rest.startsWith("//")) rest = rest.slice(2);
      if (p === "sip:" || p === "sips:") {
        const i = rest.indexOf("@");
        if (i >= 0) rest = rest.slice(0, i);
      }
      return rest;
    }
  }
  return null;
}

// parse is number.Parse for the inputs a dial request carries: an E.164
// number ("+4930123456", separators allowed), a tel: URI, or, with a
// region, a national number. Anything this cannot read the way
// phonenumbers does is refused as not a number (it never guesses).
// Returns {e164, region, type}.
export function parse(target, region = "") {
  let s = String(target).trim();
  if (s === "") throw notANumber("empty");
  if (s.length > 256) throw notANumber("too long");
  const uri = stripScheme(s);
  if (uri !== null) {
    s = uri.split(";")[0];
    try { s = decodeURIComponent(s); } catch { /* keep s */ }
    const q = s.indexOf("?");
    if (q >= 0) s = s.slice(0, q);
  }
  if (/[*#]/.test(s)) throw new NumberError("mmi", "USSD/MMI code");
  region = (region || "ZZ").toUpperCase();
  const plus = s.startsWith("+") || s.startsWith("\uFF0B");
  const body = plus ? s.slice(1) : s;
  // Digits in groups split by single spaces, hyphens, dots or brackets.
  if (!/^[0-9]+(?:[ .\-()/]{0,2}[0-9]+)*$/.test(body.replace(/^\(/, "").replace(/\)$/, ""))) {
    throw notANumber(`${JSON.stringify(target)} is not a phone number`);
  }
  const digits = body.replace(/[^0-9]/g, "");
  let cc, rest;
  const home = table.regions[region];
  if (plus) {
    [cc, rest] = splitCC(digits);
  } else if (home) {
    const idd = home.idd && prefixRE(home.idd).exec(digits);
    if (idd && idd[0].length > 0 && digits.length > idd[0].length && digits[idd[0].length] !== "0") {
      [cc, rest] = splitCC(digits.slice(idd[0].length));
    } else {
      cc = String(home.cc);
      rest = digits;
    }
  } else {
    throw notANumber(`${JSON.stringify(target)} has no country code (+...)`);
  }
  const nsn = nationalNumber(rest, table.regions[(table.cc[cc] || [])[0]]);
  if (nsn.length < 2) throw notANumber("too short");
  if (nsn.length > 17) throw notANumber("too long");
  const e164 = "+" + cc + nsn;
  const numRegion = regionOf(cc, nsn);
  const r = table.regions[numRegion];
  const type = r ? numberType(nsn, r) : "unknown";
  if (!r || type === "unknown" || testLength(nsn, r) === "long") {
    if (region !== "ZZ" && isEmergency(nsn, region)) return { e164, region, type: "emergency" };
    throw notANumber(`${JSON.stringify(target)} is not a valid number`);
  }
  const outRegion = numRegion.startsWith("001") ? "001" : numRegion;
  if (nsn.length <= 6 && isEmergency(nsn, outRegion)) return { e164, region: outRegion, type: "emergency" };
  return { e164, region: outRegion, type };
}

function splitCC(digits) {
  if (digits.length === 0 || digits[0] === "0") throw notANumber("no country code");
  for (let n = 1; n <= 3 && n <= digits.length; n++) {
    const cc = digits.slice(0, n);
    if (table.cc[cc]) return [cc, digits.slice(n)];
  }
  throw notANumber("unknown country code");
}

// ALWAYS_EMERGENCY are the numbers every mobile phone treats as emergency
// calls whatever its SIM or country (number.alwaysEmergency).
const ALWAYS_EMERGENCY = new Set(["112", "911"]);
const MAX_SHORT = 6;

// shortDigits is number.shortDigits: 2-6 digits, maybe in a tel: URI, with
// spaces, hyphens or dots between them.
function shortDigits(s) {
  s = String(s).trim();
  const rest = stripScheme(s);
  if (rest !== null) {
    s = rest.split(";")[0];
    try { s = decodeURIComponent(s); } catch { /* keep s */ }
  }
  let d = "";
  for (const c of s) {
    if (c >= "0" && c <= "9") {
      if (d.length === MAX_SHORT) return null;
      d += c;
    } else if (c !== " " && c !== "-" && c !== ".") {
      return null;
    }
  }
  return d.length >= 2 ? d : null;
}

// validNational reports whether digits, read as a national number of
// region, is a valid number there (phonenumbers' Parse + IsValidNumber).
function validNational(d, region) {
  try {
    const n = parse(d, region);
    return n.type !== "emergency";
  } catch {
    return false;
  }
}

// validShort is number.validShort: a valid short number of the region that
// is not also a valid ordinary number there.
function validShort(d, region) {
  const r = table.regions[region];
  if (!r || !r.sh) return false;
  const nsn = nationalNumber(d, r);
  if (nsn.length < 2) return false;
  const [general, code] = r.sh;
  return descMatch(general, nsn) && descMatch(code, nsn) && !validNational(d, region);
}

// short is number.Short: {digits, emergency} for a short code (emergency or
// service number) of region, or of any region when region is "".
export function short(s, region = "") {
  const d = shortDigits(s);
  if (!d) return null;
  region = (region || "").toUpperCase();
  if (region === "" || region === "ZZ") {
    if (ALWAYS_EMERGENCY.has(d)) return { digits: d, emergency: true };
    const regions = Object.keys(table.regions).filter((k) => !k.startsWith("001"));
    if (regions.some((r) => isEmergency(d, r))) return { digits: d, emergency: true };
    if (regions.some((r) => validShort(d, r))) return { digits: d, emergency: false };
    return null;
  }
  if (ALWAYS_EMERGENCY.has(d) || isEmergency(d, region)) return { digits: d, emergency: true };
  if (validShort(d, region)) return { digits: d, emergency: false };
  return null;
}

// safeToAutoDial is Number.SafeToAutoDial.
export const safeToAutoDial = (n) => !["premium", "shared-cost", "uan", "emergency"].includes(n.type);

// formatInternational is phonenumbers' INTERNATIONAL format, for showing.
export function formatInternational(e164) {
  const digits = e164.replace(/^\+/, "");
  let cc, nsn;
  try { [cc, nsn] = splitCC(digits); } catch { return e164; }
  // phonenumbers formats with the metadata of the code's main region.
  const r = table.regions[(table.cc[cc] || [])[0]];
  if (!r) return e164;
  for (const f of r.fmt || []) {
    if (f.l && !prefixRE(f.l).test(nsn)) continue;
    if (!re(f.p).test(nsn)) continue;
    if (f.f === "NA") break;
    return `+${cc} ` + nsn.replace(new RegExp(`^(?:${f.p})$`), f.f);
  }
  return `+${cc} ${nsn}`;
}
