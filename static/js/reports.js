// Reports: small progressive enhancement over plain GET forms (everything works without it).

// Typing a date switches the range to Custom (without JavaScript, choose Custom yourself).
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (!el.matches || !el.matches("input[data-custom-date]")) { return; }
  var range = el.form && el.form.querySelector("select[name=date_range]");
  if (range) { range.value = "custom"; }
});

// Filter pickers: a search box that narrows the list of values as you type.
document.querySelectorAll("input[data-picker-search]").forEach(function (box) {
  box.hidden = false;
  box.addEventListener("input", function () {
    var needle = box.value.trim().toLowerCase();
    box.closest(".picker").querySelectorAll(".picker-values li").forEach(function (li) {
      li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) === -1;
    });
  });
  // Enter in the search box must not submit the form half-chosen.
  box.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); } });
});

// Opening a dimension focuses its search box.
document.addEventListener("toggle", function (ev) {
  var picker = ev.target;
  if (picker.matches && picker.matches("details.picker") && picker.open) {
    var box = picker.querySelector("input[data-picker-search]");
    if (box) { box.focus(); }
  }
}, true);

// A dimension without ticked values sends no operator: shorter URLs (the server ignores it either way).
// A preset range sends no custom dates, so a shared link never names two ranges (the server ignores them too).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (!form.matches || !form.matches("#report-form")) { return; }
  var range = form.querySelector("select[name=date_range]");
  form.querySelectorAll("input[data-custom-date]").forEach(function (input) {
    input.disabled = !!range && range.value !== "custom";
  });
  form.querySelectorAll("details.picker").forEach(function (picker) {
    var op = picker.querySelector("select[name$=_op]");
    if (op && !picker.querySelector("input[type=checkbox]:checked")) { op.disabled = true; }
  });
});

// Deleting a report asks first (without JavaScript the button deletes straight away).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
    ev.preventDefault();
  }
});

// The per-bin table's "scrolls sideways" cue shows only while the table is wider than its panel.
function updateScrollHints() {
  document.querySelectorAll("[data-scroll-hint]").forEach(function (hint) {
    var box = hint.parentElement.querySelector(".table-scroll");
    var table = box && box.querySelector("table");
    var wide = box && (box.scrollWidth > box.clientWidth + 1 || (table && table.scrollWidth > table.clientWidth + 1));
    hint.hidden = !wide;
  });
}
updateScrollHints();
window.addEventListener("resize", updateScrollHints);

// Coming back to the page (the browser's back button) re-enables the dates the last submit switched off.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("#report-form input[data-custom-date]").forEach(function (input) { input.disabled = false; });
});
