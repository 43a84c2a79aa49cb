// The phone's keys: an ed25519 signing key (its NATS nkey login too) and an
// x25519 sealing key, made with the NATS nkeys library, as internal/device
// makes them.
import { createUser, createCurve, fromSeed } from "@nats-io/nkeys";
import { deviceID } from "./protocol.js";

const td = new TextDecoder();
const te = new TextEncoder();

// createIdentity makes fresh keys: {signSeed, curveSeed}.
export function createIdentity() {
  return { signSeed: td.decode(createUser().getSeed()), curveSeed: td.decode(createCurve().getSeed()) };
}

// loadIdentity completes stored seeds with the public keys, the device ID
// and a sign function.
export async function loadIdentity({ signSeed, curveSeed }) {
  const kp = fromSeed(te.encode(signSeed));
  const ck = fromSeed(te.encode(curveSeed));
  const signPub = kp.getPublicKey();
  return {
    signSeed, curveSeed, signPub, curvePub: ck.getPublicKey(), id: await deviceID(signPub),
    sign: (msg) => kp.sign(msg),
  };
}
