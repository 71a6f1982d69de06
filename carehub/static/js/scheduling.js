// Follows a scheduling run on /schedule: polls the run's JSON status every second and a half,
// moves the progress bar, and opens the new plan once the worker has stored it.
// A file rather than an inline script: the Content-Security-Policy forbids inline scripts.
(function () {
  var box = document.getElementById("run");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".run-message");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 5000); return; }
        if (job.percent !== null) bar.value = job.percent;
        text.textContent = (job.total !== null ? job.done + " / " + job.total + " " : "") + (job.message || job.state);
        if (job.state === "succeeded" && job.plan) {
          window.location.href = box.dataset.planUrl + "&plan=" + job.plan;
        } else if (job.state === "failed" || job.state === "cancelled") {
          text.textContent = job.state + ": " + (job.error || "");
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
