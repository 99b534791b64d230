// Registers the family pages' service worker; clears its page cache when another user logs in.
(function () {
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) { return; }
  var meta = document.querySelector('meta[name="eschool-user"]');
  var user = meta ? meta.content : "";
  var clear = function () { return window.caches ? caches.delete("eschool-pages") : Promise.resolve(); };
  var before = localStorage.getItem("eschool-user");
  var ready = before !== null && before !== user ? clear() : Promise.resolve();
  localStorage.setItem("eschool-user", user);
  ready.then(function () {
    navigator.serviceWorker.register(script.dataset.sw, {scope: "/progress"});
  });
})();
