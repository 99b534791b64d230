// The roll call: a tap on a student's button saves that one code at once with fetch, without a page load.
// Without the script each row is a plain form that posts the same fields and comes back to the list.
// A row sends one tap at a time; a tap made while one is on its way is sent after it (the last one wins).
(function () {
  var list = document.querySelector("[data-roll-call]");
  var status = document.getElementById("roll-status");
  if (!list || !window.fetch || !window.FormData) { return; }
  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("roll-failed", !!failed);
  }
  function send(form, button) {
    var row = form.closest("li");
    if (row.getAttribute("aria-busy") === "true") { row.next = button; return; }
    row.setAttribute("aria-busy", "true");
    var data = new FormData(form);
    data.append("code", button.value);
    fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok) {
        form.querySelectorAll("button[name=code]").forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      }
      say(answer.body.message, !answer.ok);
    }).catch(function () {
      say(list.dataset.failed, true);
    }).then(function () {
      row.removeAttribute("aria-busy");
      var next = row.next;
      row.next = null;
      if (next && next !== button) { send(form, next); }
    });
  }
  list.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name !== "code") { return; }
    event.preventDefault();
    send(event.target, button);
  });
})();
