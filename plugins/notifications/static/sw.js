// The push service worker of «Уведомления»: shows what the platform sent and opens the child's page on a tap.
// Its scope is /notifications/, so it never takes over the site's pages or another worker's cache.
// self.DEFAULT_TITLE is replaced by the view with the platform's name in the region's language.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(data.title || self.DEFAULT_TITLE, {
    body: data.body || "",
    tag: data.id ? "eschool-" + data.id : undefined,  // a repeated delivery replaces, never doubles
    data: { url: data.url || "/progress" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/progress";
  event.waitUntil(self.clients.openWindow(url));
});
