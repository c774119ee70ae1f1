// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
