// On logout, the family pages' cached copies go first (the service worker of /progress keeps them).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form.logout") || !window.caches || form.dataset.cleared) { return; }
  event.preventDefault();
  localStorage.removeItem("eschool-user");
  caches.delete("eschool-pages").finally(function () { form.dataset.cleared = "1"; form.submit(); });
});
