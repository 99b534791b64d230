// The progress page: a subject in the summary opens its details in place (no page load).
(function () {
  function open(id) {
    var details = document.getElementById(id);
    if (details && details.tagName === "DETAILS") { details.open = true; return details; }
    return null;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.subject-link");
    if (!link) { return; }
    var details = open(link.getAttribute("href").slice(1));
    if (details) {
      event.preventDefault();
      details.scrollIntoView({block: "start"});
      details.querySelector("summary").focus();
      history.replaceState(null, "", link.getAttribute("href"));
    }
  });
  if (location.hash) { open(location.hash.slice(1)); }
})();
