// Keeps a sending campaign's progress up to date without reloading the page: polls the
// campaign's progress URL (JSON) every few seconds while it is sending, and stops after.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var status = document.getElementById("campaign-status");
  var EVERY_MS = 3000;

  function show(data) {
    box.querySelectorAll("[data-field]").forEach(function (node) {
      var value = data[node.getAttribute("data-field")];
      if (value === undefined) { return; }
      if (node.tagName === "PROGRESS") { node.value = value; node.textContent = value + "%"; }
      else { node.textContent = value; }
    });
    if (status && data.status_label) { status.textContent = data.status_label; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (data.status === "sending" || data.status === "paused") { window.setTimeout(poll, EVERY_MS); }
      })
      .catch(function () { window.setTimeout(poll, EVERY_MS * 5); });
  }

  if (box.getAttribute("data-status") === "sending" || box.getAttribute("data-status") === "paused") {
    window.setTimeout(poll, EVERY_MS);
  }
})();
