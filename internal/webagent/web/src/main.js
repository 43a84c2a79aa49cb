// The phone agent in the browser: pairs from the pairing link, stays
// connected to the desktop's NATS server over WebSocket, and turns each
// dial request that passes the policy into one big Call button.
import { wsconnect, nkeyAuthenticator, jwtAuthenticator, usernamePasswordAuthenticator } from "@nats-io/nats-core";
import * as p from "./protocol.js";
import { Agent, REPLAY_WINDOW_MS } from "./agent.js";
import { parseOffer, makeJoin, verifyAccept, formatFP, validName, pairingLoginSeed } from "./pairing.js";
import { isPresencePing, presenceAnswer } from "./presence.js";
import { createIdentity, loadIdentity } from "./identity.js";
import { openStore } from "./store.js";
import { Caller, checkNumber, stateText, ANSWER_MS } from "./callfrom.js";

const PREFIX = "deskdial";
const VERSION = "1.0.0";
const MAX_RECENT = 20;
const $ = (id) => document.getElementById(id);

const state = { store: null, ident: null, name: "", peers: [], recent: [], agent: null, conns: new Map(), dialSubs: new Map(), decided: [] };

// defaultName names the phone after its browser and system, as people
// would: "Chrome on Android", "Safari on iPhone".
function defaultName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /iPhone/.test(ua) ? "iPhone" : /iPad/.test(ua) ? "iPad" : /Android/.test(ua) ? "Android" : /Linux/.test(ua) ? "Linux" : /Mac OS/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : "";
  return os ? `${browser} on ${os}` : browser;
}

function setState(text, cls) {
  const s = $("state");
  s.textContent = text;
  s.className = "state " + (cls || "");
}

function show(id, on) { $(id).hidden = !on; }

async function boot() {
  state.store = await openStore();
  let seeds = await state.store.get("identity");
  if (!seeds) {
    seeds = createIdentity();
    await state.store.set("identity", seeds);
  }
  state.ident = await loadIdentity(seeds);
  state.name = (await state.store.get("name")) || defaultName();
  state.peers = (await state.store.get("peers")) || [];
  state.recent = (await state.store.get("recent")) || [];
  // No region unless the user sets one: a national number is then refused
  // rather than placed in a guessed country (desktops send E.164 anyway).
  state.region = (await state.store.get("region")) || "";
  const mark = (await state.store.get("mark")) || 0;
  const decided = ((await state.store.get("decided")) || []).filter((d) => (d.expires || d.at + REPLAY_WINDOW_MS) >= Math.max(mark, Date.now()));
  state.decided = decided;
  state.agent = new Agent({ ident: state.ident, peers: state.peers, region: state.region, restored: decided, mark });
  $("phone-id").textContent = state.ident.id;
  $("name").value = state.name;
  $("name-save").onclick = saveName;
  $("call-dismiss").onclick = () => show("incoming", false);
  renderPeers();
  renderRecent();
  state.caller = new Caller({ ident: state.ident });
  $("dial-form").onsubmit = (e) => { e.preventDefault(); callOnPhone(); };
  $("dial-refresh").onclick = listPhones;
  // Phones come and go: the list is asked for again while the page is in
  // front, and whenever it comes back to the front.
  setInterval(() => { if (document.visibilityState === "visible") listPhones(); }, 60000);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") listPhones(); });
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }
  document.addEventListener("visibilitychange", keepAwake);
  // Closing the tab (or the browser) is a clean stop: the desktops hear
  // that the phone left. A page kept in the back/forward cache comes back
  // with its connections closed: it starts again.
  addEventListener("pagehide", leaveAll);
  addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
  const offer = decodeURIComponent(location.hash.slice(1));
  if (offer.startsWith("deskdial:")) {
    await showOffer(offer);
  } else if (state.peers.length === 0) {
    show("unpaired", true);
    setState("Not paired", "offline");
  }
  if (state.peers.length > 0) {
    show("settings", true);
    connectAll();
  }
}

