// The family pages as an installable app: the shell cached on install, the pages a family opened cached as
// they load (network first), served from the cache when the network fails, marked «данные на …».
// The caches are cleared on logout and on a change of user (pwa.js and core's logout script ask for it).
const SHELL = "eschool-shell-v1";
const PAGES = "eschool-pages";
const SHELL_FILES = ["/static/eschool.css", "/static/favicon.svg", "/static/gradebook/gradebook.css",
                     "/static/gradebook/progress.js", "/static/gradebook/pwa.js",
                     "/static/gradebook/icon-192.png", "/static/gradebook/icon-512.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener("message", (event) => {
  if (event.data === "clear") {
    event.waitUntil(caches.delete(PAGES).then(() => event.source && event.source.postMessage("cleared")));
  }
});

function offline(response) {
  return response.text().then((html) => new Response(html.replace('data-offline="0"', 'data-offline="1"'),
    {headers: {"Content-Type": "text/html; charset=utf-8"}}));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok && !response.redirected && url.pathname.startsWith("/progress")) {
        const copy = response.clone();
        caches.open(PAGES).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() => caches.open(PAGES).then((cache) => cache.match(request)).then((hit) => hit ? offline(hit)
      : new Response("<!doctype html><meta charset=utf-8><title>offline</title><p>" + self.OFFLINE_TEXT + "</p>",
                     {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}}))));
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
