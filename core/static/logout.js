// The family pages' cached copies (kept by the service worker of /progress) belong to one user: they go on
// logout and on any change of user — a session that ended (an anonymous page), another person logging in.
(function () {
  var meta = document.querySelector('meta[name="eschool-user"]');
  if (!meta || !window.localStorage) { return; }
  var clear = function () { return window.caches ? caches.delete("eschool-pages") : Promise.resolve(); };
  var before = localStorage.getItem("eschool-user");
  if (before !== null && before !== meta.content) {
    clear().then(function () { document.documentElement.dataset.cacheCleared = "1"; });
  }
  localStorage.setItem("eschool-user", meta.content);
})();

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form.logout") || !window.caches || form.dataset.cleared) { return; }
  event.preventDefault();
  localStorage.removeItem("eschool-user");
  caches.delete("eschool-pages").finally(function () { form.dataset.cleared = "1"; form.submit(); });
});
