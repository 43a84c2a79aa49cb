// deskdial wire protocol, version 1 (docs/protocol.md): device IDs, nkeys
// text forms, the sealed envelope and the messages. The Go reference is
// internal/protocol, internal/device and internal/pairing; the test vectors
// of docs/protocol.md are checked against this file by `node --test`.
import nacl from "tweetnacl";

export const VERSION = 1;
export const KIND = { dial: 1, reply: 2, status: 3, hangup: 4, pairJoin: 5, pairAccept: 6, relay: 7, phones: 8, announce: 9 };
const MAX_KIND = 9;
export const MAX_PHONES = 32;
export const MAX_MESSAGE = 8192;
const HEADER = 4 + 32 + 24;
export const OVERHEAD = HEADER + 16 + 1;
export const MAX_ENVELOPE = MAX_MESSAGE + OVERHEAD;
export const MAX_TTL_MS = 60000;
export const MAX_SKEW_MS = 30000;
export const MAX_TARGET = 256;
export const MAX_REASON = 512;
export const MAX_NAME = 64;

export class ProtocolError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code; // "malformed", "forged", "unsupported_version", ...
  }
}
const malformed = (m) => new ProtocolError("malformed", m);

const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: true });
export const utf8 = (s) => te.encode(s);

// ---- base32 (RFC 4648, no padding) -------------------------------------
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export function base32Encode(bytes) {
  let out = "", bits = 0, val = 0;
  for (const b of bytes) {
    val = (val << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(val >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(val << (5 - bits)) & 31];
  return out;
}
export function base32Decode(s) {
  const out = [];
  let bits = 0, val = 0;
  for (const c of s) {
    const v = B32.indexOf(c);
    if (v < 0) throw malformed("not base32");
    val = ((val << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((val >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  // Go's decoder refuses trailing bits that are not zero; so do we.
  if (bits >= 5 || (val & ((1 << bits) - 1)) !== 0) throw malformed("not canonical base32");
  return new Uint8Array(out);
}

// ---- hex, base64 ------------------------------------------------------------
export const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export function fromHex(s) {
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw malformed("not hex");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}
export function toBase64(b) {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}
export function fromBase64(s) {
  if (typeof s !== "string") throw malformed("not base64");
  let bin;
  try { bin = atob(s); } catch { throw malformed("not base64"); }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// ---- nkeys text form --------------------------------------------------------
// base32 of prefix byte || 32 key bytes || CRC-16/XMODEM little-endian.
const PREFIX = { user: 20 << 3, curve: 23 << 3, seed: 18 << 3 };
function crc16(bytes) {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
function withCRC(raw) {
  const c = crc16(raw);
  const out = new Uint8Array(raw.length + 2);
  out.set(raw);
  out[raw.length] = c & 0xff;
  out[raw.length + 1] = c >> 8;
  return out;
}
function checkCRC(raw) {
  if (raw.length < 3) throw malformed("nkey too short");
  const body = raw.subarray(0, raw.length - 2);
  const c = raw[raw.length - 2] | (raw[raw.length - 1] << 8);
  if (crc16(body) !== c) throw malformed("nkey checksum does not match");
  return body;
}
export function encodeKey(kind, raw32) {
  const b = new Uint8Array(33);
  b[0] = PREFIX[kind];
  b.set(raw32, 1);
  return base32Encode(withCRC(b));
}
export function decodeKey(kind, s) {
  if (typeof s !== "string" || s.length !== 56) throw malformed(`not a ${kind} key`);
  const body = checkCRC(base32Decode(s));
  if (body.length !== 33 || body[0] !== PREFIX[kind]) throw malformed(`not a ${kind} key`);
  return body.slice(1);
}
// decodeSeed returns the raw 32 bytes of an nkeys seed ("SU...", "SX...").
export function decodeSeed(kind, s) {
  const body = checkCRC(base32Decode(s));
  if (body.length !== 34) throw malformed("not a seed");
  const p1 = body[0] & 0xf8, p2 = ((body[0] & 7) << 5) | ((body[1] & 0xf8) >> 3);
  if (p1 !== PREFIX.seed || p2 !== PREFIX[kind]) throw malformed(`not a ${kind} seed`);
  return body.slice(2);
}
export function encodeSeed(kind, raw32) {
  const b = new Uint8Array(34);
  b[0] = PREFIX.seed | (PREFIX[kind] >> 5);
  b[1] = (PREFIX[kind] & 31) << 3;
  b.set(raw32, 2);
  return base32Encode(withCRC(b));
}
export const isCurveKey = (s) => { try { decodeKey("curve", s); return true; } catch { return false; } };

// ---- hashes (WebCrypto: a secure context, or node) ----------------------
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
export async function hmacSHA256(key, msg) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, msg));
}
export function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

// ---- device IDs ---------------------------------------------------------------
const gfDouble = (x) => { x <<= 1; return x & 32 ? x ^ 0x25 : x; };
function checkSymbol(chunk) {
  let s = 0;
  for (const c of chunk) s = gfDouble(s) ^ B32.indexOf(c);
  return B32[gfDouble(s)];
}
function idString(raw20) {
  const b = base32Encode(raw20);
  let sym = "";
  for (let i = 0; i < 32; i += 8) sym += b.slice(i, i + 8) + checkSymbol(b.slice(i, i + 8));
  return sym.match(/.{6}/g).join("-");
}
// deviceID is the canonical ID of an ed25519 public key ("U...").
export async function deviceID(signPub) {
  const raw = decodeKey("user", signPub);
  return idString((await sha256(raw)).subarray(0, 20));
}
// parseID reads an ID forgivingly and returns the canonical form.
export function parseID(s) {
  const t = String(s).replace(/[\s-]/g, "").toUpperCase().replace(/0/g, "O").replace(/1/g, "I").replace(/8/g, "B");
  if (t.length !== 36 || /[^A-Z2-7]/.test(t)) throw malformed("a device ID has 36 letters and digits");
  let b = "";
  for (let i = 0; i < 36; i += 9) {
    const chunk = t.slice(i, i + 8);
    if (checkSymbol(chunk) !== t[i + 8]) throw malformed("device ID is mistyped (check symbol)");
    b += chunk;
  }
  return idString(base32Decode(b));
}
export function isCanonicalID(s) {
  try { return typeof s === "string" && parseID(s) === s; } catch { return false; }
}

// ---- box -------------------------------------------------------------------------
// Box seals to and opens from peers with this device's x25519 key, caching
// each peer's precomputed key, as protocol.Box does.
export class Box {
  constructor(curveSeed, randomBytes = nacl.randomBytes) {
    this.priv = decodeSeed("curve", curveSeed);
    this.pub = nacl.scalarMult.base(this.priv);
    this.rand = randomBytes;
    this.shared = new Map();
  }
  publicKey() { return encodeKey("curve", this.pub); }
  sharedKey(peerRaw) {
    const k = toHex(peerRaw);
    let key = this.shared.get(k);
    if (key) return key;
    // Refuse low-order points: their shared secret is known to everyone.
    const dh = nacl.scalarMult(this.priv, peerRaw);
    if (dh.every((x) => x === 0)) throw new ProtocolError("forged", "bad peer key");
    key = nacl.box.before(peerRaw, this.priv);
    if (this.shared.size >= 1024) this.shared.delete(this.shared.keys().next().value);
    this.shared.set(k, key);
    return key;
  }
  // seal encodes msg (an object, or a JSON string) and seals it for the peer.
  seal(kind, msg, peerCurvePub) {
    if (!(kind >= 1 && kind <= MAX_KIND)) throw malformed("unknown kind");
    const body = utf8(typeof msg === "string" ? msg : JSON.stringify(msg));
    if (body.length > MAX_MESSAGE) throw malformed(`message of ${body.length} bytes, at most ${MAX_MESSAGE}`);
    const peer = decodeKey("curve", peerCurvePub);
    if (peer[31] & 0x80) throw malformed("peer key not canonical");
    const key = this.sharedKey(peer);
    const nonce = this.rand(24);
    const plain = new Uint8Array(1 + body.length);
    plain[0] = kind;
    plain.set(body, 1);
    const boxed = nacl.box.after(plain, nonce, key);
    const out = new Uint8Array(HEADER + boxed.length);
    out[0] = 0x44; out[1] = 0x44; out[2] = VERSION; out[3] = kind;
    out.set(this.pub, 4);
    out.set(nonce, 36);
    out.set(boxed, HEADER);
    return out;
  }
  // open checks and opens an envelope: {kind, sender ("X..."), json (text)}.
  open(data) {
    const { kind, sender } = peek(data);
    let key;
    try { key = this.sharedKey(sender); } catch { throw new ProtocolError("forged", "box does not open"); }
    const plain = nacl.box.open.after(data.subarray(HEADER), data.subarray(36, HEADER), key);
    if (!plain) throw new ProtocolError("forged", "box does not open (tampered or forged)");
    if (plain.length < 1 || plain[0] !== kind) throw new ProtocolError("forged", "kind in the box differs");
    let json;
    try { json = td.decode(plain.subarray(1)); } catch { throw malformed("not UTF-8"); }
    return { kind, sender: encodeKey("curve", sender), json };
  }
}

// peek reads an envelope's header: {kind, sender (raw 32 bytes)}.
export function peek(data) {
  if (!(data instanceof Uint8Array)) throw malformed("not bytes");
  if (data.length < OVERHEAD) throw malformed(`envelope of ${data.length} bytes is too short`);
  if (data.length > MAX_ENVELOPE) throw malformed(`envelope of ${data.length} bytes is too long`);
  if (data[0] !== 0x44 || data[1] !== 0x44) throw malformed("not a deskdial envelope");
  if (data[2] !== VERSION) throw malformed(`envelope version ${data[2]}`);
  if (!(data[3] >= 1 && data[3] <= MAX_KIND)) throw malformed(`unknown kind ${data[3]}`);
  if (data[35] & 0x80) throw malformed("sender key not in canonical form");
  return { kind: data[3], sender: data.slice(4, 36) };
}
export const peekSender = (data) => encodeKey("curve", peek(data).sender);

// ---- messages ------------------------------------------------------------------
export function newMsgID() { return toHex(nacl.randomBytes(16)); }
const isMsgID = (s) => typeof s === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(s);
const isInt = (x) => Number.isSafeInteger(x);

// checkText accepts UTF-8 text of at most max bytes without control characters.
export function checkText(field, s, max, required) {
  if (s === undefined || s === null || s === "") {
    if (required) throw malformed(`${field} is missing`);
    return;
  }
  if (typeof s !== "string") throw malformed(`${field} is not text`);
  if (utf8(s).length > max) throw malformed(`${field} longer than ${max} bytes`);
  if (/[\p{Cc}\uFFFD]/u.test(s) || /[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))) {
    throw malformed(`${field} contains control characters`);
  }
}

// parseObject is protocol.Unmarshal: one JSON object of at most MAX_MESSAGE bytes.
export function parseObject(json) {
  if (utf8(json).length > MAX_MESSAGE) throw malformed("message too long");
  const t = json.trim();
  if (!t.startsWith("{")) throw malformed("not a JSON object");
  let o;
  try { o = JSON.parse(t); } catch (e) { throw malformed(`bad JSON: ${e.message}`); }
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw malformed("not a JSON object");
  return o;
}
function checkVersion(v) {
  if (v !== VERSION) throw new ProtocolError("unsupported_version", `unsupported version ${v} (this page speaks ${VERSION})`);
}
function checkWindow(issued, expires) {
  if (!isInt(issued) || issued <= 0) throw malformed("issued_at is missing");
  if (!isInt(expires) || expires <= issued) throw malformed("expires_at is not after issued_at");
  if (expires - issued > MAX_TTL_MS) throw malformed(`valid for ${expires - issued} ms, at most ${MAX_TTL_MS}`);
}
function checkDevice(field, s) {
  if (!isCanonicalID(s)) throw malformed(`${field} is not a canonical device ID`);
}

// decodeDial decodes and validates a dial request (not its time).
export function decodeDial(json) {
  const d = parseObject(json);
  checkVersion(d.v);
  if (!isMsgID(d.id)) throw malformed("id must be 1-64 letters, digits, '-' or '_'");
  checkWindow(d.issued_at, d.expires_at);
  checkDevice("from", d.from);
  checkDevice("to", d.to);
  checkText("target", d.target, MAX_TARGET, true);
  if (d.mode !== "call" && d.mode !== "prefill") throw malformed('mode must be "call" or "prefill"');
  return { v: 1, id: d.id, issued_at: d.issued_at, expires_at: d.expires_at, from: d.from, to: d.to, target: d.target, mode: d.mode };
}

// checkTime returns "expired", "not_yet_valid" or "" for a request at now (ms).
export function checkTime(issued, expires, now) {
  if (now > expires) return "expired";
  if (issued > now + MAX_SKEW_MS) return "not_yet_valid";
  return "";
}

// decodeReply decodes and validates a reply.
export function decodeReply(json) {
  const r = parseObject(json);
  checkVersion(r.v);
  if (!isMsgID(r.id)) throw malformed("bad id");
  if (typeof r.accepted !== "boolean" && r.accepted !== undefined) throw malformed("accepted is not a boolean");
  r.accepted = !!r.accepted;
  if (r.accepted && r.code) throw malformed("an accepted reply has no code");
  if (!r.accepted && !/^[a-z][a-z0-9_]{0,31}$/.test(r.code || "")) throw malformed("a refusal needs a code");
  checkText("reason", r.reason, MAX_REASON, false);
  checkText("number", r.number, 32, false);
  if (r.mode && r.mode !== "call" && r.mode !== "prefill") throw malformed("unknown mode");
  return r;
}

// Messages are built field by field in the order of the Go structs, with
// Go's omitempty, so both implementations write the same JSON.
export function makeReply(id, { accepted = false, code = "", reason = "", number = "", mode = "" } = {}) {
  const r = { v: VERSION, id, accepted };
  if (code) r.code = code;
  if (reason) r.reason = reason;
  if (number) r.number = number;
  if (mode) r.mode = mode;
  return r;
}
export function makeStatus(id, seq, state, at, from, reason = "") {
  const s = { v: VERSION, id, seq, state, at };
  if (reason) s.reason = reason;
  s.from = from;
  return s;
}
// makeAnnounce is protocol.NewAnnounce: the phone's word to a desktop that
// it came online ("online") or is leaving ("offline"), valid for 30 s.
export const ANNOUNCE_TTL_MS = 30000;
export function makeAnnounce(from, to, state, nowMs) {
  return { v: VERSION, id: newMsgID(), issued_at: nowMs, expires_at: nowMs + ANNOUNCE_TTL_MS, from, to, state };
}
export function makeDial(from, to, target, mode, nowMs, ttlMs = 30000) {
  return { v: VERSION, id: newMsgID(), issued_at: nowMs, expires_at: nowMs + ttlMs, from, to, target, mode };
}

// goJSON is JSON.stringify with Go's encoding/json escapes of <, > and &,
// U+2028 and U+2029, so digests over JSON text agree.
export function goJSON(v) {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

export const subjectDial = (prefix, phoneID) => `${prefix}.dial.${phoneID}`;
export const subjectStatus = (prefix, desktopID) => `${prefix}.status.${desktopID}`;
export const subjectPair = (prefix, desktopID) => `${prefix}.pair.${desktopID}`;
export const subjectRelay = (prefix, desktopID) => `${prefix}.relay.${desktopID}`;
export const subjectRelayed = (prefix, phoneID) => `${prefix}.relayed.${phoneID}`;

// ---- calling from this phone (through its desktop) ----------------------------
// A phone never sends another phone a dial request: it asks the desktop both
// are paired with (a relay request), which answers on the phone's relayed
// subject with a phone list, or a reply and then the called phone's states.

// makeRelay builds a relay request: op "phones" (list the desktop's other
// phones online) or "dial" (have phone call target). Field order and
// omissions as the Go struct's.
export function makeRelay(from, to, op, nowMs, { phone = "", target = "", mode = "" } = {}, ttlMs = 30000) {
  const r = { v: VERSION, id: newMsgID(), issued_at: nowMs, expires_at: nowMs + ttlMs, from, to, op };
  if (phone) r.phone = phone;
  if (target) r.target = target;
  if (mode) r.mode = mode;
  return r;
}

// decodeRelay is protocol.DecodeRelay (the desktop's side; the tests use it).
export function decodeRelay(json) {
  const r = parseObject(json);
  checkVersion(r.v);
  if (!isMsgID(r.id)) throw malformed("id must be 1-64 letters, digits, '-' or '_'");
  checkWindow(r.issued_at, r.expires_at);
  checkDevice("from", r.from);
  checkDevice("to", r.to);
  if (r.op === "phones") {
    if (r.phone || r.target || r.mode) throw malformed('a "phones" request has no phone, target or mode');
  } else if (r.op === "dial") {
    checkDevice("phone", r.phone);
    if (r.phone === r.from) throw malformed("a phone cannot ask itself to call");
    checkText("target", r.target, MAX_TARGET, true);
    if (r.mode !== "call" && r.mode !== "prefill") throw malformed('mode must be "call" or "prefill"');
  } else {
    throw malformed('op must be "phones" or "dial"');
  }
  return r;
}

// decodePhones decodes and validates the desktop's phone list.
export function decodePhones(json) {
  const l = parseObject(json);
  checkVersion(l.v);
  if (!isMsgID(l.id)) throw malformed("bad id");
  if (!Array.isArray(l.phones)) throw malformed("phones is not a list");
  if (l.phones.length > MAX_PHONES) throw malformed(`${l.phones.length} phones, at most ${MAX_PHONES}`);
  const phones = l.phones.map((e) => {
    if (e === null || typeof e !== "object") throw malformed("a phone is not an object");
    checkDevice("phones.id", e.id);
    checkName("phones.name", e.name);
    return { id: e.id, name: e.name };
  });
  return { v: VERSION, id: l.id, phones };
}

// decodeStatus decodes and validates a call state.
export function decodeStatus(json) {
  const s = parseObject(json);
  checkVersion(s.v);
  if (!isMsgID(s.id)) throw malformed("bad id");
  if (!isInt(s.seq) || s.seq < 0 || s.seq > 1 << 20) throw malformed("seq out of range");
  if (!["dialing", "alerting", "active", "ended", "failed", "prefilled"].includes(s.state)) throw malformed(`unknown state ${JSON.stringify(s.state)}`);
  if (!isInt(s.at) || s.at <= 0) throw malformed("at is missing");
  if (s.duration_ms !== undefined && (!isInt(s.duration_ms) || s.duration_ms < 0)) throw malformed("bad duration");
  checkText("reason", s.reason, MAX_REASON, false);
  checkDevice("from", s.from);
  return s;
}
export const finalState = (state) => state === "ended" || state === "failed" || state === "prefilled";

// checkName is textsafe.Check for a device name: at most 64 characters,
// no control or bidirectional formatting characters.
function checkName(field, s) {
  if (typeof s !== "string" || [...s].length > MAX_NAME || /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C\u2028\u2029\uFFFD]/u.test(s)) {
    throw malformed(`${field} is not a device name`);
  }
}
