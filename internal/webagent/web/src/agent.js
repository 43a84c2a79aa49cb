// The dial policy of the phone agent, applied in the browser exactly as
// internal/agent applies it (docs/protocol.md section 4, "Rules a phone
// applies"): sender, recipient, time window, replay, rate limit, then the
// target (MMI, premium-rate, emergency). The page never places a call: an
// accepted request becomes a Call button (a tel: link) the user taps, so
// every accepted request is answered as a prefill.
import * as p from "./protocol.js";
import { parse, short, isMMI, safeToAutoDial, formatInternational } from "./numbers.js";

export const UNKNOWN_ID = "unknown";
// REPLAY_WINDOW_MS is how long an id is remembered in real time, and how
// far back remembered ids are restored after a reload (MaxTTL + MaxSkew).
export const REPLAY_WINDOW_MS = p.MAX_TTL_MS + p.MAX_SKEW_MS;
const MAX_MMI = 32;

// mmiCode is agent.mmiCode: an allowed USSD/MMI code as digits, * and #.
export function mmiCode(target) {
  let s = target.trim();
  if (s.length >= 4 && s.slice(0, 4).toLowerCase() === "tel:") s = s.slice(4);
  try { s = decodeURIComponent(s); } catch { /* keep s */ }
  let out = "";
  for (const c of s) {
    if (/[0-9*#]/.test(c)) out += c;
    else if (c === "+" && out === "") out += c;
    else if (c !== " " && c !== "-") return null;
  }
  return out && out.length <= MAX_MMI ? out : null;
}

function looksLikeName(s) {
  let letters = 0, digits = 0;
  for (const c of s) {
    if (/\p{L}/u.test(c)) letters++;
    else if (/\p{Nd}/u.test(c)) digits++;
  }
  return letters > 0 && digits < 3;
}

const dur = (ms) => {
  ms = Math.abs(ms);
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Math.round(ms / 1000)}s`;
};

export class Agent {
  // ident: {id, curveSeed}; peers: [{id, name, role, signPub, curvePub}];
  // restored: [{id, at, expires, from}] ids taken on before a reload;
  // mark: the clock mark kept from before (ms), see advance.
  constructor({ ident, peers = [], region = "", allowMMI = false, ratePerMinute = 10,
    now = () => Date.now(), mono = () => performance.now(), restored = [], mark = 0, randomBytes } = {}) {
    this.ident = ident;
    this.box = new p.Box(ident.curveSeed, randomBytes);
    this.region = region;
    this.allowMMI = allowMMI;
    this.ratePerMinute = ratePerMinute;
    this.now = now;
    this.mono = mono;
    this.seen = new Map();
    this.rate = new Map();
    this.pruned = -Infinity;
    this.mark = mark;
    this.setPeers(peers);
    const m = this.advance(now());
    for (const r of restored) {
      const expires = r.expires || r.at + REPLAY_WINDOW_MS;
      if (expires >= m && !this.seen.has(r.id)) {
        // Contents unknown: any request with this id, even a retry, is a
        // replay (a second dial is not acceptable).
        this.seen.set(r.id, { expires, digest: null, from: r.from,
          reply: p.makeReply(r.id, { code: "replayed", reason: "a request with this id was already handled" }) });
      }
    }
  }

  // advance moves the clock mark, the latest wall-clock time this page has
  // seen, to now if that is later, and returns it. It never goes back, so a
  // clock set back cannot bring an expired request back to life.
  advance(now) {
    if (now > this.mark) this.mark = now;
    return this.mark;
  }

  setPeers(peers) {
    this.peers = new Map(peers.map((x) => [x.curvePub, x]));
  }

  seal(reply, curvePub) {
    try { return this.box.seal(p.KIND.reply, reply, curvePub); } catch { return null; }
  }

  // handle decides on one sealed message. It returns {reply (sealed bytes
  // or null), decision: {id, from, fromName, target, accepted, code,
  // reason, number, display, duplicate}, peer}.
  handle(data) {
    let opened;
    try {
      opened = this.box.open(data);
    } catch (e) {
      let sender;
      try { sender = p.peekSender(data); } catch {
        return { reply: null, decision: { accepted: false, code: "malformed", reason: "not a deskdial message" } };
      }
      const [code, reason] = e.code === "forged"
        ? ["forged", "the message was tampered with or not sealed by a paired desktop"]
        : ["malformed", "malformed message"];
      return { reply: this.seal(p.makeReply(UNKNOWN_ID, { code, reason }), sender), decision: { accepted: false, code, reason } };
    }
    const peer = this.peers.get(opened.sender);
    if (opened.kind !== p.KIND.dial) {
      const reason = opened.kind === p.KIND.hangup ? "this phone cannot hang up: the call is on the phone's own dialer" : "unexpected message kind";
      const code = opened.kind === p.KIND.hangup ? "unknown_call" : "malformed";
      return { reply: this.seal(p.makeReply(UNKNOWN_ID, { code, reason }), opened.sender), decision: { accepted: false, code, reason } };
    }
    let req;
    try {
      req = p.decodeDial(opened.json);
    } catch {
      const reason = "malformed dial request";
      return { reply: this.seal(p.makeReply(UNKNOWN_ID, { code: "malformed", reason }), opened.sender),
        decision: { accepted: false, code: "malformed", reason } };
    }
    const digest = [req.from, req.target, req.mode, req.issued_at, req.expires_at].join("\0");
    const d = this.decide(req, peer, digest);
    if (d.slot) d.slot.reply = d.reply;
    const decision = { id: req.id, from: peer ? peer.id : "", fromName: peer ? peer.name : "", target: req.target, mode: req.mode,
      accepted: d.reply.accepted, code: d.reply.code || "", reason: d.reply.reason || "", number: d.reply.number || "",
      display: d.display || "", duplicate: !!d.dup, expires: req.expires_at, remembered: !!d.slot };
    return { reply: this.seal(d.reply, opened.sender), decision, peer, request: req };
  }

  decide(req, peer, digest) {
    const no = (code, reason) => ({ reply: p.makeReply(req.id, { code, reason }) });
    if (!peer || peer.role !== "desktop") return no("unknown_sender", "this phone is not paired with the sending desktop");
    if (req.from !== peer.id) return no("forged", "the request names a sender other than the desktop that sealed it");
    if (req.to !== this.ident.id) return no("wrong_recipient", "the request is for another phone");
    const now = this.now();
    const mark = this.advance(now);
    if (now > req.expires_at) {
      return no("expired", `the request expired ${dur(now - req.expires_at)} ago, nothing was dialled (check both clocks if this repeats)`);
    }
    // The clock mark is the latest time this page's clock has shown: a
    // request expired by it, or issued longer than the allowed skew before
    // it, is not current whatever the clock says now (it was set back).
    // Such requests are refused for good, so the replay memory need not
    // keep them.
    if (!(mark > now) && req.issued_at < now - p.MAX_SKEW_MS) {
      return no("expired", `the request was issued ${dur(now - req.issued_at)} ago, more than the ${p.MAX_SKEW_MS / 1000}s allowed; nothing was dialled (check both clocks if this repeats)`);
    }
    if (mark > req.expires_at || req.issued_at < mark - p.MAX_SKEW_MS) {
      return no("expired", `the request was issued at ${new Date(req.issued_at).toISOString()}, before this phone's clock last read ${new Date(mark).toISOString()}; nothing was dialled`);
    }
    this.prune(mark);
    const s = this.seen.get(req.id);
    if (s) {
      if (s.digest !== null && s.digest === digest && s.from === peer.id) return { reply: s.reply, dup: true };
      return no("replayed", "a request with this id was already handled");
    }
    // The id is taken before anything else is decided: the same id later
    // is a retry (the same answer) or a replay.
    const slot = { expires: req.expires_at, digest, from: peer.id, reply: null };
    this.seen.set(req.id, slot);
    const out = ((r) => ({ ...r, slot }));
    if (req.issued_at > now + p.MAX_SKEW_MS) {
      return out(no("not_yet_valid", `the request was issued ${dur(req.issued_at - now)} in this phone's future; the clocks differ too much`));
    }
    // Rate limit per desktop over a sliding minute of real time.
    const m = this.mono();
    const win = (this.rate.get(peer.id) || []).filter((x) => m - x < 60000);
    if (win.length >= this.ratePerMinute) {
      this.rate.set(peer.id, win);
      return out(no("rate_limited", `more than ${this.ratePerMinute} requests a minute from this desktop`));
    }
    win.push(m);
    this.rate.set(peer.id, win);
    return out(this.target(req));
  }

  // target applies the number rules; the page only ever prefills.
  target(req) {
    const no = (code, reason) => ({ reply: p.makeReply(req.id, { code, reason }) });
    const yes = (number, display) => ({ reply: p.makeReply(req.id, { accepted: true, number, mode: "prefill" }), display });
    if (isMMI(req.target)) {
      if (!this.allowMMI) {
        return no("mmi", "USSD/MMI codes (* and #) are not dialled; allow them in the phone's settings to have them filled in");
      }
      const code = mmiCode(req.target);
      if (!code) return no("mmi", `${JSON.stringify(req.target)} is not a USSD/MMI code this phone fills in (digits, * and #, at most ${MAX_MMI})`);
      return yes(code, code);
    }
    let n = null;
    try { n = parse(req.target, this.region); } catch { /* decided below */ }
    // A short code (emergency or service number) has no E.164 form: it is
    // only ever filled in, as its digits, for the phone's own dialer to
    // route; never called from a request. The desktop's region may not be
    // the phone's, so what is no number here is checked against all regions.
    let sc = short(req.target, this.region);
    if (!sc && !n) sc = short(req.target, "");
    if (sc) {
      if (req.mode === "prefill") return yes(sc.digits, sc.digits);
      if (sc.emergency) return no("emergency", `${sc.digits} is an emergency number, not dialled automatically; call it from the phone`);
      return no("premium", `${sc.digits} is a short code (a service number), not dialled automatically; send it with --prefill to confirm on the phone`);
    }
    if (!n) {
      if (looksLikeName(req.target)) {
        return no("contact_name", `${JSON.stringify(req.target)} looks like a contact name; the browser cannot look names up, send a number`);
      }
      return no("not_a_number", `${JSON.stringify(req.target)} is not a phone number`);
    }
    // The page never calls by itself: the user taps the button. Numbers
    // that must not be dialled without a look (premium-rate, emergency)
    // are refused for a "call" request all the same, as the Go agent
    // does, so the desktop's user learns why and decides again.
    if (req.mode === "call" && !safeToAutoDial(n)) {
      if (n.type === "emergency") return no("emergency", "emergency number, not dialled automatically; send with --prefill and call from the phone");
      if (n.type === "premium") return no("premium", "premium-rate number, not dialled automatically; send with --prefill to confirm on the phone");
      return no("premium", `${n.type} number, not dialled automatically; send with --prefill to confirm on the phone`);
    }
    return yes(n.e164, n.type === "emergency" ? n.e164 : formatInternational(n.e164));
  }

  // prune forgets ids whose requests expired by the clock mark: those are
  // refused as expired whatever the clock says later. At most once a
  // second of real time.
  prune(mark) {
    const m = this.mono();
    if (m - this.pruned < 1000) return;
    this.pruned = m;
    for (const [id, s] of this.seen) {
      if (mark > s.expires) this.seen.delete(id);
    }
  }

  // status seals a call state for the desktop: {subject, data}.
  status(prefix, peer, id, seq, state, reason = "") {
    const st = p.makeStatus(id, seq, state, this.now(), this.ident.id, reason);
    return { subject: p.subjectStatus(prefix, peer.id), data: this.box.seal(p.KIND.status, st, peer.curvePub) };
  }

  // announce seals the phone's word to a desktop that it came online
  // (online true: it listens on its dial subject now) or is leaving:
  // {subject, data} (docs/protocol.md section 6, "Announcements").
  announce(prefix, peer, online) {
    const a = p.makeAnnounce(this.ident.id, peer.id, online ? "online" : "offline", this.now());
    return { subject: p.subjectStatus(prefix, peer.id), data: this.box.seal(p.KIND.announce, a, peer.curvePub) };
  }
}