// ---- pairing -----------------------------------------------------------------
async function showOffer(uri) {
  show("pair", true);
  if (state.peers.length === 0) setState("Not paired yet");
  $("pair-name").value = state.name;
  let o;
  try {
    o = await parseOffer(uri);
  } catch (e) {
    pairError(e.message);
    $("pair-button").disabled = true;
    return;
  }
  $("pair-desktop").textContent = o.name;
  $("pair-fp").textContent = o.fp ? formatFP(o.fp) : "(the server has a public certificate)";
  $("pair-button").onclick = () => pair(o);
}

function pairError(msg) {
  const e = $("pair-error");
  e.textContent = msg;
  e.hidden = !msg;
}

// pageServer is where the page reaches NATS: the page's own origin when it
// is served by the desktop (offers with a pinned certificate), else the
// first wss:// address the offer names (a hosted relay).
function pageServer(servers, fp) {
  if (fp || servers.length === 0) return `wss://${location.host}/nats`;
  return servers.find((s) => s.startsWith("wss://")) || `wss://${location.host}/nats`;
}

async function pair(o) {
  pairError("");
  const name = $("pair-name").value.trim();
  if (!validName(name)) return pairError("The name must be 1 to 64 printable characters.");
  $("pair-button").disabled = true;
  setState("Pairing…");
  const server = pageServer(o.servers, o.fp);
  const enc = new TextEncoder();
  let auth;
  if (o.fp || o.servers.length === 0) {
    // The desktop's embedded server: its pairing-only login.
    auth = usernamePasswordAuthenticator("deskdial-pair", o.id);
  } else if (o.login) {
    // A hosted relay: the offer's login, with the key only the secret gives.
    auth = jwtAuthenticator(o.login, enc.encode(await pairingLoginSeed(o.secret)));
  } else {
    pairError("This pairing code is for a relay this page cannot log in to; pair with the deskdial app instead.");
    $("pair-button").disabled = false;
    return;
  }
  let nc;
  try {
    const box = new p.Box(state.ident.curveSeed);
    const join = await makeJoin(o, state.ident, name, { backend: "browser", places_calls: false, reports_states: false, can_hangup: false, prefill: true });
    const sealed = box.seal(p.KIND.pairJoin, join, o.curvePub);
    nc = await wsconnect({ servers: server, authenticator: auth,
      inboxPrefix: "_INBOX_pair", name: "deskdial pairing (browser)", timeout: 10000 });
    const m = await nc.request(p.subjectPair(PREFIX, o.id), sealed, { timeout: 8000 });
    const got = box.open(m.data);
    if (got.sender !== o.curvePub) throw new Error(`the answer was not sealed by ${o.name}`);
    if (got.kind === p.KIND.reply) {
      const r = p.decodeReply(got.json);
      throw new Error(`${o.name} refused: ${r.reason || r.code}`);
    }
    if (got.kind !== p.KIND.pairAccept) throw new Error("unexpected answer");
    const a = await verifyAccept(o, got.json);
    const peer = { id: o.id, name: o.name, role: "desktop", signPub: o.signPub, curvePub: o.curvePub, fp: o.fp,
      server: a.server && a.server.startsWith("wss://") ? a.server : server, creds: a.creds || "", addedAt: Date.now() };
    state.peers = state.peers.filter((x) => x.id !== peer.id).concat([peer]);
    await state.store.set("peers", state.peers);
    state.name = name;
    await state.store.set("name", name);
    $("name").value = name;
    state.agent.setPeers(state.peers);
    // The offer's secret must not stay in the address bar or history.
    history.replaceState(null, "", "/");
    show("pair", false);
    show("unpaired", false);
    show("settings", true);
    renderPeers();
    connectAll();
  } catch (e) {
    const msg = /TIMEOUT|timeout/i.test(String(e.message)) ? `${o.name} did not answer: is its pairing window still open?`
      : /no responders|503/i.test(String(e.message)) ? `${o.name} is not waiting for a phone: open its pairing window again.`
      : String(e.message || e);
    pairError(`Pairing failed: ${msg}`);
    setState("Not paired", "offline");
    $("pair-button").disabled = false;
  } finally {
    if (nc) nc.close().catch(() => {});
  }
}

