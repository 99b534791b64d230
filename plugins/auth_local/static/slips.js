// Progressive: show a "Print" button when scripts run; the page works without it (Ctrl+P).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("auth-local-print");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
