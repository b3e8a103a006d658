// The app shell only: the pages open on a phone that lost the Wi-Fi for a moment. Anything under /api
// (customers, numbers, the live feed) is never cached: a stale list could show a customer someone else
// now owns, and a full phone number must never sit in a cache.
const CACHE = "anchang-shell-v3";
const SHELL = ["/", "/app.js", "/core.js", "/reception.js", "/manager.js", "/consultant.js", "/style.css", "/manifest.webmanifest",
  "/icons/icon-192.png", "/icons/icon-512.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz") return;  // the network, always
  const path = event.request.mode === "navigate" ? "/" : url.pathname;
  if (!SHELL.includes(path)) return;
  // Network first: after an upgrade of the server the phone gets the new pages at once; the cache is
  // only the fallback when the server cannot be reached.
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(path, copy));
    }
    return response;
  }).catch(() => caches.match(path)));
});