// ---- the agent's connections ---------------------------------------------------
function connectAll() {
  for (const peer of state.peers) {
    const s = serverOf(peer);
    if (!state.conns.has(s)) runConn(s, peer.creds || "");
  }
}

// runConn keeps one server connected for ever: nats.js reconnects a
// dropped connection itself; a connection it gives up on (or a first one
// that fails) is tried again here, with a growing pause.
async function runConn(server, creds) {
  state.conns.set(server, null);
  let wait = 1000;
  for (;;) {
    let nc;
    try {
      setState("Connecting…");
      nc = await wsconnect({
        servers: server,
        // A hosted relay knows the phone by the JWT its desktop issued
        // while pairing; the embedded server by its nkey.
        authenticator: creds ? jwtAuthenticator(creds, new TextEncoder().encode(state.ident.signSeed))
          : nkeyAuthenticator(new TextEncoder().encode(state.ident.signSeed)),
        inboxPrefix: `_INBOX_${state.ident.id}`, name: `deskdial phone ${state.name}`,
        reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 1000, reconnectJitter: 1000,
        pingInterval: 10000, maxPingOut: 2, timeout: 10000,
      });
      state.conns.set(server, nc);
      wait = 1000;
      setState("Connected", "online");
      keepAwake();
      serve(nc, server);
      // Listening now: the desktops on this server hear it at once, as
      // after every reconnect (nats.js has subscribed again by then).
      announce(nc, server, true);
      listPhones();
      (async () => {
        for await (const s of nc.status()) {
          if (s.type === "disconnect") setState("Reconnecting…", "offline");
          else if (s.type === "reconnect") {
            setState("Connected", "online");
            announce(nc, server, true);
          }
        }
      })().catch(() => {});
      const err = await nc.closed();
      setState(err && isAuthError(err) ? FORGOTTEN : `Disconnected${err ? ": " + err.message : ""}`, "offline");
    } catch (e) {
      setState(isAuthError(e) ? FORGOTTEN : `Cannot reach the computer; trying again in ${Math.round(wait / 1000)} s`, "offline");
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 30000);
  }
}

// serverOf is the server a paired desktop is reached on (connectAll).
const serverOf = (peer) => peer.server || `wss://${location.host}/nats`;

// announce tells the desktops reached on server that this phone came
// online or is leaving (docs/protocol.md section 6, "Announcements"), so
// their menus show it at once instead of at their next listing. Best
// effort: a desktop that misses it finds the phone when it next asks.
function announce(nc, server, online) {
  for (const peer of state.peers) {
    if (peer.role !== "desktop" || serverOf(peer) !== server) continue;
    try {
      const a = state.agent.announce(PREFIX, peer, online);
      nc.publish(a.subject, a.data);
    } catch { /* closed meanwhile */ }
  }
}

// leaveAll is the clean stop when the page goes away: leave the dial
// subject first, so a desktop that asks on the cue finds the phone gone,
// then say so and close.
function leaveAll() {
  for (const [server, nc] of state.conns) {
    if (!nc || nc.isClosed()) continue;
    try { state.dialSubs.get(server)?.unsubscribe(); } catch { /* closed */ }
    announce(nc, server, false);
    nc.close().catch(() => {});
  }
}

// The server turns the phone's key away when the computer unpaired it.
const FORGOTTEN = "The computer does not know this phone any more: open its pairing window and scan the code again";
const isAuthError = (e) => /authorization|authentication/i.test(String((e && (e.message || e.code)) || e));

