// Moves the progress bars of queued and running jobs on /jobs: polls the page's JSON status every
// two seconds and reloads the page once a job has finished (to show its result or error).
// A file rather than an inline script: the Content-Security-Policy forbids inline scripts.
(function () {
  var table = document.getElementById("jobs");
  if (!table) return;
  function rows() { return table.querySelectorAll("tr[data-job-id]"); }
  function poll() {
    var ids = Array.prototype.map.call(rows(), function (r) { return r.dataset.jobId; });
    if (!ids.length) return;
    fetch(table.dataset.statusUrl + "?ids=" + ids.join(","), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (jobs) {
        var finished = false;
        jobs.forEach(function (job) {
          var row = table.querySelector('tr[data-job-id="' + job.id + '"]');
          if (!row) return;
          var bar = row.querySelector("progress");
          if (job.percent !== null) bar.value = job.percent;
          var text = (job.total !== null ? job.done + " / " + job.total + " " : "") + job.message;
          row.querySelector(".job-progress").textContent = text;
          row.querySelector(".job-duration").textContent = job.duration === null ? "" : job.duration;
          if (job.state !== "queued" && job.state !== "running") finished = true;
        });
        if (finished) window.location.reload();
        else window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
