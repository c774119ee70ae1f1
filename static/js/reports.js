// Reports: typing a date switches the range to Custom (without JavaScript, choose Custom yourself).
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (!el.matches || !el.matches("input[data-custom-date]")) { return; }
  var range = el.form && el.form.querySelector("select[name=date_range]");
  if (range) { range.value = "custom"; }
});

// Deleting a report asks first (without JavaScript the button deletes straight away).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
    ev.preventDefault();
  }
});
