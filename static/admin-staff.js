// Admin console: filter the staff list, ask before destructive buttons, show the calendar fields only for business hours.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-staff-filter]");
  if (box) {
    var text = box.querySelector("[data-filter-text]");
    var duty = box.querySelector("[data-filter-duty]");
    var inactive = box.querySelector("[data-filter-inactive]");
    var apply = function () {
      var words = text.value.trim().toLowerCase();
      document.querySelectorAll("[data-staff-row]").forEach(function (row) {
        var show = (!words || row.textContent.toLowerCase().indexOf(words) !== -1) &&
          (!duty.checked || row.getAttribute("data-duty") === "yes") &&
          (!inactive.checked || row.getAttribute("data-active") === "yes");
        row.hidden = !show;
      });
    };
    [text, duty, inactive].forEach(function (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); });
    box.hidden = false;
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  var opening = document.querySelectorAll("input[name=business]");
  var hours = document.querySelector("[data-business-only]");
  if (opening.length && hours) {
    var sync = function () {
      var checked = document.querySelector("input[name=business]:checked");
      hours.hidden = !checked || checked.value !== "business";
    };
    opening.forEach(function (el) { el.addEventListener("change", sync); });
    sync();
  }
});
