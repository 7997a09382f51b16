// The console's own script, loaded from /admin/assets (the CSP forbids inline script).
// Forms marked data-confirm ask before they are sent.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