// serve answers dial requests, and presence pings on the same subject (the
// desktops list phones with them, docs/protocol.md section 6): the dial
// subject is the page's one subscription for them, as it is a Go phone
// agent's. The presence is signed at each ping: the user may rename the
// phone while connected.
function serve(nc, server) {
  state.dialSubs.set(server, nc.subscribe(p.subjectDial(PREFIX, state.ident.id), {
    callback: (err, m) => {
      if (err) return;
      if (isPresencePing(m.data)) {
        m.respond(presenceAnswer(state.ident, { name: state.name, backend: "browser", version: VERSION }));
        return;
      }
      onDial(nc, m);
    },
  }));
  nc.subscribe(p.subjectRelayed(PREFIX, state.ident.id), { callback: (err, m) => { if (!err) onRelayed(m.data); } });
}

async function onDial(nc, m) {
  const r = state.agent.handle(m.data);
  if (r.reply) m.respond(r.reply);
  const d = r.decision;
  if (!d.id) return; // nothing readable: no request to show
  if (d.remembered) {
    // The replay memory and the clock mark survive a reload.
    const mark = state.agent.mark;
    state.decided.push({ id: d.id, at: Date.now(), expires: d.expires, from: d.from });
    state.decided = state.decided.filter((x) => (x.expires || x.at + REPLAY_WINDOW_MS) >= mark);
    state.store.set("decided", state.decided).catch(() => {});
    state.store.set("mark", mark).catch(() => {});
  }
  if (d.duplicate) return;
  const from = d.fromName || "an unknown computer";
  if (d.accepted) {
    const a = $("call-button");
    a.href = "tel:" + d.number;
    a.textContent = `Call ${d.display} (from ${from})`;
    $("call-note").textContent = d.mode === "prefill" ? "The computer asked to fill in the number: tap to open the dialer." : "Tap to call.";
    show("incoming", true);
    show("refusal", false);
    alertUser();
    if (r.peer) {
      const st = state.agent.status(PREFIX, r.peer, d.id, 0, "prefilled");
      nc.publish(st.subject, st.data);
    }
  } else {
    show("incoming", false);
    const box = $("refusal");
    box.textContent = `Refused a request from ${from} to call ${d.target}: ${d.reason}`;
    box.dataset.code = d.code;
    show("refusal", true);
  }
  state.recent.unshift({ at: Date.now(), from, target: d.target, accepted: d.accepted, code: d.code, number: d.number });
  state.recent = state.recent.slice(0, MAX_RECENT);
  state.store.set("recent", state.recent).catch(() => {});
  renderRecent();
}

// ---- calling on another phone (through the computer) ---------------------------
// connFor is the open connection a desktop is reached on.
function connFor(peer) {
  const nc = state.conns.get(peer.server || `wss://${location.host}/nats`);
  return nc && !nc.isClosed() ? nc : null;
}

const desktops = () => state.peers.filter((x) => x.role === "desktop");

// listPhones asks every connected computer for its other phones online.
function listPhones() {
  for (const d of desktops()) {
    const nc = connFor(d);
    if (!nc) continue;
    const r = state.caller.list(PREFIX, d);
    nc.publish(r.subject, r.data);
    setTimeout(() => state.caller.forget(r.id), ANSWER_MS);
  }
}

// phones maps "desktopID phoneID" -> {desktop, phone} for the dial box.
state.phones = new Map();

function renderPhones() {
  const sel = $("dial-phone");
  const keep = sel.value;
  sel.replaceChildren();
  for (const [key, { desktop, phone }] of state.phones) {
    const o = document.createElement("option");
    o.value = key;
    o.textContent = desktops().length > 1 ? `${phone.name} (through ${desktop.name})` : phone.name;
    sel.append(o);
  }
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
  show("dialbox", state.phones.size > 0);
}

function dialState(text, cls = "") {
  const e = $("dial-state");
  e.textContent = text;
  e.className = cls;
}

