// The roll call: a tap on a student's button saves that one code at once with fetch, without a page load.
// Without the script each row is a plain form that posts the same fields and comes back to the list.
(function () {
  var list = document.querySelector("[data-roll-call]");
  var status = document.getElementById("roll-status");
  if (!list || !window.fetch || !window.FormData) { return; }
  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("roll-failed", !!failed);
  }
  list.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!button || button.name !== "code") { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.append("code", button.value);
    var row = form.closest("li");
    row.setAttribute("aria-busy", "true");
    fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok) {
        form.querySelectorAll("button[name=code]").forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
        row.dataset.saved = button.value;
      }
      say(answer.body.message, !answer.ok);
    }).catch(function () {
      say(list.dataset.failed, true);
    }).then(function () {
      row.removeAttribute("aria-busy");
    });
  });
})();
