// Live import progress: polls the integration's JSON status until the import finishes.
(function () {
  function update(box, s) {
    box.dataset.status = s.status;
    var badge = box.querySelector("[data-role=badge]");
    badge.textContent = s.status_display;
    badge.className = "badge badge-" + s.status;
    box.querySelector("[data-role=bar]").setAttribute("width", s.percent);  // an SVG rect (no inline styles: CSP)
    box.querySelector(".progress").setAttribute("aria-valuenow", s.percent);
    // Counts and times come formatted by the server (vantage.lib.formatting), as on the rendered page.
    var months = s.windows_total ? s.windows_done + " of " + s.windows_total + " months · " : "";
    box.querySelector("[data-role=detail]").textContent = months + s.records_read_display + " records read";
    var msg = document.querySelector("[data-role=message]");
    if (msg) { msg.textContent = s.message || ""; msg.hidden = !s.message; }
    var last = document.querySelector("[data-role=last-refreshed]");
    if (last) { last.textContent = s.last_refreshed_display; }
  }
  function poll(box) {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        var running = s.status === "importing" || s.status === "pending";
        var reload = !running && box.dataset.reloadOnDone !== "no";
        // Flag the pending reload in the same tick as the final update, so nothing
        // (a person, or a browser test) sees "imported" without knowing a reload follows.
        if (reload) { document.body.dataset.reloading = "1"; }
        update(box, s);
        if (running) { setTimeout(function () { poll(box); }, 1000); }
        else if (reload) { setTimeout(function () { window.location.reload(); }, 300); }
      })
      .catch(function () { setTimeout(function () { poll(box); }, 5000); });
  }
  document.querySelectorAll(".import-status").forEach(function (box) {
    if (box.dataset.status === "importing" || box.dataset.status === "pending") { poll(box); }
  });
})();
