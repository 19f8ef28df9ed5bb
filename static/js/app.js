// Small behaviours of the workspace; everything works without them (plain links and forms).
document.addEventListener("htmx:afterSwap", function (event) {
  // A form opened in place takes the keyboard focus, so it is announced and usable at once.
  var target = event.detail.target;
  if (!target || !target.matches("[data-focus-on-swap]")) return;
  var heading = target.querySelector("h2, h3");
  var field = target.querySelector("[autofocus], input:not([type=hidden]), select, textarea");
  var focus = heading || field;
  if (focus) {
    if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
    focus.focus();
  }
});
document.addEventListener("click", function (event) {
  // « Annuler » in an in-place form empties the panel and gives the focus back to the toolbar.
  var cancel = event.target.closest("[data-close-panel]");
  if (!cancel) return;
  var panel = document.getElementById(cancel.getAttribute("data-close-panel"));
  if (!panel) return;
  event.preventDefault();
  panel.innerHTML = "";
  var toolbar = document.querySelector(".actions a, .actions button");
  if (toolbar) toolbar.focus();
});
document.addEventListener("change", function (event) {
  // A filter marked data-submit-on-change submits its form at once (no inline handler: CSP).
  var field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.requestSubmit();
});
document.addEventListener("click", function (event) {
  // « Imprimer » buttons (data-print) open the browser's print dialog.
  if (event.target.closest("[data-print]")) window.print();
});
