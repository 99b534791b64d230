// Progressive enhancement: a "Print" button on the poster page. The page works without it (Ctrl+P).
document.addEventListener("DOMContentLoaded", function () {
  var hint = document.getElementById("print-hint");
  if (!hint || !window.print) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "print-button";
  button.textContent = hint.getAttribute("data-button");
  button.addEventListener("click", function () { window.print(); });
  hint.parentNode.insertBefore(button, hint);
});
