// Registers the family pages' service worker (core's logout.js clears its page cache on a change of user).
(function () {
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) { return; }
  navigator.serviceWorker.register(script.dataset.sw, {scope: "/progress"});
})();