function callOnPhone() {
  const picked = state.phones.get($("dial-phone").value);
  if (!picked) return dialState("Choose the phone that is to call.", "refused");
  let n;
  try {
    n = checkNumber($("dial-number").value, state.region);
  } catch (e) {
    return dialState(e.message, "refused");
  }
  const nc = connFor(picked.desktop);
  if (!nc) return dialState(`${picked.desktop.name} is not connected; try again when this page says Connected.`, "refused");
  const r = state.caller.dial(PREFIX, picked.desktop, picked.phone, n.e164);
  nc.publish(r.subject, r.data);
  dialState(`Asking ${picked.phone.name} to call ${n.display}…`);
  setTimeout(() => {
    if (state.caller.pending.get(r.id)?.replied === false) {
      state.caller.forget(r.id);
      dialState(`No answer from ${picked.desktop.name}: is deskdial running there?`, "refused");
    }
  }, ANSWER_MS);
}

function onRelayed(data) {
  const ev = state.caller.handle(data);
  if (!ev) return;
  if (ev.type === "phones") {
    for (const key of [...state.phones.keys()]) if (state.phones.get(key).desktop.id === ev.desktop.id) state.phones.delete(key);
    for (const ph of ev.phones) {
      if (![...state.phones.values()].some((x) => x.phone.id === ph.id)) state.phones.set(`${ev.desktop.id} ${ph.id}`, { desktop: ev.desktop, phone: ph });
    }
    renderPhones();
  } else if (ev.type === "reply") {
    const who = ev.phone ? ev.phone.name : ev.desktop.name;
    if (ev.reply.accepted) dialState(`${who} is calling ${ev.reply.number}.`, "ok");
    else dialState(`Not called: ${ev.reply.reason || ev.reply.code} (${ev.reply.code})`, "refused");
  } else if (ev.type === "state") {
    dialState(stateText(ev.phone.name, ev.status), ev.status.state === "failed" ? "refused" : "ok");
  }
}

// alertUser vibrates and plays a short tone where the browser allows.
function alertUser() {
  try { navigator.vibrate && navigator.vibrate([200, 100, 200]); } catch { /* not allowed */ }
  try {
    const ctx = new AudioContext();
    const o = ctx.createOscillator();
    o.frequency.value = 880;
    o.connect(ctx.destination);
    o.start();
    o.stop(ctx.currentTime + 0.15);
  } catch { /* no audio before a tap */ }
}

let wakeLock = null;
async function keepAwake() {
  if (document.visibilityState !== "visible" || wakeLock || !("wakeLock" in navigator)) return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
    wakeLock.addEventListener("release", () => { wakeLock = null; });
  } catch { /* refused: the screen may sleep */ }
}

// ---- settings and lists -------------------------------------------------------------
async function saveName() {
  const n = $("name").value.trim();
  if (!validName(n)) {
    $("name").setCustomValidity("1 to 64 printable characters");
    $("name").reportValidity();
    return;
  }
  $("name").setCustomValidity("");
  state.name = n;
  await state.store.set("name", n);
}

function renderPeers() {
  const ul = $("peers");
  ul.replaceChildren();
  for (const peer of state.peers) {
    const li = document.createElement("li");
    li.textContent = `${peer.name} (${peer.id.slice(0, 6)})`;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = "Forget";
    b.onclick = async () => {
      state.peers = state.peers.filter((x) => x.id !== peer.id);
      await state.store.set("peers", state.peers);
      state.agent.setPeers(state.peers);
      renderPeers();
    };
    li.append(b);
    ul.append(li);
  }
}

function renderRecent() {
  const ol = $("recent");
  ol.replaceChildren();
  for (const r of state.recent) {
    const li = document.createElement("li");
    const t = new Date(r.at).toLocaleTimeString();
    li.textContent = r.accepted ? `${t} ${r.number} from ${r.from}` : `${t} refused ${r.target} from ${r.from} (${r.code})`;
    if (!r.accepted) li.className = "refused";
    ol.append(li);
  }
  show("recent-section", state.recent.length > 0);
}

boot().catch((e) => setState(`Cannot start: ${e.message}`, "offline"));
