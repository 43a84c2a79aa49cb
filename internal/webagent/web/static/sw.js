// deskdial's service worker: makes the page installable and lets it open
// without the network. The page itself is always fetched fresh when the
// desktop is reachable (network first), so an update never waits.
const CACHE = "deskdial-v1";
const FILES = ["/", "/app.js", "/style.css", "/manifest.webmanifest", "/icons/app-256.png"];

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (e) => {
  const u = new URL(e.request.url);
  if (e.request.method !== "GET" || u.origin !== self.location.origin || u.pathname === "/nats") return;
  const key = u.pathname === "/pair" ? "/" : u.pathname;
  e.respondWith(fetch(e.request)
    .then((r) => {
      if (r.ok && FILES.includes(key)) {
        const copy = r.clone();
        caches.open(CACHE).then((c) => c.put(key, copy));
      }
      return r;
    })
    .catch(() => caches.match(key).then((r) => r || Response.error())));
});
