// Admin sellers: copy a seller's link, select it on focus, confirm before revoking or rotating links.
document.addEventListener("DOMContentLoaded", function () {
  function selectAll(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }

  function legacyCopy(field) {
    selectAll(field);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.querySelectorAll("input[data-select-all]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;  // without JavaScript the field can still be selected and copied by hand
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      function report(ok) {
        button.textContent = button.getAttribute(ok ? "data-text-copied" : "data-text-failed") || label;
        setTimeout(function () { button.textContent = label; }, 2500);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { report(true); },
                                                         function () { report(legacyCopy(field)); });
      } else {
        report(legacyCopy(field));
      }
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
});
