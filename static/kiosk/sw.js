/* Kiosk service worker: keeps the kiosk page and its files so that the tablet works with no connection.
   The page is fetched from the network first (a revoked tablet must learn it) and from the cache when offline;
   its files come from the cache first. Answers themselves live in IndexedDB (kiosk.js), never here. */
const CACHE = "portal-kiosk-v3";  // a new name whenever the kept files change: tablets then fetch them again
const PAGE = "/kiosk";
const FILES = ["/static/kiosk/kiosk.js", "/static/kiosk/kiosk.css", "/kiosk/manifest.webmanifest",
               "/static/img/favicon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(FILES).then(() => cache.add(PAGE).catch(() => null)))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(PAGE, copy));
      }
      return response;
    }).catch(() => caches.match(PAGE)));
  } else if (FILES.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});
