// The carer's day: check in and out with the phone's position; without network the record is
// kept in localStorage with its original time and sent when the network is back.
(function () {
  "use strict";
  var root = document.getElementById("carer-day");
  if (!root) { return; }
  var KEY = "carehub.checks.queue";
  var status = document.getElementById("queue-status");

  function show(text, kind) {
    status.textContent = text;
    status.className = "flash" + (kind ? " " + kind : "");
    status.hidden = false;
  }

  function queue() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function save(items) { localStorage.setItem(KEY, JSON.stringify(items)); }

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve({}); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({latitude: p.coords.latitude, longitude: p.coords.longitude,
                 accuracy_m: p.coords.accuracy});
      }, function () { resolve({}); }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 0});
    });
  }

  function send(record) {
    var body = {};
    ["latitude", "longitude", "accuracy_m", "client_at"].forEach(function (k) {
      if (record[k] !== undefined && record[k] !== null) { body[k] = record[k]; }
    });
    return fetch("/my-day/visits/" + record.visit + "/check-" + record.kind, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify(body)
    });
  }

  function flush() {
    var items = queue();
    if (!items.length || !navigator.onLine) { return Promise.resolve(); }
    var left = [];
    var chain = Promise.resolve();
    items.forEach(function (record) {
      chain = chain.then(function () {
        return send(record).then(function (response) {
          if (response.status >= 500) { left.push(record); }
          else if (!response.ok) {
            return response.json().then(function (e) { show(root.dataset.failed + " " + e.message, "error"); });
          }
        }, function () { left.push(record); });
      });
    });
    return chain.then(function () {
      save(left);
      if (!left.length) { show(root.dataset.sent, "success"); setTimeout(function () { location.reload(); }, 800); }
    });
  }

  function check(button) {
    button.disabled = true;
    var record = {visit: button.dataset.visit, kind: button.dataset.check,
                  client_at: new Date().toISOString()};
    show(root.dataset.locating);
    position().then(function (where) {
      Object.assign(record, where);
      var live = Object.assign({}, record, {client_at: null});
      return send(live).then(function (response) {
        if (response.ok) { location.reload(); return; }
        return response.json().then(function (e) { show(root.dataset.failed + " " + e.message, "error"); button.disabled = false; });
      }, function () {
        var items = queue();
        items.push(record);
        save(items);
        show(root.dataset.queued, "warning");
        button.textContent = button.textContent + " ✓";
        var next = button.dataset.check === "in" ? "out" : null;
        if (next) { button.dataset.check = next; button.disabled = false; button.textContent = root.dataset.outLabel || button.textContent; }
      });
    });
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-check]");
    if (button) { event.preventDefault(); check(button); }
  });
  window.addEventListener("online", flush);
  if (queue().length) { show(root.dataset.queued, "warning"); flush(); }
}());
