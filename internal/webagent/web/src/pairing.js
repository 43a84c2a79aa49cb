// Pairing on the phone side (docs/protocol.md section 7): read and check an
// offer, answer it with a join that proves the offer's secret and the
// phone's key, and check the desktop's accept. The Go reference is
// internal/pairing and agent.Pair.
import * as p from "./protocol.js";

export const OFFER_TTL_S = 600;
const CLOCK_SKEW_S = 120;
const MAX_OFFER = 4096;
const MAX_SERVERS = 8;
const MAX_LOGIN = 2048;
export const MAX_CAPS = 2048;

export class PairError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
const bad = (m) => new PairError("bad_offer", `This pairing code cannot be used: ${m}.`);

// fields encodes a label and each field as uvarint(length) + bytes.
export function fields(label, ...fs) {
  const parts = [p.utf8(label)];
  for (const f of fs) {
    const b = typeof f === "string" ? p.utf8(f) : f;
    let n = b.length;
    const v = [];
    while (n >= 0x80) { v.push((n & 0x7f) | 0x80); n >>>= 7; }
    v.push(n);
    parts.push(Uint8Array.from(v), b);
  }
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of parts) { out.set(b, o); o += b.length; }
  return out;
}

// validName is device.ValidateName: 1-64 printable characters, no space
// at either end.
export function validName(name) {
  if (typeof name !== "string" || name === "" || name.trim() !== name) return false;
  if ([...name].length > p.MAX_NAME) return false;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u.test(name);
}

function checkServer(s) {
  if (!s || p.utf8(s).length > 256) throw bad("a server address is empty or too long");
  let u;
  try { u = new URL(s); } catch { throw bad(`server ${s} is not a URL`); }
  if (!["nats:", "tls:", "ws:", "wss:"].includes(u.protocol)) throw bad(`server ${s}: scheme must be nats, tls, ws or wss`);
  if (!u.host) throw bad(`server ${s} is not a URL`);
  if (u.username || u.password) throw bad(`server ${s} carries credentials`);
}

// offerDigest is Offer.Digest: SHA-256 over every field of the offer. Its
// first 5 bytes are the checksum (typos); the join and accept proofs cover
// all of it (changes on the way).
export async function offerDigest(o) {
  const fs = [o.id, o.name, o.signPub, o.curvePub, String(o.servers.length), ...o.servers, o.fp, o.secret, String(o.expires)];
  if (o.login) fs.push("login", o.login);
  return p.sha256(fields("deskdial-offer-v1", ...fs));
}

// parseOffer reads an offer URI (deskdial://pair?...) and checks it at now
// (ms). It returns {id, name, signPub, curvePub, servers, fp, secret,
// expires (s), login, offerID}.
export async function parseOffer(uri, now = Date.now()) {
  uri = String(uri).trim();
  if (p.utf8(uri).length > MAX_OFFER) throw bad("it is too long");
  let u;
  try { u = new URL(uri); } catch { throw bad("it is not a deskdial pairing link"); }
  if (u.protocol.toLowerCase() !== "deskdial:" || u.host.toLowerCase() !== "pair" || (u.pathname !== "" && u.pathname !== "/")) {
    throw bad("it must start with deskdial://pair?");
  }
  const q = new URLSearchParams(u.search);
  const one = (k, required) => {
    const v = q.getAll(k);
    if (v.length > 1) throw bad(`parameter ${k} is given ${v.length} times`);
    if (v.length === 0 && required) throw bad(`parameter ${k} is missing (was the code cut off?)`);
    return v.length ? v[0] : "";
  };
  if (one("v", true) !== "1") throw bad("it is of another version; update deskdial on the computer or reload this page");
  const o = {
    name: one("n", true), signPub: one("k", true), curvePub: one("x", true), servers: q.getAll("s"),
    fp: one("fp", false).replace(/:/g, "").toLowerCase(), login: one("l", false),
  };
  try { o.id = p.parseID(one("id", true)); } catch (e) { throw bad(`desktop ID: ${e.message}`); }
  let secret;
  try { secret = p.base32Decode(one("t", true).toUpperCase()); } catch { secret = null; }
  if (!secret || secret.length !== 16) throw bad("its secret is not 16 bytes of base32");
  o.secret = secret;
  const e = one("e", true);
  if (!/^[0-9]{1,13}$/.test(e) || Number(e) <= 0 || Number(e) > 2 ** 40) throw bad("its expiry is not a time");
  o.expires = Number(e);
  const c = one("c", true);
  if (!validName(o.name)) throw bad("the desktop name is not 1-64 printable characters");
  let signID;
  try { signID = await p.deviceID(o.signPub); } catch { throw bad("the desktop signing key is not an nkeys user key"); }
  if (signID !== o.id) throw bad("the desktop ID does not belong to its key");
  if (!p.isCurveKey(o.curvePub)) throw bad("the desktop curve key is not an nkeys curve key");
  if (o.servers.length > MAX_SERVERS) throw bad(`it names more than ${MAX_SERVERS} servers`);
  o.servers.forEach(checkServer);
  if (o.fp && !/^[0-9a-f]{64}$/.test(o.fp)) throw bad("the certificate fingerprint is not a SHA-256 in hex");
  if (o.login.length > MAX_LOGIN || /[^A-Za-z0-9\-_.]/.test(o.login)) throw bad("its pairing login is not a JWT");
  o.digest = await offerDigest(o);
  if (c.toUpperCase() !== p.base32Encode(o.digest.subarray(0, 5))) throw bad("its checksum does not match: it was mistyped or changed; scan the QR code again");
  if (now > o.expires * 1000) {
    throw new PairError("expired", `This pairing code expired at ${new Date(o.expires * 1000).toLocaleTimeString()}; open the pairing window on the computer again.`);
  }
  if (o.expires * 1000 > now + (OFFER_TTL_S + CLOCK_SKEW_S) * 1000) {
    throw bad("it claims to be valid for longer than any code is (check this phone's clock)");
  }
  o.offerID = p.toHex((await p.sha256(o.secret)).subarray(0, 8));
  return o;
}

