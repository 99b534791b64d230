// A job's page follows its progress (core.jobs): it asks the small JSON endpoint every second until the job
// ends, so a reload or a return later shows where it is. Without JavaScript the page refreshes itself.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") { return; }
  var bar = box.querySelector(".job-bar"), stage = box.querySelector(".job-stage");
  var error = box.querySelector(".job-error"), result = box.querySelector(".job-result");
  var state = box.querySelector(".job-state");
  function show(job) {
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    stage.textContent = job.total ? job.stage + " — " + job.done + " / " + job.total : job.stage;
    box.dataset.state = job.state;
    if (job.state === "failed") {
      error.textContent = job.error;
      error.hidden = false;
      state.textContent = box.dataset.failedLabel || state.textContent;
    }
    if (job.state === "done" && job.has_result) {
      result.hidden = false;
      result.querySelector("a").href = job.result_url;
    }
  }
  function poll() {
    fetch(box.dataset.progressUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (job) {
        show(job);
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
