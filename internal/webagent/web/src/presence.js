// Presence: what the phone tells desktops that list phones (docs/protocol.md
// section 6), as NATS micro service metadata, signed with the phone's key
// so that nobody else on the relay can answer in its name.
import { toBase64 } from "./protocol.js";
import { fields } from "./pairing.js";

// signedPresence returns the metadata of a phone that places no calls
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