// formatFP groups a fingerprint for people to compare: "ab:cd:...".
export const formatFP = (fp) => (fp.match(/../g) || []).join(":").toUpperCase();

// joinSigned is what a join's proof and signature cover (J): its fields
// and the digest of the offer as this phone read it.
export function joinSigned(o, ident, name, capsJSON) {
  return fields("deskdial-pair-join-v2", o.offerID, o.id, ident.id, name, ident.signPub, ident.curvePub, capsJSON, o.digest);
}

// makeJoin answers offer o as the phone identity ident ({id, signPub,
// curvePub, sign(bytes) -> Uint8Array}), named name, with caps (an object).
export async function makeJoin(o, ident, name, caps) {
  if (!validName(name)) throw new PairError("bad_name", "The phone's name must be 1-64 printable characters.");
  const capsJSON = caps ? JSON.stringify(caps) : "";
  if (p.utf8(capsJSON).length > MAX_CAPS) throw new PairError("bad_caps", "capabilities too large");
  const j = { v: p.VERSION, offer: o.offerID, phone_id: ident.id, name, sign_pub: ident.signPub, curve_pub: ident.curvePub };
  const msg = joinSigned(o, ident, name, capsJSON);
  const out = { ...j };
  if (capsJSON) out.caps = caps;
  out.proof = p.toBase64(await p.hmacSHA256(o.secret, msg));
  out.sig = p.toBase64(ident.sign(msg));
  return out;
}

// verifyAccept checks the desktop's accept (opened from an envelope
// sealed by the offer's curve key) and returns it.
export async function verifyAccept(o, json) {
  const a = p.parseObject(json);
  if (a.v !== p.VERSION) throw new PairError("bad_accept", "the desktop answered in another protocol version");
  if (a.desktop_id !== o.id || a.offer !== o.offerID) throw new PairError("bad_accept", "the answer is for another desktop or pairing code");
  const fs = [a.offer, a.desktop_id, a.phone_id, a.name, a.server || "", a.creds || ""].map((x) => (typeof x === "string" ? x : ""));
  // The proof covers the digest of the offer the desktop showed: an offer
  // changed on the way (server, fingerprint, keys) does not verify.
  const want = await p.hmacSHA256(o.secret, fields("deskdial-pair-accept-v2", ...fs, o.digest));
  let got;
  try { got = p.fromBase64(a.proof); } catch { got = null; }
  if (!p.equalBytes(got, want)) {
    throw new PairError("bad_proof", "the desktop showed another pairing code than this one, so it was changed on the way; do not use it, make a new one on the computer");
  }
  if (a.server) checkServer(a.server);
  if (a.creds && !validJWT(a.creds)) throw new PairError("bad_accept", "the relay credentials in the answer are not a JWT");
  return a;
}

// pairingLoginSeed is the seed ("SU...") of an offer's relay pairing login
// (mint.PairingKey): derived from the offer's secret, so the login JWT in
// the offer is worth nothing without it.
export async function pairingLoginSeed(secret) {
  const raw = await p.sha256(concat(p.utf8("deskdial-pair-login-v1"), secret));
  return p.encodeSeed("user", raw);
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// validJWT accepts the characters of a JWT, at most MAX_LOGIN bytes.
export const validJWT = (s) => typeof s === "string" && s.length > 0 && s.length <= MAX_LOGIN && /^[A-Za-z0-9\-_.]+$/.test(s);
