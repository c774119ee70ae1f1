// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});

// Virtual tag value editor (#value-form): pick values from the workspace's own, a live count of the
// line items the filter matches (with a warning at zero), and the running total of split percentages.
(function () {
  var form = document.getElementById("value-form");
  if (!form) { return; }
  var countUrl = form.getAttribute("data-match-count");
  var out = document.getElementById("match-count");
  var timer = null, asked = 0;

  function addPicked(input) {
    var value = input.value.trim();
    var box = form.querySelector("[data-values='" + input.getAttribute("data-pick") + "']");
    if (!value || !box) { return; }
    var lines = box.value.split("\n").map(function (v) { return v.trim(); }).filter(Boolean);
    if (lines.indexOf(value) === -1) { lines.push(value); }
    box.value = lines.join("\n");
    box.rows = Math.min(Math.max(lines.length + 1, 3), 8);
    input.value = "";
  }

  // While editing: exact values ("is", "is not") that are not among the workspace's values of the chosen
  // dimension (the page's datalist), most likely typos; the server gives the same warning on save.
  function unknownValues() {
    var notes = [];
    form.querySelectorAll("[data-values]").forEach(function (box) {
      var i = box.getAttribute("data-values");
      var dim = form.querySelector("[data-dimension='" + i + "']");
      var op = form.querySelector("[name=c" + i + "_operator]");
      var list = dim && dim.value && document.getElementById("tag-values-" + dim.value);
      if (!list || !op || (op.value !== "is" && op.value !== "is_not")) { return; }
      var known = {};
      list.querySelectorAll("option").forEach(function (o) { known[o.value] = true; });
      var missing = box.value.split("\n").map(function (v) { return v.trim(); })
        .filter(function (v) { return v && !known[v]; });
      if (missing.length) {
        notes.push("Condition " + (Number(i) + 1) + ": " + missing.map(function (v) { return "“" + v + "”"; }).join(", ") +
          (missing.length === 1 ? " is" : " are") + " not in this workspace's costs; check the spelling.");
      }
    });
    var ul = document.getElementById("value-warnings");
    if (!ul) {
      ul = document.createElement("ul");
      ul.id = "value-warnings"; ul.className = "msg msg-warning warnings"; ul.setAttribute("role", "status");
      out.insertAdjacentElement("afterend", ul);
    }
    ul.innerHTML = "";
    notes.forEach(function (text) { var li = document.createElement("li"); li.textContent = text; ul.appendChild(li); });
    ul.hidden = notes.length === 0;
  }

  function refreshCount() {
    if (!countUrl || !out) { return; }
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken") { params.append(k, v); } });
    var mine = ++asked;
    fetch(countUrl + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== asked) { return; }  // an older answer arriving late
        var zero = data.count === 0;
        out.textContent = data.errors ? data.errors[0].message : data.message;
        out.classList.toggle("msg", zero);
        out.classList.toggle("msg-warning", zero);
        out.setAttribute("data-count", data.errors ? "" : String(data.count));
      })
      .catch(function () { /* the count is a hint; the form still works */ });
  }

  function later() { unknownValues(); clearTimeout(timer); timer = setTimeout(refreshCount, 300); }

  function splitTotal() {
    var box = form.querySelector("[name=splits]"), note = document.getElementById("split-total");
    if (!box || !note) { return; }
    var total = 0, parts = 0;
    box.value.split("\n").forEach(function (line) {
      var i = line.lastIndexOf("=");
      if (i > -1 && line.slice(i + 1).trim() !== "") { total += parseFloat(line.slice(i + 1)) || 0; parts += 1; }
    });
    total = Math.round(total * 10000) / 10000;
    note.textContent = parts ? "Percentages add up to " + total + (total === 100 ? " ✓" : " (they must add up to 100)") : "";
  }

  form.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.hasAttribute("data-dimension")) {
      var pick = form.querySelector("[data-pick='" + el.getAttribute("data-dimension") + "']");
      if (pick) { if (el.value) { pick.setAttribute("list", "tag-values-" + el.value); } else { pick.removeAttribute("list"); } }
    }
    if (el.hasAttribute("data-pick")) { addPicked(el); }
    later();
  });
  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.hasAttribute("data-pick")) { ev.preventDefault(); addPicked(ev.target); later(); }
  });
  form.addEventListener("input", function (ev) {
    if (ev.target.name === "splits") { splitTotal(); }
    if (ev.target.hasAttribute("data-pick")) {
      // a value chosen from the list (not a key typed): add it at once
      if (ev.inputType === "insertReplacementText" || ev.inputType === undefined) { addPicked(ev.target); later(); }
      return;
    }
    later();
  });
  // Only the conditions in use and one empty row show; "Add condition" reveals the next (all rows show without JS).
  var rows = [].slice.call(form.querySelectorAll("tr[data-condition]"));
  function used(row) {
    return [].some.call(row.querySelectorAll("select[data-dimension], textarea, input"), function (el) { return el.value.trim(); });
  }
  var last = -1;
  rows.forEach(function (row, i) { if (used(row) || row.querySelector(".errorlist")) { last = i; } });
  rows.forEach(function (row, i) { row.hidden = i > last + 1; });
  if (rows.some(function (row) { return row.hidden; })) {
    var add = document.createElement("button");
    add.type = "button"; add.className = "btn btn-small"; add.textContent = "Add condition"; add.id = "add-condition";
    add.addEventListener("click", function () {
      var next = rows.filter(function (row) { return row.hidden; })[0];
      if (next) { next.hidden = false; var first = next.querySelector("select"); if (first) { first.focus(); } }
      if (!rows.some(function (row) { return row.hidden; })) { add.remove(); }
    });
    form.querySelector(".conditions").parentNode.insertAdjacentElement("afterend", add);
  }
  splitTotal();
  form.querySelectorAll("[data-values]").forEach(function (box) {
    box.rows = Math.min(Math.max(box.value.split("\n").length + 1, 3), 8);
  });
  var chosen = [].some.call(form.querySelectorAll("[data-dimension]"), function (el) { return el.value; });
  if (chosen) { refreshCount(); }
})();
