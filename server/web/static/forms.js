// Form behaviour without inline handlers, so the Content-Security-Policy can forbid inline script.
// <form data-confirm="…">: ask before sending. <form data-busy>: after sending, disable the
// button and show the form's .busy note (a long check must not be sent twice).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.busy !== undefined) {
    var button = form.querySelector("button");
    var note = form.querySelector(".busy");
    if (button) { button.disabled = true; }
    if (note) { note.hidden = false; }
  }
});
