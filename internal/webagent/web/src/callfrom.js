// Calling from this page on another phone of the user: the page never sends
// a phone a dial request itself (it may not even reach one); it asks the
// desktop both are paired with (a relay request, docs/protocol.md section
// 4), which checks it and sends the phone a dial request of its own. The
// answers come back sealed by the desktop on this phone's relayed subject.
import * as p from "./protocol.js";
import { parse, isMMI, safeToAutoDial, formatInternational } from "./numbers.js";

// How long the page waits for its desktop's answer; the request itself
// expires then, so a late one is never acted on.
export const ANSWER_MS = 15000;

// checkNumber reads what the user typed with the generated number table:
// the E.164 number to send and how to show it, or an Error that says what
// to type instead. Numbers no phone dials on request (premium-rate,
// shared-cost, emergency) and USSD codes are not sent at all.
export function checkNumber(input, region = "") {
  const s = String(input || "").trim();
  if (s === "") throw new Error("Type the number to call.");
  if (isMMI(s)) throw new Error("Codes with * or # are not sent to another phone: type them on that phone.");
  let n;
  try {
    n = parse(s, region);
  } catch {
    throw new Error(region ? `${s} is not a phone number.` : `${s} is not a phone number: type it with its country code, such as +49 30 1234567.`);
  }
  const display = n.type === "emergency" ? n.e164 : formatInternational(n.e164);
  if (!safeToAutoDial(n)) {
    const what = n.type === "emergency" ? "an emergency number" : n.type === "premium" ? "a premium-rate number" : `a ${n.type} number`;
    throw new Error(`${display} is ${what}: it is not called on request; call it on that phone itself.`);
  }
  return { e164: n.e164, display };
}

// Caller makes this phone's relay requests and reads the desktop's answers.
// Only an answer sealed by the desktop a request went to, naming that
// request's id, counts; a call's states count only when the desktop says
// they are from the phone asked.
export class Caller {
  constructor({ ident, now = () => Date.now() }) {
    this.ident = ident;
    this.box = new p.Box(ident.curveSeed);
    this.now = now;
    this.pending = new Map(); // request id -> {op, desktop, phone, replied, seq, final}
  }

  // list makes the request for desktop's other phones: {subject, data, id}.
  list(prefix, desktop) {
    return this.#request(prefix, desktop, "phones", {});
  }

  // dial makes the request that phone ({id, name}) calls e164.
  dial(prefix, desktop, phone, e164) {
    return this.#request(prefix, desktop, "dial", { phone: phone.id, target: e164, mode: "call" }, phone);
  }

  #request(prefix, desktop, op, fields, phone = null) {
    const now = this.now();
    const req = p.makeRelay(this.ident.id, desktop.id, op, now, fields, ANSWER_MS);
    this.pending.set(req.id, { op, desktop, phone, expires: now + ANSWER_MS, replied: false, next: 0, final: false });
    return { id: req.id, subject: p.subjectRelay(prefix, desktop.id), data: this.box.seal(p.KIND.relay, req, desktop.curvePub) };
  }

  // forget drops a request the page gave up on.
  forget(id) { this.pending.delete(id); }

  // handle opens one message from the relayed subject. It returns
  //   {type: "phones", id, desktop, phones}
  //   {type: "reply", id, desktop, phone, reply}
  //   {type: "state", id, desktop, phone, status}
  // or null for anything that is not an answer to a request of this page.
  handle(data) {
    let o;
    try { o = this.box.open(data); } catch { return null; }
    let msg;
    try {
      if (o.kind === p.KIND.phones) msg = p.decodePhones(o.json);
      else if (o.kind === p.KIND.reply) msg = p.decodeReply(o.json);
      else if (o.kind === p.KIND.status) msg = p.decodeStatus(o.json);
      else return null;
    } catch { return null; }
    const req = this.pending.get(msg.id);
    if (!req || req.desktop.curvePub !== o.sender) return null;
    const base = { id: msg.id, desktop: req.desktop, phone: req.phone };
    if (o.kind === p.KIND.phones) {
      if (req.op !== "phones") return null;
      this.pending.delete(msg.id);
      return { ...base, type: "phones", phones: msg.phones.filter((x) => x.id !== this.ident.id) };
    }
    if (o.kind === p.KIND.reply) {
      if (req.replied) return null;
      req.replied = true;
      if (!msg.accepted || req.op !== "dial" || req.final) this.pending.delete(msg.id);
      return { ...base, type: "reply", reply: msg };
    }
    // A state: from the phone asked, in order, once each.
    if (req.op !== "dial" || msg.from !== req.phone.id || msg.seq < req.next || req.final) return null;
    req.next = msg.seq + 1;
    if (p.finalState(msg.state)) {
      req.final = true;
      if (req.replied) this.pending.delete(msg.id);
    }
    return { ...base, type: "state", status: msg };
  }
}

// stateText says a call's state in the user's words.
export function stateText(phoneName, st) {
  switch (st.state) {
    case "prefilled": return `${phoneName} shows the number: tap Call there.`;
    case "dialing": return `${phoneName} is dialling…`;
    case "alerting": return `${phoneName}: ringing…`;
    case "active": return `${phoneName}: call in progress.`;
    case "ended": return `${phoneName}: call ended.`;
    case "failed": return `${phoneName}: the call failed${st.reason ? ": " + st.reason : ""}.`;
  }
  return `${phoneName}: ${st.state}`;
}
