// Presence: what the phone tells desktops that list phones (docs/protocol.md
// section 6). A desktop sends an empty request on the phone's dial subject
// (a presence ping); the phone answers with its presence, one JSON object
// of strings, signed with the phone's key so that nobody else on the relay
// can answer in its name. This is how the Go phone agent answers too: no
// discovery service, one subscription per phone.
import { toBase64 } from "./protocol.js";
import { fields } from "./pairing.js";

// MAX_ANSWER is the most a desktop reads of a presence answer.
export const MAX_ANSWER = 4096;

// signedPresence returns the presence of a phone that places no calls
// itself (the page: the user taps the button), with its signature.
export function signedPresence(ident, { name, backend, version }) {
  const m = {
    id: ident.id, name, backend, places_calls: "false", reports_states: "false", can_hangup: "false", version,
  };
  const msg = fields("deskdial-presence-v1", m.id, m.name, m.backend, m.places_calls, m.reports_states, m.can_hangup, m.version);
  m.sig = toBase64(ident.sign(msg));
  // Not signed, and not needed by desktops: says what the page does.
  m.prefill = "true";
  return m;
}

// isPresencePing reports whether a request on the dial subject is a
// presence ping: it is empty (no envelope is).
export function isPresencePing(data) {
  return !data || data.length === 0;
}

// presenceAnswer is the answer to a presence ping: the signed presence as
// JSON bytes.
export function presenceAnswer(ident, opts) {
  const b = new TextEncoder().encode(JSON.stringify(signedPresence(ident, opts)));
  if (b.length > MAX_ANSWER) throw new Error(`presence of ${b.length} bytes is longer than desktops read`);
  return b;
}
